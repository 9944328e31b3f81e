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
 * Asynchronous writes (a synchronous write per request line cost ~13% of the PUT's CPU time),
 * flushed when the layer is released: it is built first, so released last, after the server and
 * the database are closed and have logged.
 */
export const layerLogger: Layer.Layer<AppLogger, never, Configuration> = Layer.scoped(
  AppLogger,
  Effect.flatMap(Configuration, (config) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        pino(
          // A worker of `serve --workers N` names itself on every line.
          { level: config.logLevel, base: { service: "notiflows-preferences", ...(cluster.worker !== undefined ? { worker: cluster.worker.id, pid: process.pid } : {}) } },
          pino.destination({ dest: 1, sync: false })
        )
      ),
      (logger) => Effect.async<void>((resume) => logger.flush(() => resume(Effect.void)))
    )
  )
)
