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
import type { User } from "./Users.js"
import { UserJson, userToJson } from "./Users.js"
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

/** Who wrote a change, as events carry it (never `context`). */
export interface Attribution {
  readonly actor: Actor
  readonly requestId: string | null
  readonly source: Source
}

/** Who changes something when no route says (library callers, tests): the service itself. */
export const SYSTEM_ATTRIBUTION: Attribution = { actor: { type: "system", id: "system" }, source: "system", requestId: null }

/**
 * `user.created` / `user.updated` (EVENTS.md §2): the user as `GET /admin/users/{id}` shows it
 * after the write (`user` is given the internal id, which the adapter mints for a new user), and
 * for an update the top-level fields that changed.
 */
export const userEvent = (input: {
  readonly type: "user.created" | "user.updated"
  readonly externalId: ExternalUserId
  readonly at: Date
  readonly user: (userId: UserId) => User
  readonly changedFields?: ReadonlyArray<string>
  readonly by: Attribution
}): EventInput => ({
  type: input.type,
  occurredAt: input.at,
  orderingKey: userOrderingKey(input.externalId),
  aboutUser: true,
  data: (userId) => ({
    user: userToJson(input.user(userId as UserId)),
    ...(input.changedFields !== undefined ? { changed_fields: input.changedFields } : {}),
    actor: input.by.actor,
    source: input.by.source,
    request_id: input.by.requestId
  })
})

/** `user.deleted` of an erasure (EVENTS.md §1.3): both ids and the attribution, nothing else. */
export const userDeletedEvent = (input: { readonly externalId: ExternalUserId; readonly at: Date; readonly by: Attribution }): EventInput => ({
  type: "user.deleted",
  occurredAt: input.at,
  orderingKey: userOrderingKey(input.externalId),
  // Not "about" the user for redaction: it is the one notice that survives erasure.
  aboutUser: false,
  data: (userId) => ({
    user_id: input.externalId,
    id: userId,
    actor: input.by.actor,
    source: input.by.source,
    request_id: input.by.requestId
  })
})

/** An event as sent (feed item, webhook body): the envelope around a type's `data`. */
export const eventEnvelope = <T extends string, D extends Schema.Struct.Fields>(type: T, data: D, identifier: string) =>
  Schema.Struct({
    id: Schema.String,
    type: Schema.Literal(type),
    occurred_at: Timestamp,
    project_id: Schema.String,
    data: Schema.Struct(data)
  }).annotations({ identifier })

/** `actor`, `source`, `request_id`: what every change event carries (never `context`). */
export const attributionFields = { actor: Actor, source: Source, request_id: Schema.NullOr(Schema.String) }
const envelope = eventEnvelope
const attribution = attributionFields

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

/** `user.created` as sent. */
export const UserCreatedEvent = envelope("user.created", { user: UserJson, ...attribution }, "UserCreatedEvent")

/** `user.updated` as sent. */
export const UserUpdatedEvent = envelope(
  "user.updated",
  { user: UserJson, changed_fields: Schema.Array(Schema.String), ...attribution },
  "UserUpdatedEvent"
)

/** `user.deleted` as sent: the one notice an erasure leaves (until it leaves the feed). */
export const UserDeletedEvent = envelope("user.deleted", { user_id: Schema.String, id: Schema.String, ...attribution }, "UserDeletedEvent")
