/**
 * `serve --workers N` (NOTIFLOWS_WORKERS, issue 16): the primary process of a node:cluster. It
 * migrates the database and ensures the project once, before any worker exists (so instances
 * starting together never race for a first project), prints a new project's keys, then forks N
 * workers that each run the single-process service on the shared listening socket (workers skip
 * migrations). It announces the service once every worker listens, replaces a worker that dies
 * (backing off when replacements die young), aggregates `/metrics` across workers, and on
 * SIGTERM/SIGINT stops every worker gracefully (each drains its requests, as a single process
 * does) before it exits. PostgreSQL only: `Config.ts` refuses N > 1 on PGlite.
 */
import cluster from "node:cluster"
import type { Worker } from "node:cluster"
import type { AddressInfo } from "node:net"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Logger } from "pino"
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client"

/** One registry's metrics as JSON (`getMetricsAsJSON`), what `AggregatorRegistry.aggregate` sums. */
type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>
import { COLLECT_REQUEST, COLLECT_RESPONSE, COLLECT_TIMEOUT_MS, isMessage, METRICS_REQUEST, METRICS_RESPONSE, SHUTDOWN } from "./ClusterWorker.js"
import { Configuration, layerAppConfig } from "./Config.js"
import { describeDatabase, layerDatabase } from "./Database.js"
import { AppLogger, layerLogger } from "./Logging.js"
import { DRAIN_MS } from "./Server.js"
import { Bootstrapped, keysBanner, layerBootstrap } from "./Service.js"

/** Past the workers' own drain, a worker still running at shutdown is killed. */
const STOP_GRACE_MS = DRAIN_MS + 5_000
/** A replacement that dies sooner than this counts as a rapid failure (the back-off doubles). */
const YOUNG_MS = 10_000
const MAX_BACKOFF_MS = 10_000

/** A worker stopped before the service was up: the start failed (its own message is on stderr). */
export class WorkerStartFailed extends Error {
  constructor(readonly code: number | null, readonly signal: string | null) {
    super(`a worker stopped during start-up (${signal !== null ? `signal ${signal}` : `exit code ${code}`}); its message is above`)
    this.name = "WorkerStartFailed"
  }
}

const urlOf = (address: AddressInfo | { address: string; port: number; addressType: number | string }): string => {
  const host = address.address.includes(":") ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}

/** The primary's own series (workers' are aggregated beside them). */
const makePrimaryMetrics = (live: () => number) => {
  const registry = new Registry()
  new Gauge({ name: "notiflows_cluster_workers", help: "Worker processes listening now", registers: [registry], collect() { this.set(live()) } })
  const restarts = new Counter({ name: "notiflows_cluster_worker_restarts_total", help: "Workers replaced after they exited unexpectedly", registers: [registry] })
  return { registry, restarted: () => restarts.inc() }
}

/** Asks every listening worker for its metrics and sums them (counters, histograms, gauges). */
const aggregate = (workers: ReadonlyArray<Worker>, own: Registry): Promise<string> => {
  let next = 0
  const collect = (worker: Worker) =>
    new Promise<MetricsJson>((resolve, reject) => {
      const id = next++
      const onMessage = (m: unknown) => {
        if (!isMessage(m, COLLECT_RESPONSE) || m.id !== id) return
        done()
        const reply = m as { metrics?: MetricsJson; error?: string }
        if (reply.metrics !== undefined) resolve(reply.metrics)
        else reject(new Error(reply.error ?? "collect failed"))
      }
      const timer = setTimeout(() => (done(), reject(new Error(`worker ${worker.id} sent no metrics in ${COLLECT_TIMEOUT_MS} ms`))), COLLECT_TIMEOUT_MS)
      const done = () => (clearTimeout(timer), worker.off("message", onMessage))
      worker.on("message", onMessage)
      worker.send({ type: COLLECT_REQUEST, id })
    })
  return Promise.all([...workers.map(collect), own.getMetricsAsJSON()]).then((all) =>
    AggregatorRegistry.aggregate(all).metrics()
  )
}

