/**
 * The process logger (pino, JSON lines on stdout) as a service. Hand-written on purpose: one plain
 * pino line per request is measured to matter on the hot path (docs/performance.md); effect's
 * logger is not used for request lines.
 */
import cluster from "node:cluster"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Logger } from "pino"
import { pino } from "pino"
import { Configuration } from "./Config.js"

/** The pino logger of the process. */
export class AppLogger extends Context.Tag("@notiflows/server/AppLogger")<AppLogger, Logger>() {}

/**
 * Lines are written in chunks of at least this many bytes (about ten request lines), at most
 * {@link LOG_FLUSH_MS} after they were logged: one write per request line, each a round trip
 * through libuv's thread pool, cost ~15% of a PUT's CPU and ~20% of a GET's (issue 16, eleventh
 * session: LOG_LEVEL=info against warn, alternating pairs).
 */
export const LOG_CHUNK_BYTES = 2048
/** The most a logged line waits for its chunk. */
export const LOG_FLUSH_MS = 100
/** No write is larger than this: PIPE_BUF, so a chunk reaches a pipe whole, never mixed with another writer's (the keys banner). */
const LOG_MAX_WRITE = 4096

/**
 * Asynchronous writes (a synchronous write per request line cost ~13% of the PUT's CPU time) in
 * chunks ({@link LOG_CHUNK_BYTES}), flushed when the layer is released: it is built first, so
 * released last, after the server and the database are closed and have logged. A process killed
 * outright loses at most the last {@link LOG_FLUSH_MS} of lines.
 */
export const layerLogger: Layer.Layer<AppLogger, never, Configuration> = Layer.scoped(
  AppLogger,
  Effect.flatMap(Configuration, (config) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        pino(
          // A worker of `serve --workers N` names itself on every line.
          { level: config.logLevel, base: { service: "notiflows-preferences", ...(cluster.worker !== undefined ? { worker: cluster.worker.id, pid: process.pid } : {}) } },
          pino.destination({ dest: 1, sync: false, minLength: LOG_CHUNK_BYTES, maxWrite: LOG_MAX_WRITE, periodicFlush: LOG_FLUSH_MS })
        )
      ),
      (logger) => Effect.async<void>((resume) => logger.flush(() => resume(Effect.void)))
    )
  )
)
