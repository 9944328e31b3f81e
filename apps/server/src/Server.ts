/**
 * The standalone HTTP service as layers: the Express app (router, rate limits, idempotency,
 * metrics, the envelope for everything outside the router), the Node server listening on
 * HOST:PORT, and its graceful close (stop accepting, drain in-flight requests for at most 10 s)
 * when the layer is released, before the database closes.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schedule from "effect/Schedule"
import express from "express"
import type { Logger } from "pino"
import { Redis } from "ioredis"
import type { DrizzleDatabase } from "@notiflows/adapters-drizzle"
import { ping } from "@notiflows/adapters-drizzle"
import { IdempotencyRepository, JobWakeup, makeJobWakeup, WebhookPolicy } from "@notiflows/domain"
import { loggableError, makeIdempotencyHook, makeMetrics, makeRateLimits, makeRouter } from "@notiflows/http-express"
import { clusterMetrics, isClusterWorker } from "./ClusterWorker.js"
import type { AppConfig } from "./Config.js"
import { Configuration } from "./Config.js"
import type { Repositories } from "./Database.js"
import type { Envelope } from "./Envelope.js"
import { makeEnvelope } from "./Envelope.js"
import { AppLogger } from "./Logging.js"
import { retentionLoop } from "./Retention.js"
import { webhookEngine } from "./webhooks/Engine.js"
import { jobLoop } from "./bulk/JobRunner.js"

/** Where the service listens. */
export class HttpService extends Context.Tag("@notiflows/server/HttpService")<HttpService, { readonly url: string; readonly server: http.Server }>() {}

/** How long in-flight requests may finish after a shutdown signal before their connections are cut. */
export const DRAIN_MS = 10_000

type AppRuntime = ManagedRuntime.ManagedRuntime<Repositories | DrizzleDatabase, never>

/**
 * Shared counters when REDIS_URL is set, disconnected on release. Commands fail fast while Redis
 * is away, so requests are served without limits (fail open) instead of waiting on it.
 */
const acquireRedis = (config: AppConfig, logger: Logger) =>
  config.redisUrl === undefined
    ? Effect.succeed(undefined)
    : Effect.acquireRelease(
        Effect.sync(() => {
          const redis = new Redis(config.redisUrl!, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false })
          redis.on("error", (error: Error) => logger.debug({ error: loggableError(error, false) }, "redis connection error"))
          return redis
        }),
        (redis) => Effect.sync(() => redis.disconnect())
      )

/** The Express app: the router with its hooks, then the envelope for everything else. */
const makeApp = (config: AppConfig, logger: Logger, runtime: AppRuntime, redis: Redis | undefined, envelope: Envelope): express.Express => {
  // One uncached `select 1` (the project view cache would keep answering through an outage),
  // bounded well under the 5 s a caller may wait.
  const readiness = () =>
    runtime.runPromise(ping(Math.min(2_000, config.databaseTimeouts.operationMs)).pipe(Effect.as(true), Effect.orElseSucceed(() => false)))
  // Use cases in flight (postgres.js exposes no pool statistics).
  let inFlight = 0
  const countedRuntime: AppRuntime = Object.create(runtime, {
    runPromiseExit: {
      value: (...args: Parameters<AppRuntime["runPromiseExit"]>) => {
        inFlight++
        return runtime.runPromiseExit(...args).finally(() => inFlight--)
      }
    }
  })
  const metrics = makeMetrics({ pool: () => ({ max: config.databaseUrl !== undefined ? config.databasePoolSize : 1, useCasesInFlight: inFlight }) })
  const rateLimits = makeRateLimits({
    rules: config.rateLimits,
    logger,
    ...(redis !== undefined ? { redis } : {}),
    onReject: metrics.rateLimitRejected,
    onStoreError: metrics.rateLimitStoreError
  })
  const app = express()
  app.disable("x-powered-by")
  // LINKS.md §2.3, §6: the client address of rate limits and of the ledger's `context.ip`.
  app.set("trust proxy", config.trustProxy)
  app.use(envelope.requireHost)
  app.use(
    makeRouter(countedRuntime, {
      logger,
      readiness,
      // A worker of `serve --workers N` answers with every worker's metrics, summed by the primary.
      metrics: isClusterWorker() ? clusterMetrics(metrics.registry) : metrics.render,
      publicUrl: config.publicUrl.base,
      // EVENTS.md §1: NOTIFLOWS_CONSENT_CONTEXT_DAYS=0 means end-user contexts are never recorded.
      recordConsentContext: config.consentContextDays > 0,
      hooks: {
        afterAuth: rateLimits.afterAuth,
        onAuthFailure: rateLimits.onAuthFailure,
        links: rateLimits.links,
        aroundHandler: makeIdempotencyHook({ runtime, onReplay: metrics.idempotentReplay }),
        onResponse: metrics.observeRequest
      }
    })
  )
  app.use(envelope.routeNotFound)
  app.use(envelope.expressErrors)
  return app
}

