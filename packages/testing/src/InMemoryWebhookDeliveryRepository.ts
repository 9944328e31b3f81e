/**
 * In-memory {@link WebhookDeliveryRepository}: the log, replays and test records. The reference
 * store runs no delivery engine, so replayed deliveries stay `pending` (a suite can still check
 * what was enqueued, in feed order, and the one-range-at-a-time rule).
 */
import * as Effect from "effect/Effect"
import type { Delivery, FeedPosition, WebhookDeliveryRepository } from "@notiflows/domain"
import { CursorExpired, matchesEventTypes, WebhookConflict, WebhookNotFound } from "@notiflows/domain"
import { uuidv7 } from "./internal/ids.js"
import type { Store, WebhookRecord } from "./internal/store.js"
import { sliceNewestFirst } from "./internal/store.js"

const pending = (eventId: string, eventType: string, at: Date): Delivery => ({
  id: uuidv7(at.getTime()),
  event_id: eventId,
  event_type: eventType,
  trigger: "replay",
  status: "pending",
  cancelled_reason: null,
  created_at: at,
  next_attempt_at: at,
  completed_at: null,
  attempts: []
})

/** The port over a shared store. */
export const makeWebhookDeliveryRepository = (store: Store): WebhookDeliveryRepository["Type"] => {
  const enabled = (projectId: string, webhookId: string): Effect.Effect<WebhookRecord, WebhookNotFound | WebhookConflict> => {
    const r = store.projects.get(projectId)?.webhooks?.get(webhookId)
    if (r === undefined) return Effect.fail(new WebhookNotFound({ webhookId }))
    if (r.webhook.status !== "enabled") return Effect.fail(new WebhookConflict({ reason: "endpoint_disabled" }))
    return Effect.succeed(r)
  }
  const events = (projectId: string) => store.projects.get(projectId)?.events ?? []

  return {
    list: (projectId, webhookId, filter, query) =>
      Effect.sync(() => {
        const all = [...(store.projects.get(projectId)?.webhooks?.get(webhookId)?.deliveries ?? [])]
          .map((d) => d.delivery)
          .filter((d) => (filter.status === undefined || d.status === filter.status) && (filter.eventId === undefined || d.event_id === filter.eventId))
          .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        return sliceNewestFirst(all, (d) => d.id, query)
      }),
    replayRange: (projectId, webhookId, after) =>
      Effect.flatMap(enabled(projectId, webhookId), (r) =>
        Effect.suspend((): Effect.Effect<FeedPosition, WebhookConflict | CursorExpired> => {
          if (r.deliveries.some((d) => d.rangeReplay && d.delivery.status === "pending")) return Effect.fail(new WebhookConflict({ reason: "replay_in_progress" }))
          const purged = store.projects.get(projectId)?.purgedThrough
          const from = after.major < 0n ? -1n : after.minor
          if (purged !== undefined && from < purged) return Effect.fail(new CursorExpired())
          const at = new Date()
          for (const e of events(projectId)) {
            if (e.minor > from && matchesEventTypes(r.webhook.eventTypes, e.event.type)) {
              r.deliveries.push({ delivery: pending(e.event.id, e.event.type, at), rangeReplay: true })
            }
          }
          const end: FeedPosition = { major: 0n, minor: store.eventSeq }
          return Effect.succeed(end)
        })
      ),
    replayEvents: (projectId, webhookId, eventIds) =>
      Effect.flatMap(enabled(projectId, webhookId), (r) =>
        Effect.sync(() => {
          const byId = new Map(events(projectId).map((e) => [e.event.id, e]))
          const missing = eventIds.flatMap((id, i) => (byId.has(id.toLowerCase()) ? [] : [i]))
          if (missing.length > 0) return missing
          const at = new Date()
          const chosen = [...new Set(eventIds.map((id) => id.toLowerCase()))].map((id) => byId.get(id)!).sort((a, b) => (a.minor < b.minor ? -1 : 1))
          for (const e of chosen) r.deliveries.push({ delivery: pending(e.event.id, e.event.type, at), rangeReplay: false })
          return []
        })
      ),
    recordTest: (projectId, webhookId, test) =>
      Effect.suspend((): Effect.Effect<Delivery, WebhookNotFound> => {
        const r = store.projects.get(projectId)?.webhooks?.get(webhookId)
        if (r === undefined) return Effect.fail(new WebhookNotFound({ webhookId }))
        const o = test.outcome
        const ok = o.responseStatus !== null && o.responseStatus >= 200 && o.responseStatus < 300
        const delivery: Delivery = {
          id: uuidv7(),
          event_id: test.eventId,
          event_type: "webhook.test",
          trigger: "test",
          status: ok ? "succeeded" : "failed",
          cancelled_reason: null,
          created_at: test.startedAt,
          next_attempt_at: null,
          completed_at: new Date(),
          attempts: [
            {
              number: 1,
              started_at: test.startedAt,
              duration_ms: o.durationMs,
              response_status: o.responseStatus,
              error: o.error,
              retry_after: o.retryAfter,
              response_body: o.responseBody
            }
          ]
        }
        r.deliveries.push({ delivery, rangeReplay: false })
        return Effect.succeed(delivery)
      })
  }
}
