/**
 * Webhook deliveries (EVENTS.md §4.3, §4.5): what a delivery and its attempts look like, what an
 * attempt came to and what follows it (pure), and the port the log, replay and test ping use.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import type { CursorExpired, RepositoryError, WebhookConflict, WebhookNotFound } from "./Errors.js"
import type { FeedPosition } from "./Feed.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ProjectId } from "./Preferences.js"
import { Timestamp } from "./Preferences.js"
import { nextDelayMs } from "./WebhookSchedule.js"

export const DeliveryStatus = Schema.Literal("pending", "succeeded", "failed", "cancelled")
export type DeliveryStatus = typeof DeliveryStatus.Type
export const DeliveryTrigger = Schema.Literal("event", "replay", "test")
export type DeliveryTrigger = typeof DeliveryTrigger.Type
export const CancelledReason = Schema.Literal("endpoint_disabled", "redacted")
export const AttemptError = Schema.Literal("timeout", "dns_error", "connection_error", "tls_error", "blocked_address", "interrupted")
export type AttemptError = typeof AttemptError.Type

/** One attempt as the log shows it. */
export const DeliveryAttemptJson = Schema.Struct({
  number: Schema.Int,
  started_at: Timestamp,
  duration_ms: Schema.NullOr(Schema.Int),
  response_status: Schema.NullOr(Schema.Int),
  error: Schema.NullOr(AttemptError),
  retry_after: Schema.NullOr(Schema.Int),
  response_body: Schema.NullOr(Schema.String)
}).annotations({ identifier: "WebhookDeliveryAttempt" })

/** A delivery as `GET …/deliveries` and `POST …/test` answer it. */
export const DeliveryJson = Schema.Struct({
  id: Schema.String,
  event_id: Schema.String,
  event_type: Schema.String,
  trigger: DeliveryTrigger,
  status: DeliveryStatus,
  cancelled_reason: Schema.NullOr(CancelledReason),
  created_at: Timestamp,
  next_attempt_at: Schema.NullOr(Timestamp),
  completed_at: Schema.NullOr(Timestamp),
  attempts: Schema.Array(DeliveryAttemptJson)
}).annotations({ identifier: "WebhookDelivery" })
export type DeliveryJson = typeof DeliveryJson.Encoded

/** A stored delivery (the JSON shape with dates). */
export type Delivery = typeof DeliveryJson.Type

export const encodeDelivery = Schema.encodeSync(DeliveryJson)

/** What one attempt came to. */
export interface AttemptOutcome {
  readonly durationMs: number
  readonly responseStatus: number | null
  /** `null` when a response came. */
  readonly error: AttemptError | null
  /** The receiver's `Retry-After`, in seconds (as stated, before scaling). */
  readonly retryAfter: number | null
  /** The response's first 1 KiB as text. */
  readonly responseBody: string | null
}

/** How a delivery goes on after an attempt. */
export type NextStep =
  | { readonly _tag: "Succeeded" }
  | { readonly _tag: "Retry"; readonly delayMs: number }
  | { readonly _tag: "Failed" }
  | { readonly _tag: "Cancelled"; readonly reason: "redacted" | "endpoint_disabled" }

/** What follows an outcome: 2xx succeeds; a test ping or a 410 is not retried; else the schedule. */
export const nextStep = (d: { readonly attempt: number; readonly trigger: DeliveryTrigger }, outcome: AttemptOutcome, timeScale: number, random?: number): NextStep => {
  const status = outcome.responseStatus
  if (status !== null && status >= 200 && status < 300) return { _tag: "Succeeded" }
  if (d.trigger === "test" || status === 410) return { _tag: "Failed" }
  const delayMs = nextDelayMs(d.attempt, timeScale, outcome.retryAfter, random)
  return delayMs === undefined ? { _tag: "Failed" } : { _tag: "Retry", delayMs }
}

/** `?status=&event_id=` of the log. */
export interface DeliveryFilter {
  readonly status?: DeliveryStatus
  readonly eventId?: string
}

/** At most this many ids in one `replay` (EVENTS.md §4.5). */
export const MAX_REPLAY_IDS = 100

export class WebhookDeliveryRepository extends Context.Tag("@notiflows/domain/WebhookDeliveryRepository")<
  WebhookDeliveryRepository,
  {
    /** An endpoint's deliveries, newest first (by id, UUIDv7), keyed by id. */
    readonly list: (projectId: ProjectId, webhookId: string, filter: DeliveryFilter, query: SliceQuery<string>) => Effect.Effect<Slice<Delivery>, RepositoryError>
    /**
     * Replay of a range: a `replay` delivery of every retained event after `after`, up to the
     * feed's end now, that the endpoint's current filter keeps. One range at a time per endpoint
     * (`WebhookConflict replay_in_progress` while one still has pending deliveries); a disabled
     * endpoint is `WebhookConflict endpoint_disabled`. Answers the range's end.
     */
    readonly replayRange: (
      projectId: ProjectId,
      webhookId: string,
      after: FeedPosition
    ) => Effect.Effect<FeedPosition, WebhookNotFound | WebhookConflict | CursorExpired | RepositoryError>
    /**
     * Replay of events by id, whatever the filter. Answers the indexes of ids that are no retained
     * event of the project (nothing is written then).
     */
    readonly replayEvents: (
      projectId: ProjectId,
      webhookId: string,
      eventIds: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyArray<number>, WebhookNotFound | WebhookConflict | RepositoryError>
    /** Stores a test ping's delivery with its one attempt (already made), completed. */
    readonly recordTest: (
      projectId: ProjectId,
      webhookId: string,
      test: { readonly eventId: string; readonly startedAt: Date; readonly outcome: AttemptOutcome }
    ) => Effect.Effect<Delivery, WebhookNotFound | RepositoryError>
  }
>() {}

/** Deliveries' outcomes after an attempt (exported to /metrics by the transport): `retry` is a failed attempt to be tried again. */
export const webhookOutcomes = {
  succeeded: Metric.counter("notiflows_webhook_deliveries_succeeded", { incremental: true }),
  retry: Metric.counter("notiflows_webhook_deliveries_retry", { incremental: true }),
  failed: Metric.counter("notiflows_webhook_deliveries_failed", { incremental: true }),
  cancelled: Metric.counter("notiflows_webhook_deliveries_cancelled", { incremental: true })
} as const

/** The counter of a next step's outcome. */
export const outcomeCounter = (next: NextStep) =>
  next._tag === "Succeeded" ? webhookOutcomes.succeeded : next._tag === "Retry" ? webhookOutcomes.retry : next._tag === "Failed" ? webhookOutcomes.failed : webhookOutcomes.cancelled
