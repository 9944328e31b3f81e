#!/usr/bin/env node
/**
 * Entry point of `notiflows-prefs`: `serve` (the default) runs the service's layer graph until a
 * signal; the other commands run once against the configured database.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { HELP, runCommand, UsageError } from "./Cli.js"
import { InvalidConfig, readAppConfig } from "./Config.js"
import { exitCodeTeardown, runMain } from "./NodeMain.js"
import { describeStartupFailure, serve } from "./Service.js"

const argv = process.argv.slice(2)
const command = argv[0] ?? "serve"
const wantsHelp = command === "--help" || command === "-h" || command === "help" || (command === "serve" && (argv.includes("--help") || argv.includes("-h")))

/** A failure as its message on stderr and an exit code (2 for configuration and usage errors). */
const report = (error: unknown): Effect.Effect<number> => {
  if (error instanceof UsageError) return Effect.sync(() => (process.stderr.write(`${error.message}\n\n${HELP}\n`), 2))
  return Effect.map(describeStartupFailure(error), (message) => {
    process.stderr.write(`${error instanceof InvalidConfig ? message : `notiflows-prefs: ${message}`}\n`)
    return error instanceof InvalidConfig ? 2 : 1
  })
}

const program: Effect.Effect<number, unknown> = wantsHelp
  ? Effect.sync(() => (process.stdout.write(HELP), 0))
  : command === "serve"
    ? serve
    : Effect.flatMap(readAppConfig, (config) => Effect.tryPromise({ try: () => runCommand(argv, config, (s) => process.stdout.write(`${s}\n`)), catch: (e) => e }))

/** Failures are reported by {@link report}; a defect (a bug) with its trace; a signal's interruption passes. */
const reported = program.pipe(
  Effect.catchAllCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) return report(failure.value)
    return Effect.sync(() => (process.stderr.write(`notiflows-prefs: unexpected error\n${Cause.pretty(cause)}\n`), 1))
  })
)

runMain(reported, { disableErrorReporting: true, disablePrettyLogger: true, teardown: exitCodeTeardown })
