/**
 * The standalone service: builds the storage layer, provisions the project, mounts the router
 * and listens. Shuts down gracefully on SIGTERM/SIGINT.
 */
import type { AddressInfo, Socket } from "node:net"
import * as http from "node:http"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import express from "express"
import type { Logger } from "pino"
import { Redis } from "ioredis"
import { ping } from "@notiflows/adapters-drizzle"
import { IdempotencyRepository } from "@notiflows/domain"
import { envelope, makeIdempotencyHook, makeMetrics, makeRateLimits, makeRouter, newRequestId } from "@notiflows/http-express"
import { bootstrap, type BootstrapResult } from "./Bootstrap.js"
import type { Config } from "./Config.js"
import { databaseLayer } from "./Database.js"
import { signingKeyFromPem } from "./Signing.js"

export interface RunningServer {
  readonly url: string
  readonly server: http.Server
  readonly bootstrap: BootstrapResult
  /** Stops accepting, lets in-flight requests finish (bounded), closes the database. */
  readonly close: () => Promise<void>
}

const errorBody = (status: number, code: string, message: string, requestId: string): string =>
  JSON.stringify(envelope({ status, code, message, details: {}, headers: {} }, requestId))

/** Answers requests Node rejects before Express (oversized headers, malformed HTTP) in the envelope. */
const onClientError = (err: NodeJS.ErrnoException, socket: Socket): void => {
  if (!socket.writable || (err as { code?: string }).code === "ECONNRESET") {
    socket.destroy()
    return
  }
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW"
  const status = tooLarge ? 431 : 400
  // The request could not be parsed, so its x-request-id is unknown: a new id, in the body and
  // in the header like every other response (API.md §3).
  const requestId = newRequestId()
  const body = tooLarge
    ? errorBody(431, "request_header_fields_too_large", "Request header fields are too large", requestId)
    : errorBody(400, "bad_request", "Malformed HTTP request", requestId)
  const reason = tooLarge ? "Request Header Fields Too Large" : "Bad Request"
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`
  )
}

/** Starts the service. */
export const startServer = async (config: Config, logger: Logger): Promise<RunningServer> => {
  // Start-up failures (unreachable database, locked data directory) surface from the first
  // runPromise below with their own message; afterwards the runtime cannot fail to build.
  const runtime = ManagedRuntime.make(Layer.orDie(databaseLayer(config)))
  let result: BootstrapResult
  try {
    const signingKey =
      config.userSigningPublicKey === undefined ? undefined : await signingKeyFromPem(config.userSigningPublicKey)
    result = await runtime.runPromise(bootstrap(config, signingKey))
  } catch (error) {
    await runtime.dispose()
    throw error
  }
  // One uncached `select 1` (the project view cache would keep answering through an outage),
  // bounded well under the 5 s a caller may wait.
  const readiness = () =>
    runtime.runPromise(ping(Math.min(2_000, config.databaseTimeouts.operationMs)).pipe(Effect.as(true), Effect.orElseSucceed(() => false)))

  // Use cases in flight: what the database pool is busy with (postgres.js exposes no pool stats).
  let inFlight = 0
  const countedRuntime: typeof runtime = Object.create(runtime, {
    runPromiseExit: {
      value: (...args: Parameters<typeof runtime.runPromiseExit>) => {
        inFlight++
        return runtime.runPromiseExit(...args).finally(() => inFlight--)
      }
    }
  })
  const metrics = makeMetrics({
    pool: () => ({ max: config.databaseUrl !== undefined ? config.databasePoolSize : 1, useCasesInFlight: inFlight })
  })
  // Shared counters when REDIS_URL is set. Commands fail fast while Redis is away, so requests
  // are served without limits (fail open) instead of waiting on it.
  const redis =
    config.redisUrl === undefined
      ? undefined
      : new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false })
  redis?.on("error", (error: Error) => logger.debug({ err: error }, "redis connection error"))
  const rateLimits = makeRateLimits({
    rules: config.rateLimits,
    logger,
    ...(redis !== undefined ? { redis } : {}),
    onReject: metrics.rateLimitRejected,
    onStoreError: metrics.rateLimitStoreError
  })
  const idempotency = makeIdempotencyHook({ runtime, onReplay: metrics.idempotentReplay })
  // Expired idempotency records are purged in the background (replays already ignore them).
  const purge = setInterval(() => {
    runtime
      .runPromise(Effect.flatMap(IdempotencyRepository, (r) => r.purgeExpired(new Date())))
      .catch((error: unknown) => logger.warn({ err: error }, "idempotency purge failed"))
  }, 10 * 60_000)
  purge.unref()

  const app = express()
  app.disable("x-powered-by")
  app.use(
    makeRouter(countedRuntime, {
      logger,
      readiness,
      metrics: metrics.render,
      hooks: {
        afterAuth: rateLimits.afterAuth,
        onAuthFailure: rateLimits.onAuthFailure,
        aroundHandler: idempotency,
        onResponse: metrics.observeRequest
      }
    })
  )

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, app)
  server.on("clientError", onClientError)
  server.headersTimeout = 10_000
  // Longer than clients' and load balancers' idle timeouts (commonly 60 s), so the client, not the
  // server, closes idle keep-alive connections: a server closing one while a request is in
  // flight on it makes the client fail with "other side closed".
  server.keepAliveTimeout = 65_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(config.port, config.host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const deadline = setTimeout(() => server.closeAllConnections(), 10_000)
      await stopped
      clearTimeout(deadline)
      clearInterval(purge)
      redis?.disconnect()
      await runtime.dispose()
    })()
    return closing
  }
  return { url, server, bootstrap: result, close }
}
