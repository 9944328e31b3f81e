/**
 * Prometheus metrics (prom-client) for `/metrics`: request latency by route and status, rate
 * limit rejections and store failures, idempotent replays, the domain's version-conflict
 * retries (Effect metrics read at scrape time), the pool size and the use cases in flight.
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client"
import { versionConflictRetries, webhookOutcomes, writeContentionFailures } from "@notiflows/domain"
import { fiberlessInFlight } from "./internal/Direct.js"

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag); default true. */
  readonly processMetrics?: boolean
  /**
   * Database load, read at scrape time: the pool's size, and the use cases running now (each
   * holds at most one connection at a time; postgres.js exposes no count of busy connections).
   */
  readonly pool?: () => { readonly max: number; readonly useCasesInFlight: number }
}

/** Default prom-client gauges whose names break Prometheus conventions (`_total` is for counters). */
export const INVALID_DEFAULT_GAUGES: ReadonlyArray<string> = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total"
]

/** A registry of its own (several routers may live in one process) and the recorders. */
export const makeMetrics = (options: MetricsOptions = {}) => {
  const registry = new Registry()
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry })
    // prom-client's `nodejs_active_{handles,requests,resources}_total` are gauges named like
    // counters, which `promtool check metrics` refuses; their per-type twins
    // (`nodejs_active_handles{type}` …) stay, and `sum()` over them gives the totals.
    for (const name of INVALID_DEFAULT_GAUGES) registry.removeSingleMetric(name)
  }
  const latency = new Histogram({
    name: "notiflows_http_request_duration_seconds",
    help: "Request latency by route template, method and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry]
  })
  const rejections = new Counter({
    name: "notiflows_rate_limit_rejections_total",
    help: "Requests refused with 429, by policy",
    labelNames: ["policy"] as const,
    registers: [registry]
  })
  const storeErrors = new Counter({
    name: "notiflows_rate_limit_store_errors_total",
    help: "Requests let through because the rate-limit store (Redis) failed (fail open)",
    registers: [registry]
  })
  const replays = new Counter({
    name: "notiflows_idempotent_replays_total",
    help: "Responses replayed for a repeated Idempotency-Key",
    registers: [registry]
  })
  const effectCounter = (name: string, help: string, metric: typeof versionConflictRetries) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const state = Effect.runSync(Metric.value(metric))
        this.reset()
        this.inc(state.count)
      }
    })
  effectCounter("notiflows_version_conflict_retries_total", "Optimistic writes retried after a concurrent writer committed first", versionConflictRetries)
  effectCounter("notiflows_write_contention_total", "Writes that gave up against concurrent writers (503)", writeContentionFailures)
  // EVENTS.md §4.3: what webhook attempts came to in this process (the delivery engine's).
  new Counter({
    name: "notiflows_webhook_attempts_total",
    help: "Webhook delivery attempts by outcome: succeeded, retry (failed, tried again), failed (given up), cancelled",
    labelNames: ["outcome"] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [outcome, metric] of Object.entries(webhookOutcomes)) this.inc({ outcome }, Effect.runSync(Metric.value(metric)).count)
    }
  })
  const pool = options.pool
  if (pool !== undefined) {
    new Gauge({ name: "notiflows_db_pool_max_connections", help: "Database pool size", registers: [registry], collect() { this.set(pool().max) } })
    new Gauge({
      name: "notiflows_use_cases_in_flight",
      help: "Domain use cases running (each holds at most one database connection at a time)",
      registers: [registry],
      collect() {
        // The host counts the use cases it runs; the router adds its fiberless reads and writes.
        this.set(pool().useCasesInFlight + fiberlessInFlight())
      }
    })
  }
  return {
    registry,
    observeRequest: (info: { readonly method: string; readonly route: string; readonly status: number; readonly seconds: number }) =>
      latency.observe({ method: info.method, route: info.route, status: String(info.status) }, info.seconds),
    rateLimitRejected: (policy: string) => rejections.inc({ policy }),
    rateLimitStoreError: () => storeErrors.inc(),
    idempotentReplay: () => replays.inc(),
    /** The `metrics` option of `makeRouter`. */
    render: async () => ({ contentType: registry.contentType, text: await registry.metrics() })
  }
}

export type Metrics = ReturnType<typeof makeMetrics>
