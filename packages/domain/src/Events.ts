/**
 * Events (EVENTS.md §2): what a committed change tells other systems. The domain decides what an
 * event says ({@link EventInput}); the adapter that commits the change writes it in the same
 * transaction, minting its id, and stores the JSON text {@link renderEvent} makes, fixed from then
 * on. The feed (§3) reads them back in commit-safe order ({@link FeedPosition}).
 */
import * as Schema from "effect/Schema"
import { Change } from "./Changes.js"
import type { HistoryInput } from "./History.js"
import { Actor, Operation, Source } from "./History.js"
import type { ExternalUserId, ProjectId, UserId } from "./Preferences.js"
import { Timestamp } from "./Preferences.js"
import { PreferenceChoicesV2 } from "./PreferencesV2.js"
import type { TenantId } from "./Tenants.js"

/** Every event type of EVENTS.md §2 (the feed's `types` filter refuses others). */
export const EVENT_TYPES = [
  "preferences.updated",
  "user.created",
  "user.updated",
  "user.deleted",
  "notiflow.created",
  "notiflow.updated",
  "notiflow.deleted",
  "category.created",
  "category.updated",
  "category.deleted",
  "defaults.updated",
  "tenant_defaults.updated",
  "bulk_job.completed",
  "webhook.disabled"
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/**
 * An event to write with a change. `data` is given the internal id of the user the event concerns
 * (adapters mint a new user's id inside the write), or `null` for events about no user.
 */
export interface EventInput {
  readonly type: EventType
  readonly occurredAt: Date
  /** EVENTS.md §2's ordering key, e.g. `user:<external id>` (a delivery engine serialises per key). */
  readonly orderingKey: string
  /** Whether the event concerns a user (erasure redacts those in place, §1.3). */
  readonly aboutUser: boolean
  readonly data: (userId: UserId | null) => Readonly<Record<string, unknown>>
}

/** An event as stored: the id, the type and the fixed JSON text (the webhook body). */
export interface StoredEvent {
  readonly id: string
  readonly type: EventType
  readonly occurredAt: Date
  readonly orderingKey: string
  readonly userId: UserId | null
  /** The event's JSON text, fixed at commit. */
  readonly payload: string
}

/** The JSON text of an event, in a fixed member order; every adapter stores exactly this. */
export const renderEvent = (id: string, projectId: ProjectId, input: EventInput, userId: UserId | null): StoredEvent => ({
  id,
  type: input.type,
  occurredAt: input.occurredAt,
  orderingKey: input.orderingKey,
  userId: input.aboutUser ? userId : null,
  payload: JSON.stringify({
    id,
    type: input.type,
    occurred_at: input.occurredAt.toISOString(),
    project_id: projectId,
    data: input.data(userId)
  })
})

/** The ordering key of a user's events: the external id (EVENTS.md §2). */
export const userOrderingKey = (externalId: ExternalUserId): string => `user:${externalId}`

/**
 * `preferences.updated` of a committed set write: the ledger entry's changes and fields (without
 * `context`), and the whole set after it, every map present.
 */
export const preferencesUpdatedEvent = (input: {
  readonly externalId: ExternalUserId
  readonly tenantId: TenantId | null
  readonly version: number
  readonly preferences: PreferenceChoicesV2
  readonly history: HistoryInput
}): EventInput => ({
  type: "preferences.updated",
  occurredAt: input.history.changed_at,
  orderingKey: userOrderingKey(input.externalId),
  aboutUser: true,
  data: (userId) => ({
    user_id: input.externalId,
    id: userId,
    tenant_id: input.tenantId,
    version: input.version,
    operation: input.history.operation,
    changes: input.history.changes,
    preferences: {
      channel_types: input.preferences.channel_types,
      categories: input.preferences.categories,
      notiflows: input.preferences.notiflows
    },
    actor: input.history.actor,
    source: input.history.source,
    request_id: input.history.request_id
  })
})

const envelope = <T extends string, D extends Schema.Struct.Fields>(type: T, data: D, identifier: string) =>
  Schema.Struct({
    id: Schema.String,
    type: Schema.Literal(type),
    occurred_at: Timestamp,
    project_id: Schema.String,
    data: Schema.Struct(data)
  }).annotations({ identifier })

const attribution = { actor: Actor, source: Source, request_id: Schema.NullOr(Schema.String) }

/** `preferences.updated` as sent (feed item, webhook body). */
export const PreferencesUpdatedEvent = envelope(
  "preferences.updated",
  {
    user_id: Schema.String,
    id: Schema.String,
    tenant_id: Schema.NullOr(Schema.String),
    version: Schema.Int,
    operation: Operation,
    changes: Schema.Array(Change),
    preferences: PreferenceChoicesV2,
    ...attribution
  },
  "PreferencesUpdatedEvent"
)

/** Any event of the feed (v1 only adds types and fields: consumers ignore unknown ones). */
export const FeedEvent = Schema.Union(PreferencesUpdatedEvent).annotations({ identifier: "Event" })