interface Supervisor {
  readonly url: string
  readonly stop: () => Promise<void>
}

/** Forks `n` workers and resolves once all listen; replaces those that die afterwards. */
const supervise = (n: number, logger: Logger): Promise<Supervisor> =>
  new Promise((resolve, reject) => {
    const listening = new Map<number, Worker>()
    const bornAt = new Map<number, number>()
    let started = false
    let stopping = false
    let rapid = 0
    let onEmpty: (() => void) | undefined
    const metrics = makePrimaryMetrics(() => listening.size)
    const fork = () => bornAt.set(cluster.fork().id, Date.now())
    const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)

    const stopAll = (): Promise<void> =>
      new Promise((done) => {
        stopping = true
        if (alive().length === 0) return done()
        const killer = setTimeout(() => {
          for (const w of alive()) w.process.kill("SIGKILL")
        }, STOP_GRACE_MS)
        onEmpty = () => (clearTimeout(killer), done())
        for (const w of alive()) if (w.isConnected()) w.send({ type: SHUTDOWN })
      })

    cluster.on("listening", (worker, address) => {
      listening.set(worker.id, worker)
      if (started) return logger.info({ worker: worker.id }, "replacement worker listening")
      if (listening.size < n) return
      started = true
      resolve({ url: urlOf(address), stop: stopAll })
    })

    cluster.on("exit", (worker, code, signal) => {
      listening.delete(worker.id)
      const lived = Date.now() - (bornAt.get(worker.id) ?? 0)
      bornAt.delete(worker.id)
      if (stopping) {
        if (alive().length === 0) onEmpty?.()
        return
      }
      if (!started) {
        // One worker cannot start (port taken, database gone): the others stop too.
        void stopAll().then(() => reject(new WorkerStartFailed(code, signal)))
        return
      }
      rapid = lived < YOUNG_MS ? rapid + 1 : 0
      const delay = rapid === 0 ? 0 : Math.min(100 * 2 ** rapid, MAX_BACKOFF_MS)
      logger.warn({ worker: worker.id, code, signal, restart_in_ms: delay }, "worker exited; starting a replacement")
      metrics.restarted()
      setTimeout(() => stopping || fork(), delay)
    })

    cluster.on("message", (worker, m: unknown) => {
      if (!isMessage(m, METRICS_REQUEST)) return
      const { id } = m
      aggregate([...listening.values()].filter((w) => w.isConnected()), metrics.registry).then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id, text }),
        (error: unknown) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id, error: error instanceof Error ? error.message : "aggregation failed" })
      )
    })

    for (let i = 0; i < n; i++) fork()
  })

/** Migrations and the project, once, in the primary; the pool is closed before forking. */
const prepare = Effect.scoped(Effect.map(Layer.build(Layer.provideMerge(layerBootstrap, layerDatabase)), (context) => Context.get(context, Bootstrapped)))

/** `serve` with N > 1 workers, in the primary: runs until interrupted (a signal), then stops every worker. */
export const serveCluster: Effect.Effect<never, unknown> = Effect.gen(function* () {
  const config = yield* Configuration
  const logger = yield* AppLogger
  const result = yield* prepare
  if (config.redisUrl === undefined) {
    logger.warn({ workers: config.workers }, "no REDIS_URL: each worker counts rate limits on its own, so a client may get up to N times the configured rates")
  }
  const supervisor = yield* Effect.acquireRelease(
    Effect.tryPromise({ try: () => supervise(config.workers, logger), catch: (e) => e }),
    (s) => Effect.promise(() => s.stop())
  )
  const banner = keysBanner(result, supervisor.url)
  if (banner !== undefined) process.stdout.write(banner)
  logger.info(
    { url: supervisor.url, database: describeDatabase(config), project: result.project.id, workers: config.workers },
    "notiflows preferences listening"
  )
  return yield* Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => logger.info({ workers: config.workers }, "shutting down: stopping the workers"))))
}).pipe(Effect.scoped, Effect.provide(Layer.provideMerge(layerLogger, layerAppConfig)))
