/**
 * The webhook delivery engine (EVENTS.md §4.3), one per service instance (and per worker of
 * `serve --workers`): it dispatches feed events to matching endpoints, claims due deliveries
 * (`DrizzleWebhookDeliveries`: claims, ordering per key and ≤ 16 in flight per endpoint are the
 * database's, so any number of instances cooperate), sends each attempt, records the outcome and
 * disables endpoints that answer 410 or keep failing. The loop is the shared claim engine
 * (`runWorkQueue` in the domain), which bulk jobs run on too.
 *
 * Wake-up: it polls every {@link POLL_MS} (an indexed statement per poll), and at once when one
 * of its attempts ends (the key's next delivery may now go). See docs/webhooks.md for why not
 * LISTEN/NOTIFY on event inserts.
 */
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type { Logger } from "pino"
import type { ClaimedDelivery } from "@notiflows/adapters-drizzle"
import { DrizzleDatabase, DrizzleWebhookDeliveries } from "@notiflows/adapters-drizzle"
import type { AttemptOutcome, NextStep, RepositoryError, WorkKind, WorkStep } from "@notiflows/domain"
import { groupCommit, nextStep, outcomeCounter, runWorkQueue } from "@notiflows/domain"
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
/**
 * An attempt starts only while its lease outlives the attempt's whole timeout by this much (a late
 * timer, the socket's teardown); else it is given back unsent. So an attempt may wait at most
 * CLAIM_MARGIN_MS − SEND_MARGIN_MS (2 s) between its claim and its send.
 */
export const SEND_MARGIN_MS = 3_000
/** Events looked at per dispatch statement. */
export const DISPATCH_BATCH = 1000
const DAY_MS = 86_400_000
/** The failed step as logged (the names of the engine's statements). */
const OPERATION: { readonly [S in WorkStep]: string } = { prepare: "dispatch", claim: "claim", run: "finish" }

/** A unique name for this instance's claims. */
export const instanceName = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`

/** True when an event's stored text was redacted by an erasure (EVENTS.md §1.3). */
export const isRedacted = (body: string): boolean => {
  // Parsed only when it may be: most bodies are not (a parse per attempt showed in profiles).
  if (!body.includes('"redacted"')) return false
  try {
    const data = (JSON.parse(body) as { data?: { redacted?: unknown } }).data
    return data?.redacted === true && Object.keys(data).length === 1
  } catch {
    return false
  }
}

/** Records an attempt's outcome (through the engine's group commit); answers the endpoint's `failing_since` after it. */
export type RecordAttempt = (finished: DrizzleWebhookDeliveries.Finished) => Effect.Effect<Date | null, RepositoryError>

/**
 * One attempt of a claimed delivery, recorded; disables the endpoint when §4.3 says so. It is sent
 * only while the lease holds for the whole attempt timeout plus {@link SEND_MARGIN_MS}, the timeout
 * counted from the send itself; otherwise `giveBack` returns it unsent (no two attempts of one
 * delivery can overlap: another instance claims it only after the lease).
 */
export const attempt = (settings: WebhookSettings, record: RecordAttempt, d: ClaimedDelivery, logger: Logger, giveBack: Effect.Effect<void, RepositoryError>) =>
  Effect.gen(function* () {
    const database = yield* DrizzleDatabase
    const finish = (outcome: AttemptOutcome, next: NextStep) =>
      Effect.tap(record({ delivery: d, outcome, next }), () => Metric.increment(outcomeCounter(next)))
    const none: AttemptOutcome = { durationMs: 0, responseStatus: null, error: null, retryAfter: null, responseBody: null }
    if (d.body === undefined) return yield* finish(none, { _tag: "Failed" })
    if (isRedacted(d.body)) return yield* finish(none, { _tag: "Cancelled", reason: "redacted" })
    const body = d.body
    const timeoutMs = settings.timeoutSeconds * 1000
    if (Date.now() + timeoutMs + SEND_MARGIN_MS > d.leaseUntil) return yield* giveBack
    const timestamp = Math.floor(Date.now() / 1000)
    const outcome = yield* Effect.promise(() =>
      sendWebhook({
        url: d.url,
        headers: deliveryHeaders(d.secrets, d.eventId, timestamp, body),
        body,
        timeoutMs,
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

/**
 * The engine: webhook deliveries as a kind of the shared claim loop (`runWorkQueue`). Before each
 * claim it dispatches until caught up with the feed and trims the log when due; attempts record
 * their outcomes through one group commit (a statement per batch of attempts ready at once).
 * Runs until interrupted (the service's scope closes).
 */
export const webhookEngine = (settings: WebhookSettings, logger: Logger, me: string = instanceName(), logRetentionDays = 30) =>
  Effect.gen(function* () {
    const database = yield* DrizzleDatabase
    if (settings.allowPrivate) logger.warn({ variable: "NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE" }, "webhooks may reach private addresses and http: URLs")
    const record = yield* groupCommit((batch: ReadonlyArray<DrizzleWebhookDeliveries.Finished>) => DrizzleWebhookDeliveries.finish(database, me, batch), MAX_IN_FLIGHT)
    // The deliveries log lives as long as events (EVENTS.md §4.5): checked every LOG_PURGE_EVERY_MS.
    let nextPurge = Date.now() + LOG_PURGE_FIRST_MS
    const purge = Effect.suspend(() => {
      if (Date.now() < nextPurge) return Effect.void
      nextPurge = Date.now() + LOG_PURGE_EVERY_MS
      return DrizzleWebhookDeliveries.purgeLog(database, new Date(Date.now() - logRetentionDays * DAY_MS)).pipe(
        Effect.tap((n) => Effect.sync(() => (n > 0 ? logger.info({ deliveriesRemoved: n }, "retention") : undefined)))
      )
    })
    // Dispatch until caught up with the feed (a full batch means more may be waiting), at most once
    // per POLL_MS: rounds woken by ended attempts come many times a second under load, and new
    // events only need to be seen within a poll.
    let lastDispatch = 0
    const dispatchAll: Effect.Effect<void, RepositoryError> = Effect.flatMap(DrizzleWebhookDeliveries.dispatch(database, DISPATCH_BATCH), (n) =>
      n >= DISPATCH_BATCH ? dispatchAll : Effect.void
    )
    const dispatch = Effect.suspend(() => {
      if (Date.now() - lastDispatch < POLL_MS) return Effect.void
      lastDispatch = Date.now()
      return dispatchAll
    })
    const kind: WorkKind<ClaimedDelivery, RepositoryError> = {
      maxInFlight: MAX_IN_FLIGHT,
      pollMs: POLL_MS,
      failurePauseMs: FAILURE_BACKOFF_MS,
      prepare: Effect.zipRight(purge, dispatch),
      claim: (limit) => DrizzleWebhookDeliveries.claim(database, me, limit, settings.timeoutSeconds * 1000 + CLAIM_MARGIN_MS),
      run: (d) => attempt(settings, record, d, logger, DrizzleWebhookDeliveries.giveBack(database, me, d)).pipe(Effect.provideService(DrizzleDatabase, database)),
      // While the database fails, log once and back off (no warning every poll during an outage).
      failed: (step, cause, first) =>
        Effect.sync(() => {
          if (first) logger.warn({ error: loggableError(Cause.squash(cause), false), operation: OPERATION[step] }, "webhook engine step failed")
        })
    }
    return yield* runWorkQueue(kind)
  })
