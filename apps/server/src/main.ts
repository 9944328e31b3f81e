#!/usr/bin/env node
/**
 * Entry point of `notiflows-prefs`.
 */
import { pino } from "pino"
import { HELP, runCommand, UsageError } from "./Cli.js"
import { ConfigError, loadConfig } from "./Config.js"
import { describeDatabase } from "./Database.js"
import { startServer } from "./Server.js"

const argv = process.argv.slice(2)
const command = argv[0] ?? "serve"

const fail = (message: string, code: number): never => {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

const main = async (): Promise<void> => {
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP)
    return
  }
  const config = loadConfig()
  if (command !== "serve") {
    process.exitCode = await runCommand(argv, config, (s) => process.stdout.write(`${s}\n`))
    return
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP)
    return
  }
  // Asynchronous writes: a synchronous write per request line cost ~13% of the PUT's CPU time.
  const destination = pino.destination({ dest: 1, sync: false })
  const logger = pino({ level: config.logLevel, base: { service: "notiflows-preferences" } }, destination)
  const flush = () => new Promise<void>((resolve) => logger.flush(() => resolve()))
  const running = await startServer(config, logger)
  const keys = running.bootstrap.createdKeys
  if (keys !== undefined) {
    process.stdout.write(
      [
        "",
        `Created "${running.bootstrap.project.name}" (${running.bootstrap.project.id}). Its keys are shown only now:`,
        `  public key: ${keys.publicKey}`,
        `  secret key: ${keys.secretKey}`,
        "Try it:",
        `  curl -s ${running.url}/admin/users -H "x-notiflows-secret-key: ${keys.secretKey}"`,
        "Set NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY to choose the keys yourself.",
        ""
      ].join("\n")
    )
  }
  // Logged last, so whoever waits for this line has seen the keys above.
  logger.info({ url: running.url, database: describeDatabase(config), project: running.bootstrap.project.id }, "notiflows preferences listening")
  let signals = 0
  const shutdown = (signal: string) => {
    if (++signals > 1) fail(`received ${signal} again: exiting now`, 1)
    logger.info({ signal }, "shutting down")
    running.close().then(
      () => flush().finally(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed")
        void flush().finally(() => process.exit(1))
      }
    )
  }
  process.on("SIGTERM", () => shutdown("SIGTERM"))
  process.on("SIGINT", () => shutdown("SIGINT"))
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fail(error.message, 2)
  if (error instanceof UsageError) fail(`${error.message}\n\n${HELP}`, 2)
  fail(`notiflows-prefs: ${error instanceof Error ? error.message : String(error)}`, 1)
})