/** Listens on HOST:PORT; the Node limits and the envelope for what Node itself refuses. */
const listen = (app: express.Express, config: AppConfig, envelope: Envelope): Effect.Effect<http.Server, Error> =>
  Effect.async<http.Server, Error>((resume) => {
    // Node's own Host check answers a bare 400: `requireHost` answers it in the envelope.
    const server = http.createServer({ maxHeaderSize: 16 * 1024, requireHostHeader: false }, app)
    server.on("clientError", envelope.onClientError)
    server.on("checkExpectation", envelope.onUnmetExpectation)
    server.headersTimeout = 10_000
    // Longer than clients' and load balancers' idle timeouts (commonly 60 s), so the client, not
    // the server, closes idle keep-alive connections: a server closing one while a request is in
    // flight on it makes the client fail with "other side closed".
    server.keepAliveTimeout = 65_000
    server.requestTimeout = 30_000
    const failed = (error: Error) => resume(Effect.fail(error))
    server.once("error", failed)
    server.listen(config.port, config.host, () => {
      server.off("error", failed)
      resume(Effect.succeed(server))
    })
  })

/** Stops accepting, closes idle connections, lets in-flight requests finish for at most {@link DRAIN_MS}. */
const closeGracefully = (server: http.Server): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_MS)
    server.close(() => {
      clearTimeout(deadline)
      resume(Effect.void)
    })
    server.closeIdleConnections()
  })

const urlOf = (server: http.Server): string => {
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

/** Expired idempotency records are purged in the background every 10 minutes (replays already ignore them). */
const purgeIdempotency = (logger: Logger) =>
  Effect.flatMap(IdempotencyRepository, (r) => Effect.suspend(() => r.purgeExpired(new Date()))).pipe(
    Effect.catchAll((error) => Effect.sync(() => logger.warn({ error: loggableError(error.cause, false), operation: error.operation }, "idempotency purge failed"))),
    Effect.repeat(Schedule.spaced(Duration.minutes(10))),
    Effect.delay(Duration.minutes(10))
  )

/** The listening service; released by a graceful close. */
export const layerHttpServer: Layer.Layer<HttpService, Error, Configuration | AppLogger | Repositories | DrizzleDatabase> = Layer.scoped(
  HttpService,
  Effect.gen(function* () {
    const config = yield* Configuration
    const logger = yield* AppLogger
    if (!config.publicUrl.https && !config.publicUrl.loopback) {
      // RFC 8058 one-click needs https; mailbox providers ignore http List-Unsubscribe URLs.
      logger.warn({ variable: "NOTIFLOWS_PUBLIC_URL" }, "NOTIFLOWS_PUBLIC_URL is neither https nor loopback: links will not work for one-click unsubscribe")
    }
    // The router runs its use cases on the repositories this layer graph built (owned by it).
    const context = yield* Effect.context<Repositories | DrizzleDatabase>()
    // EVENTS.md §4.4: NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE decides which endpoint URLs are accepted.
    // A bulk submit wakes this process's job loop (BULK.md §1.2), so the job starts without waiting for a poll.
    const wakeup = yield* makeJobWakeup
    const policy = { allowPrivate: config.webhooks.allowPrivate, timeoutMs: config.webhooks.timeoutSeconds * 1000 }
    const runtime = ManagedRuntime.make(Layer.succeedContext(Context.add(Context.add(context, WebhookPolicy, policy), JobWakeup, wakeup)))
    yield* Effect.addFinalizer(() => runtime.disposeEffect)
    const redis = yield* acquireRedis(config, logger)
    yield* Effect.forkScoped(purgeIdempotency(logger))
    yield* Effect.forkScoped(retentionLoop(config, logger))
    // EVENTS.md §4.3: every instance delivers webhooks (claims keep one attempt per delivery at a time).
    yield* Effect.forkScoped(webhookEngine(config.webhooks, logger, undefined, config.eventRetentionDays))
    yield* Effect.forkScoped(jobLoop(config, logger, wakeup))
    const envelope = makeEnvelope(logger)
    const server = yield* Effect.acquireRelease(listen(makeApp(config, logger, runtime, redis, envelope), config, envelope), closeGracefully)
    return { url: urlOf(server), server }
  })
)
