/**
 * Use cases of EVENTS.md §4.5: the deliveries log and replays. (The test ping sends from the
 * transport, which then records it through {@link WebhookDeliveryRepository.recordTest}.)
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ValidationFailed } from "./Errors.js"
import { decodeFeedCursor, encodeFeedCursor } from "./Feed.js"
import { decoderFor, issue, reason, stable } from "./Issues.js"
import type { SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import type { ProjectId } from "./Preferences.js"
import type { Delivery, DeliveryFilter } from "./WebhookDeliveries.js"
import { MAX_REPLAY_IDS, WebhookDeliveryRepository } from "./WebhookDeliveries.js"
import { getWebhook } from "./WebhookService.js"

/** `POST /admin/webhooks/{webhook_id}/replay`: exactly one of `after` and `event_ids`. */
export const WebhookReplaySchema = Schema.Struct({
  after: Schema.optional(Schema.String),
  event_ids: Schema.optional(
    Schema.Array(Schema.String).pipe(
      Schema.filter((a) => a.length >= 1, { ...reason("invalid_format", "at least one event id"), ...stable, jsonSchema: { minItems: 1 } }),
      Schema.filter((a) => a.length <= MAX_REPLAY_IDS, { ...reason("too_many", `at most ${MAX_REPLAY_IDS} event ids`), ...stable, jsonSchema: { maxItems: MAX_REPLAY_IDS } })
    )
  )
}).annotations({ identifier: "WebhookReplay", description: "exactly one of after (a feed cursor) and event_ids" })

/** The answer of a replay: the range's end cursor (`null` for ids). */
export const WebhookReplayJson = Schema.Struct({ webhook_id: Schema.String, until: Schema.NullOr(Schema.String) }).annotations({ identifier: "WebhookReplayAccepted" })

const decodeReplay = decoderFor(WebhookReplaySchema)
const invalid = (field: string, message: string) => Effect.fail(new ValidationFailed({ issues: [issue(field, "invalid_format", message)] }))

/** `GET …/deliveries`: newest first, paginated like users; 404 for an unknown endpoint. */
export const listDeliveries = (projectId: ProjectId, webhookId: string, filter: DeliveryFilter, query: SliceQuery<string>) =>
  Effect.gen(function* () {
    yield* getWebhook(projectId, webhookId)
    const slice = yield* Effect.flatMap(WebhookDeliveryRepository, (r) => r.list(projectId, webhookId, filter, query))
    return toPage<Delivery, string>(slice, query, (d) => d.id)
  })

/** `POST …/replay`: 202's body; 409 disabled or a range in progress, 410 expired cursor, 422 unknown ids. */
export const replayWebhook = (projectId: ProjectId, webhookId: string, body: unknown) =>
  Effect.gen(function* () {
    const decoded = decodeReplay(body)
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const { after, event_ids } = decoded.value
    if ((after === undefined) === (event_ids === undefined)) return yield* invalid("", "send exactly one of after and event_ids")
    const repo = yield* WebhookDeliveryRepository
    if (after !== undefined) {
      const position = decodeFeedCursor(projectId, after)
      if (position === undefined) return yield* invalid("after", "not a cursor of this project's feed")
      const until = yield* repo.replayRange(projectId, webhookId, position)
      return { webhook_id: webhookId, until: encodeFeedCursor(projectId, until) }
    }
    const missing = yield* repo.replayEvents(projectId, webhookId, event_ids ?? [])
    if (missing.length > 0) {
      return yield* Effect.fail(new ValidationFailed({ issues: missing.map((i) => issue(`event_ids.${i}`, "invalid_format", "no retained event of this project has this id")) }))
    }
    return { webhook_id: webhookId, until: null }
  })
