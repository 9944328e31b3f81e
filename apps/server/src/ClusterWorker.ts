/**
 * The worker's side of `serve --workers N` (see `Cluster.ts`): the messages a worker and its
 * primary exchange over the cluster's IPC channel, the worker's graceful stop on request (or when
 * the primary is gone), and `/metrics` answered with every worker's metrics aggregated by the
 * primary (prom-client's `AggregatorRegistry.aggregate`). The primary collects from the workers
 * that listen, over messages of its own rather than prom-client's built-in ones, which would ask a
 * worker still starting and wait 5 s for it.
 */
import cluster from "node:cluster"
import type { Registry } from "prom-client"

/** Primary → worker: stop gracefully (as SIGTERM). */
export const SHUTDOWN = "notiflows:shutdown"
/** Worker → primary: the aggregated metrics, please; primary → worker: here they are. */
export const METRICS_REQUEST = "notiflows:metrics-request"
export const METRICS_RESPONSE = "notiflows:metrics-response"
/** Primary → worker: your metrics as JSON, please; worker → primary: here they are. */
export const COLLECT_REQUEST = "notiflows:metrics-collect"
export const COLLECT_RESPONSE = "notiflows:metrics-collected"

/** How long the primary waits for each worker's metrics. */
export const COLLECT_TIMEOUT_MS = 3_000
/** How long a worker waits for the primary's aggregation. */
const METRICS_TIMEOUT_MS = COLLECT_TIMEOUT_MS + 1_000

export interface MetricsResponse {
  readonly type: typeof METRICS_RESPONSE
  readonly id: number
  readonly text?: string
  readonly error?: string
}

export const isMessage = (m: unknown, type: string): m is { readonly type: string; readonly id: number } =>
  typeof m === "object" && m !== null && (m as { type?: unknown }).type === type

/** True in a worker process of `serve --workers N`. */
export const isClusterWorker = (): boolean => cluster.isWorker

/**
 * Stops this worker through `stop` when the primary asks, or when the IPC channel to the primary
 * closes (the primary died): a worker never outlives its primary.
 */
export const stopWithPrimary = (stop: () => void): void => {
  process.on("message", (m: unknown) => {
    if (isMessage(m, SHUTDOWN)) stop()
  })
  process.on("disconnect", stop)
}

/**
 * `/metrics` of a worker: registers its registry for the primary's aggregation, and answers with
 * the sum over every live worker (counters and histograms added, gauges summed).
 */
export const clusterMetrics = (registry: Registry): (() => Promise<{ readonly contentType: string; readonly text: string }>) => {
  let next = 0
  const pending = new Map<number, (response: MetricsResponse) => void>()
  process.on("message", (m: unknown) => {
    if (isMessage(m, COLLECT_REQUEST)) {
      const { id } = m
      registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ type: COLLECT_RESPONSE, id, metrics }),
        (error: unknown) => process.send?.({ type: COLLECT_RESPONSE, id, error: error instanceof Error ? error.message : "collect failed" })
      )
    } else if (isMessage(m, METRICS_RESPONSE)) {
      pending.get(m.id)?.(m as MetricsResponse)
    }
  })
  return () =>
    new Promise((resolve, reject) => {
      const id = next++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error("the primary did not aggregate the workers' metrics in time"))
      }, METRICS_TIMEOUT_MS)
      pending.set(id, (response) => {
        clearTimeout(timer)
        pending.delete(id)
        if (response.text !== undefined) resolve({ contentType: registry.contentType, text: response.text })
        else reject(new Error(response.error ?? "metrics aggregation failed"))
      })
      process.send?.({ type: METRICS_REQUEST, id })
    })
}
