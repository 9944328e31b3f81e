/**
 * The standalone service as one layer graph, built in order and released in reverse:
 * configuration → logger → storage (connected, migrated) → the project from the environment →
 * the HTTP server. Releasing it (a signal interrupts the main fiber) stops accepting, drains
 * in-flight requests, closes Redis and the pool (or PGlite), then flushes the log.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { DatabaseFailure, DuplicateApiKeysError, PgliteLockedError, PgliteOpenError } from "@notiflows/adapters-drizzle"
import type { DrizzleDatabase } from "@notiflows/adapters-drizzle"
import { RepositoryError } from "@notiflows/domain"
import { bootstrap, type BootstrapResult } from "./Bootstrap.js"
import { isClusterWorker } from "./ClusterWorker.js"
import type { AppConfig } from "./Config.js"
import { Configuration, InvalidConfig, layerAppConfig, readAppConfig } from "./Config.js"
import type { Repositories } from "./Database.js"
import { describeDatabase, layerDatabase } from "./Database.js"
import { AppLogger, layerLogger } from "./Logging.js"
import { HttpService, layerHttpServer } from "./Server.js"
import { signingKeyFromPem } from "./Signing.js"

/** The project this instance serves (ensured at start). */
export class Bootstrapped extends Context.Tag("@notiflows/server/Bootstrapped")<Bootstrapped, BootstrapResult>() {}

/** Ensures the project of the environment (see `Bootstrap.ts`). */
export const layerBootstrap: Layer.Layer<Bootstrapped, unknown, Configuration | Repositories> = Layer.effect(
  Bootstrapped,
  Effect.gen(function* () {
    const config = yield* Configuration
    const pem = config.userSigningPublicKey
    const signingKey =
      pem === undefined
        ? undefined
        : yield* Effect.tryPromise({
            try: () => signingKeyFromPem(pem),
            catch: (e) => new InvalidConfig([`NOTIFLOWS_USER_SIGNING_PUBLIC_KEY: ${e instanceof Error ? e.message : "not a usable public key"}`])
          })
    return yield* bootstrap(config, signingKey)
  })
)

type Services = Configuration | AppLogger | Repositories | DrizzleDatabase | Bootstrapped | HttpService

/** Every layer of the service, in start order. */
export const layerService: Layer.Layer<Services, unknown> = layerHttpServer.pipe(
  Layer.provideMerge(layerBootstrap),
  Layer.provideMerge(layerDatabase),
  Layer.provideMerge(layerLogger),
  Layer.provideMerge(layerAppConfig)
)

/** The keys of a project created now: printed once, on stdout, never logged. */
export const keysBanner = (result: BootstrapResult, url: string): string | undefined => {
  const keys = result.createdKeys
  if (keys === undefined) return undefined
  return [
    "",
    `Created "${result.project.name}" (${result.project.id}). Its keys are shown only now:`,
    `  public key: ${keys.publicKey}`,
    `  secret key: ${keys.secretKey}`,
    "Try it:",
    `  curl -s ${url}/admin/users -H "x-notiflows-secret-key: ${keys.secretKey}"`,
    "Set NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY to choose the keys yourself.",
    ""
  ].join("\n")
}

/** `serve`: starts everything, announces it, and runs until interrupted (a signal). */
export const serve: Effect.Effect<never, unknown> = Effect.gen(function* () {
  const config = yield* Configuration
  const logger = yield* AppLogger
  const { url } = yield* HttpService
  const result = yield* Bootstrapped
  if (isClusterWorker()) {
    // The primary announces the service (with its URL) once every worker listens.
    logger.info({ address: url, project: result.project.id }, "worker listening")
  } else {
    const banner = keysBanner(result, url)
    if (banner !== undefined) process.stdout.write(banner)
    // Logged last, so whoever waits for this line has seen the keys above.
    logger.info({ url, database: describeDatabase(config), project: result.project.id }, "notiflows preferences listening")
  }
  return yield* Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => logger.info("shutting down"))))
}).pipe(Effect.provide(layerService))

/** Which variable chooses the storage, for messages. */
const storageVariable = (config: AppConfig | undefined): string =>
  config?.databaseUrl !== undefined ? "DATABASE_URL" : config === undefined ? "DATABASE_URL or NOTIFLOWS_DATA_DIR" : "NOTIFLOWS_DATA_DIR"

/**
 * The message for a failed start: names the variable to look at, and carries no SQL, parameter,
 * key or hash (a `RepositoryError`'s cause is a sanitized `DatabaseFailure`), and no stack.
 */
export const startupFailureMessage = (error: unknown, config: AppConfig | undefined): string => {
  if (
    error instanceof InvalidConfig ||
    error instanceof PgliteLockedError ||
    error instanceof PgliteOpenError ||
    error instanceof DuplicateApiKeysError
  ) {
    return error.message
  }
  if (error instanceof RepositoryError) {
    const where = `${config === undefined ? "the database" : describeDatabase(config)} (${storageVariable(config)})`
    const cause = error.cause instanceof DatabaseFailure ? `${error.cause.errorClass}${error.cause.code !== undefined ? ` ${error.cause.code}` : ""}` : "unknown error"
    return error.unavailable
      ? `cannot reach the database: ${where} is unavailable (${cause} during ${error.operation}). Check ${storageVariable(config)} and that the database is running.`
      : `the database failed during ${error.operation}: ${where} (${cause}).`
  }
  const code = (error as { code?: unknown } | undefined)?.code
  if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
    return `cannot listen on ${config?.host ?? "HOST"}:${config?.port ?? "PORT"} (${code}): choose another PORT or HOST.`
  }
  return error instanceof Error ? error.message : "unexpected failure"
}

/** {@link startupFailureMessage} with the configuration read again (the layer that held it failed). */
export const describeStartupFailure = (error: unknown): Effect.Effect<string> =>
  Effect.map(Effect.option(readAppConfig), (config) => startupFailureMessage(error, config._tag === "Some" ? config.value : undefined))
