#!/usr/bin/env node
/**
 * Entry point of `notiflows-prefs`: `serve` (the default) runs the service's layer graph until a
 * signal; the other commands run once against the configured database.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { HELP, runCommand, UsageError } from "./Cli.js"
import { serveCluster } from "./Cluster.js"
import { isClusterWorker, stopWithPrimary } from "./ClusterWorker.js"
import { InvalidConfig, readAppConfig } from "./Config.js"
import { bulkTeardown, commandTeardown, exitCodeTeardown, requestShutdown, runMain } from "./NodeMain.js"
import { describeStartupFailure, serve } from "./Service.js"

const argv = process.argv.slice(2)
const command = argv[0] ?? "serve"
const wantsHelp = command === "--help" || command === "-h" || command === "help" || (command === "serve" && (argv.includes("--help") || argv.includes("-h")))

/** `serve --workers N` (or `--workers=N`) sets NOTIFLOWS_WORKERS, validated with the other variables. */
const workersFlag = (args: ReadonlyArray<string>): string | undefined => {
  const at = args.findIndex((a) => a === "--workers" || a.startsWith("--workers="))
  if (at < 0) return undefined
  const arg = args[at]!
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : (args[at + 1] ?? "")
}
const flag = command === "serve" ? workersFlag(argv) : undefined
if (flag !== undefined) process.env["NOTIFLOWS_WORKERS"] = flag
// A worker of `serve --workers N` stops when its primary asks, or is gone.
if (isClusterWorker()) stopWithPrimary(requestShutdown)

/** A failure as its message on stderr and an exit code (2 for configuration and usage errors). */
const report = (error: unknown): Effect.Effect<number> => {
  if (error instanceof UsageError) return Effect.sync(() => (process.stderr.write(`${error.message}\n\n${HELP}\n`), 2))
  return Effect.map(describeStartupFailure(error), (message) => {
    process.stderr.write(`${error instanceof InvalidConfig ? message : `notiflows-prefs: ${message}`}\n`)
    return error instanceof InvalidConfig ? 2 : 1
  })
}

/**
 * A CLI command as an Effect: interrupting it (a signal) aborts the command and waits until it
 * has released the database, so Ctrl-C never leaves PGlite's lock or a transaction behind.
 */
const runCliCommand = (config: Parameters<typeof runCommand>[1]): Effect.Effect<number, unknown> =>
  Effect.async<number, unknown>((resume) => {
    const controller = new AbortController()
    const done = runCommand(argv, config, (s) => process.stdout.write(`${s}\n`), controller.signal).then(
      (code) => resume(Effect.succeed(code)),
      (error: unknown) => resume(Effect.fail(error))
    )
    return Effect.promise(() => (controller.abort(), done))
  })

const program: Effect.Effect<number, unknown> = wantsHelp
  ? Effect.sync(() => (process.stdout.write(HELP), 0))
  : command === "serve"
    ? isClusterWorker()
      ? serve
      : Effect.flatMap(readAppConfig, (config) => (config.workers > 1 ? serveCluster : serve))
    : Effect.flatMap(readAppConfig, runCliCommand)

/** Failures are reported by {@link report}; a defect (a bug) with its trace; a signal's interruption passes. */
const reported = program.pipe(
  Effect.catchAllCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) return report(failure.value)
    return Effect.sync(() => (process.stderr.write(`notiflows-prefs: unexpected error\n${Cause.pretty(cause)}\n`), 1))
  })
)

// A stopped service exits 0 (a graceful stop); a stopped one-shot command did not finish: 130 for Ctrl-C.
const teardown = wantsHelp || command === "serve" ? exitCodeTeardown : command === "import" || command === "export" ? bulkTeardown : commandTeardown
runMain(reported, { disableErrorReporting: true, disablePrettyLogger: true, teardown })
