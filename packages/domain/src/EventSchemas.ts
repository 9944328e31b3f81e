/**
 * Every event type as sent (feed items, webhook bodies), by type: what `/openapi.json` describes
 * under `webhooks` and the feed's item schema. Types without a schema here are not written yet.
 */
import type * as Schema from "effect/Schema"
import * as S from "effect/Schema"
import {
  CategoryCreatedEvent,
  CategoryDeletedEvent,
  CategoryUpdatedEvent,
  DefaultsUpdatedEvent,
  NotiflowCreatedEvent,
  NotiflowDeletedEvent,
  NotiflowUpdatedEvent,
  TenantDefaultsUpdatedEvent
} from "./CatalogEvents.js"
import type { EventType } from "./Events.js"
import { Timestamp } from "./Preferences.js"
import { eventEnvelope, PreferencesUpdatedEvent, UserCreatedEvent, UserDeletedEvent, UserUpdatedEvent } from "./Events.js"
import { JobJson } from "./Jobs.js"
import { WebhookJson } from "./Webhooks.js"

/** `bulk_job.completed` (BULK.md): a job reached `completed` or `failed`; the job without its items. */
export const BulkJobCompletedEvent = eventEnvelope("bulk_job.completed", { job: JobJson }, "BulkJobCompletedEvent")

/** `webhook.disabled` (EVENTS.md §4.3): the service disabled an endpoint (`gone` or `failing`). */
export const WebhookDisabledEvent = eventEnvelope("webhook.disabled", { webhook: WebhookJson }, "WebhookDisabledEvent")

/** The schema of each written event type, with what it is for (the `webhooks` entries' summaries). */
export const EVENT_SCHEMAS: ReadonlyArray<{ readonly type: EventType; readonly summary: string; readonly schema: Schema.Schema.Any }> = [
  { type: "preferences.updated", summary: "A preference set changed (patch, reset, replace), any source", schema: PreferencesUpdatedEvent },
  { type: "user.created", summary: "A user was created", schema: UserCreatedEvent },
  { type: "user.updated", summary: "A profile field changed", schema: UserUpdatedEvent },
  { type: "user.deleted", summary: "A user was erased (its earlier events are redacted)", schema: UserDeletedEvent },
  { type: "notiflow.created", summary: "A notiflow was created or restored", schema: NotiflowCreatedEvent },
  { type: "notiflow.updated", summary: "A notiflow changed", schema: NotiflowUpdatedEvent },
  { type: "notiflow.deleted", summary: "A notiflow was soft-deleted", schema: NotiflowDeletedEvent },
  { type: "category.created", summary: "A category was created or restored", schema: CategoryCreatedEvent },
  { type: "category.updated", summary: "A category changed", schema: CategoryUpdatedEvent },
  { type: "category.deleted", summary: "A category was soft-deleted", schema: CategoryDeletedEvent },
  { type: "defaults.updated", summary: "The project defaults changed", schema: DefaultsUpdatedEvent },
  { type: "tenant_defaults.updated", summary: "A tenant's defaults or locks changed (DELETE included)", schema: TenantDefaultsUpdatedEvent },
  { type: "bulk_job.completed", summary: "A bulk job reached completed or failed", schema: BulkJobCompletedEvent },
  { type: "webhook.disabled", summary: "The service disabled a webhook endpoint (410 gone, or failing for days)", schema: WebhookDisabledEvent }
]

/**
 * An event of an erased user, redacted in place (EVENTS.md §1.3): same id, type, time and place in
 * the feed; `data` is `{"redacted": true}`. Never delivered as a new webhook request.
 */
export const RedactedEvent = S.Struct({
  id: S.String,
  type: S.Literal("preferences.updated", "user.created", "user.updated"),
  occurred_at: Timestamp,
  project_id: S.String,
  data: S.Struct({ redacted: S.Literal(true) })
}).annotations({ identifier: "RedactedEvent" })

/** Any event of the feed (v1 only adds types and fields: consumers ignore unknown ones). */
export const FeedEvent = S.Union(
  RedactedEvent,
  PreferencesUpdatedEvent,
  UserCreatedEvent,
  UserUpdatedEvent,
  UserDeletedEvent,
  NotiflowCreatedEvent,
  NotiflowUpdatedEvent,
  NotiflowDeletedEvent,
  CategoryCreatedEvent,
  CategoryUpdatedEvent,
  CategoryDeletedEvent,
  DefaultsUpdatedEvent,
  TenantDefaultsUpdatedEvent,
  BulkJobCompletedEvent,
  WebhookDisabledEvent
).annotations({ identifier: "Event" })
