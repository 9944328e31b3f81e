/**
 * The webhook delivery engine (EVENTS.md §4.3), one per service instance (and per worker of
 * `serve --workers`): it dispatches feed events to matching endpoints, claims due deliveries
 * (`DrizzleWebhookDeliveries`: claims, ordering per key and ≤ 16 in flight per endpoint are the
 * database's, so any number of instances cooperate), sends each attempt, records the outcome and
 * disables endpoints that answer 410 or keep failing.
 *
 * Wake-up: it polls every {@link POLL_MS} (an indexed statement per poll), and at once when one
 * of its attempts ends (the key's next delivery may now go). See docs/webhooks.md for why not
 * LISTEN/NOTIFY on event inserts.
 */
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Metric from "effect/Metric"
import * as Queue from "effect/Queue"
import type { Logger } from "pino"
import type { ClaimedDelivery } from "@notiflows/adapters-drizzle"
import { DrizzleDatabase, DrizzleWebhookDeliveries } from "@notiflows/adapters-drizzle"
import type { AttemptOutcome, NextStep } from "@notiflows/domain"
import { nextStep, outcomeCounter } from "@notiflows/domain"
import { deliveryHeaders, loggableError, sendWebhook } from "@notiflows/http-express"
import type { WebhookSettings } from "../Config.js"

/** How often an idle engine looks for work. */
export const POLL_MS = 200
/** The pause after a failed database step (an outage), before trying again. */
export const FAILURE_BACKOFF_MS = 2_000
/** How often the deliveries log is trimmed (as the event retention job) and the first time after start. */
export const LOG_PURGE_EVERY_MS = 600_000
export const LOG_PURGE_FIRST_MS = 60_000
/** Attempts in flight per instance (the per-endpoint bound is 16). */
export const MAX_IN_FLIGHT = 128
/** A claim outlives the attempt timeout by this much (EVENTS.md §4.3). */
export const CLAIM_MARGIN_MS = 5_000
const DAY_MS = 86_400_000

/** A unique name for this instance's claims. */
export const instanceName = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`

/** True when an event's stored text was redacted by an erasure (EVENTS.md §1.3). */
export const isRedacted = (body: string): boolean => {
  try {
    const data = (JSON.parse(body) as { data?: { redacted?: unknown } }).data
    return data?.redacted === true && Object.keys(data).length === 1
  } catch {
    return false
  }
}

/** One attempt of a claimed delivery, recorded; disables the endpoint when §4.3 says so. */
export const attempt = (settings: WebhookSettings, me: string, d: ClaimedDelivery, logger: Logger) =>
  Effect.gen(function* () {
    const database = yield* DrizzleDatabase
    const finish = (outcome: AttemptOutcome, next: NextStep) =>
      Effect.tap(DrizzleWebhookDeliveries.finish(database, me, d, outcome, next), () => Metric.increment(outcomeCounter(next)))
    const none: AttemptOutcome = { durationMs: 0, responseStatus: null, error: null, retryAfter: null, responseBody: null }
    if (d.body === undefined) return yield* finish(none, { _tag: "Failed" })
    if (isRedacted(d.body)) return yield* finish(none, { _tag: "Cancelled", reason: "redacted" })
    const body = d.body
    const timestamp = Math.floor(Date.now() / 1000)
    const outcome = yield* Effect.promise(() =>
      sendWebhook({
        url: d.url,
        headers: deliveryHeaders(d.secrets, d.eventId, timestamp, body),
        body,
        timeoutMs: settings.timeoutSeconds * 1000,
        allowPrivate: settings.allowPrivate
      })
    )
    const next = nextStep(d, outcome, settings.timeScale)
    const failingSince = yield* finish(outcome, next)
    if (d.trigger === "test") return
    if (outcome.responseStatus === 410) {
      if (yield* DrizzleWebhookDeliveries.disable(database, d.projectId, d.webhookId, "gone")) logger.warn({ webhook: d.webhookId, reason: "gone" }, "webhook disabled")
    } else if (next._tag !== "Succeeded" && failingSince !== null && Date.now() - failingSince.getTime() >= settings.disableAfterDays * DAY_MS * settings.timeScale) {
      if (yield* DrizzleWebhookDeliveries.disable(database, d.projectId, d.webhookId, "failing")) logger.warn({ webhook: d.webhookId, reason: "failing" }, "webhook disabled")
    }
  })

/** The engine's loop; runs until interrupted (the service's scope closes). */
export const webhookEngine = (settings: WebhookSettings, logger: Logger, me: string = instanceName(), logRetentionDays = 30) =>
  Effect.gen(function* () {
    const database = yield* DrizzleDatabase
    const wake = yield* Queue.sliding<void>(1)
    const fibers = yield* FiberSet.make<void, never>()
    let inFlight = 0
    // While the database fails, log once and back off (no warning every poll during an outage).
    let failing = false
    let warned = false
    if (settings.allowPrivate) logger.warn({ variable: "NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE" }, "webhooks may reach private addresses and http: URLs")
    const failed = (operation: string) => (error: { readonly cause: unknown }) =>
      Effect.sync(() => {
        if (!warned) logger.warn({ error: loggableError(error.cause, false), operation }, "webhook engine step failed")
        failing = true
        warned = true
        return 0
      })
    const release = Effect.sync(() => {
      inFlight--
      wake.unsafeOffer(undefined)
    })
    const round = Effect.gen(function* () {
      if (failing) {
        failing = false
        yield* Effect.sleep(FAILURE_BACKOFF_MS)
      }
      // Dispatch until caught up with the feed (a full batch means more may be waiting).
      while ((yield* DrizzleWebhookDeliveries.dispatch(database).pipe(Effect.catchAll(failed("dispatch")))) >= 1000) {
        /* next batch */
      }
      const capacity = MAX_IN_FLIGHT - inFlight
      if (capacity <= 0) return 0
      const claimed = yield* DrizzleWebhookDeliveries.claim(database, me, capacity, settings.timeoutSeconds * 1000 + CLAIM_MARGIN_MS).pipe(
        Effect.catchAll((e) => Effect.as(failed("claim")(e), []))
      )
      for (const d of claimed) {
        inFlight++
        const one = attempt(settings, me, d, logger).pipe(
          Effect.catchAll(failed("finish")),
          Effect.asVoid,
          Effect.ensuring(release)
        )
        yield* FiberSet.run(fibers, one)
      }
      return claimed.length === capacity ? capacity : 0
    })
    // The deliveries log lives as long as events (EVENTS.md §4.5): checked every LOG_PURGE_EVERY_MS.
    let nextPurge = Date.now() + LOG_PURGE_FIRST_MS
    const purge = Effect.suspend(() => {
      nextPurge = Date.now() + LOG_PURGE_EVERY_MS
      return DrizzleWebhookDeliveries.purgeLog(database, new Date(Date.now() - logRetentionDays * DAY_MS)).pipe(
        Effect.tap((n) => Effect.sync(() => (n > 0 ? logger.info({ deliveriesRemoved: n }, "retention") : undefined))),
        Effect.catchAll(failed("purge_log"))
      )
    })
    while (true) {
      if (Date.now() >= nextPurge) yield* purge
      const full = yield* round
      if (!failing) warned = false
      if (full === 0) yield* Effect.raceFirst(Queue.take(wake), Effect.sleep(POLL_MS))
    }
  }).pipe(Effect.scoped)
