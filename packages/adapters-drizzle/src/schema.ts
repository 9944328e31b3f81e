/**
 * The tables. Every primary key, unique constraint, foreign key and index leads with
 * `project_id`, and every query filters by it, so the tables can later be distributed by
 * project (Citus `create_distributed_table(..., 'project_id')`) without a redesign. The one
 * exception is `api_keys.hash`, unique across projects (a reference table on Citus: README).
 */
import type { ApiKeyId, CategoryId, ExternalUserId, NotiflowId, ProjectId, TenantId, UserId } from "@notiflows/domain"
import { sql } from "drizzle-orm"
import {
  bigint,
  bigserial,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid
} from "drizzle-orm/pg-core"

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" })

/** Tenants: settings, channel-type defaults and their revision. */
export const projects = pgTable(
  "projects",
  {
    id: uuid("id").$type<ProjectId>().primaryKey(),
    name: text("name").notNull(),
    securityMode: text("security_mode").notNull().default("on"),
    /** Explicit project defaults: `{"channel_types": {...}}`. */
    defaults: jsonb("defaults").notNull().default(sql`'{"channel_types":{}}'::jsonb`),
    defaultsRevision: integer("defaults_revision").notNull().default(0),
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [check("projects_security_mode_check", sql`${t.securityMode} in ('on', 'off')`)]
)

/** Origins allowed to call the User API from a browser, in configured order. */
export const projectAllowedOrigins = pgTable(
  "project_allowed_origins",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    origin: text("origin").notNull(),
    position: integer("position").notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.origin] })]
)

/** Public keys (SPKI PEM) that verify users' RS256 tokens, selected by `kid`. */
export const projectSigningKeys = pgTable(
  "project_signing_keys",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kid: text("kid").notNull(),
    publicKeyPem: text("public_key_pem").notNull(),
    position: integer("position").notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.kid] })]
)

/** API keys: never the key, only a short visible prefix and the SHA-256 hash of the whole key. */
export const apiKeys = pgTable(
  "api_keys",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: uuid("id").$type<ApiKeyId>().notNull(),
    kind: text("kind").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    createdAt: timestamptz("created_at").notNull(),
    revokedAt: timestamptz("revoked_at")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    // A key alone identifies its project (authentication starts from it), so its hash is unique
    // across projects: the one exception to leading with project_id (see the README's Citus note).
    uniqueIndex("api_keys_hash_unique").on(t.hash),
    check("api_keys_kind_check", sql`${t.kind} in ('public', 'secret')`)
  ]
)

/** Users: our UUIDv7 `id`, the customer's `external_id` (unique per project) and the profile. */
export const users = pgTable(
  "users",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: uuid("id").$type<UserId>().notNull(),
    externalId: text("external_id").$type<ExternalUserId>().notNull(),
    email: text("email"),
    phone: text("phone"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    avatar: text("avatar"),
    locale: text("locale"),
    timezone: text("timezone"),
    customFields: jsonb("custom_fields").notNull().default(sql`'{}'::jsonb`),
    revision: integer("revision").notNull().default(0),
    /** Links and tickets issued at or before this second answer 410 (LINKS.md §2.3). */
    linksValidAfter: timestamptz("links_valid_after"),
    /**
     * True once the user holds a set in some tenant (set by a trigger on every insert into
     * `tenant_preference_sets`, migration 0011; never cleared: a stale true only costs a lookup).
     * A batch read in a tenant looks up the user×tenant row only for these users.
     */
    hasTenantSets: boolean("has_tenant_sets").notNull().default(false),
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    unique("users_project_external_id_unique").on(t.projectId, t.externalId),
    // GET /admin/preferences/sets walks users by external id in byte order (EVENTS.md §5).
    index("users_project_external_id_c_idx").on(t.projectId, sql`${t.externalId} collate "C"`)
  ]
)

/** The notiflow catalog; deletion is soft (`deleted_at`) so users' choices survive a restore. */
export const notiflows = pgTable(
  "notiflows",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").$type<NotiflowId>().notNull(),
    name: text("name").notNull(),
    includeInPreferences: boolean("include_in_preferences").notNull().default(true),
    required: boolean("required").notNull().default(false),
    defaultEnabled: boolean("default_enabled").notNull().default(true),
    defaultChannelTypes: jsonb("default_channel_types").notNull().default(sql`'{}'::jsonb`),
    deletedAt: timestamptz("deleted_at"),
    revision: integer("revision").notNull().default(0),
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })]
)

/**
 * One row per user: the global set (MODEL.md §1). `choices` holds the v1 part
 * (`{"channel_types", "notiflows"}`), `categories` the v2 category choices (`{}` for every v1 row),
 * `version` is the global set's.
 */
export const preferenceSets = pgTable(
  "preference_sets",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    userId: uuid("user_id").$type<UserId>().notNull(),
    choices: jsonb("choices").notNull().default(sql`'{"channel_types":{},"notiflows":{}}'::jsonb`),
    categories: jsonb("categories").notNull().default(sql`'{}'::jsonb`),
    version: integer("version").notNull().default(0),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    foreignKey({ columns: [t.projectId, t.userId], foreignColumns: [users.projectId, users.id], name: "preference_sets_user_fk" }).onDelete(
      "cascade"
    )
  ]
)

/** Append-only history of preference writes, one row per version. */
export const preferenceHistory = pgTable(
  "preference_history",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    userId: uuid("user_id").$type<UserId>().notNull(),
    version: integer("version").notNull(),
    id: uuid("id").notNull(),
    changedAt: timestamptz("changed_at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    requestId: text("request_id"),
    changes: jsonb("changes").notNull(),
    /** EVENTS.md §1: `patch`, `reset` or `replace` (rows from before the ledger: `patch`). */
    operation: text("operation").notNull(),
    /** EVENTS.md §1.1, derived from the route (rows from before the ledger: from the actor type). */
    source: text("source").notNull(),
    /** `{ip, user_agent}` of end-user sources, SQL NULL for the others. */
    context: jsonb("context")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId, t.version] }),
    unique("preference_history_project_id_unique").on(t.projectId, t.id),
    foreignKey({
      columns: [t.projectId, t.userId],
      foreignColumns: [preferenceSets.projectId, preferenceSets.userId],
      name: "preference_history_preference_set_fk"
    }).onDelete("cascade")
  ]
)

/**
 * Categories (MODEL.md §1): deletion is soft (`deleted_at`), so choices, tenant defaults, locks and
 * memberships survive a restore. `revision` for optimistic writes.
 */
export const categories = pgTable(
  "categories",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").$type<CategoryId>().notNull(),
    name: text("name").notNull(),
    includeInPreferences: boolean("include_in_preferences").notNull().default(true),
    defaultEnabled: boolean("default_enabled").notNull().default(true),
    defaultChannelTypes: jsonb("default_channel_types").notNull().default(sql`'{}'::jsonb`),
    deletedAt: timestamptz("deleted_at"),
    revision: integer("revision").notNull().default(0),
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })]
)

/**
 * Notiflow memberships: one row per (notiflow, category), ordered by `position`. Kept when either
 * side is soft-deleted (no foreign keys to them: the domain decides what is live).
 */
export const notiflowCategories = pgTable(
  "notiflow_categories",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    notiflowId: text("notiflow_id").$type<NotiflowId>().notNull(),
    categoryId: text("category_id").$type<CategoryId>().notNull(),
    position: integer("position").notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.notiflowId, t.categoryId] })]
)

/** User×tenant sets (MODEL.md §1): choices `{"channel_types", "categories", "notiflows"}` and their own version. */
export const tenantPreferenceSets = pgTable(
  "tenant_preference_sets",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    userId: uuid("user_id").$type<UserId>().notNull(),
    tenantId: text("tenant_id").$type<TenantId>().notNull(),
    choices: jsonb("choices").notNull(),
    version: integer("version").notNull(),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId, t.tenantId] }),
    // GET /admin/tenants reads the tenants of a project in id order.
    index("tenant_preference_sets_tenant_idx").on(t.projectId, t.tenantId),
    foreignKey({ columns: [t.projectId, t.userId], foreignColumns: [users.projectId, users.id], name: "tenant_preference_sets_user_fk" }).onDelete(
      "cascade"
    )
  ]
)

/** Append-only history of a user×tenant set, one row per version (the global set's is `preference_history`). */
export const tenantPreferenceHistory = pgTable(
  "tenant_preference_history",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    userId: uuid("user_id").$type<UserId>().notNull(),
    tenantId: text("tenant_id").$type<TenantId>().notNull(),
    version: integer("version").notNull(),
    id: uuid("id").notNull(),
    changedAt: timestamptz("changed_at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    requestId: text("request_id"),
    changes: jsonb("changes").notNull(),
    /** EVENTS.md §1: `patch`, `reset` or `replace` (rows from before the ledger: `patch`). */
    operation: text("operation").notNull(),
    /** EVENTS.md §1.1, derived from the route (rows from before the ledger: from the actor type). */
    source: text("source").notNull(),
    /** `{ip, user_agent}` of end-user sources, SQL NULL for the others. */
    context: jsonb("context")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId, t.tenantId, t.version] }),
    unique("tenant_preference_history_project_id_unique").on(t.projectId, t.id),
    foreignKey({
      columns: [t.projectId, t.userId, t.tenantId],
      foreignColumns: [tenantPreferenceSets.projectId, tenantPreferenceSets.userId, tenantPreferenceSets.tenantId],
      name: "tenant_preference_history_set_fk"
    }).onDelete("cascade")
  ]
)

/**
 * Tenant defaults (MODEL.md §1): `defaults` holds the values (`{"channel_types", "categories",
 * "notiflows"}`), `locks` the same shape with `true` at locked leaves. `has_defaults` is true when
 * either holds something (the tenant then exists); `revision` for optimistic writes.
 */
export const tenantDefaults = pgTable(
  "tenant_defaults",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").$type<TenantId>().notNull(),
    defaults: jsonb("defaults").notNull(),
    locks: jsonb("locks").notNull(),
    hasDefaults: boolean("has_defaults").notNull(),
    revision: integer("revision").notNull(),
    updatedAt: timestamptz("updated_at").notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.tenantId] })]
)

/**
 * Idempotency records (API.md §6): scoped to project, API and actor; the response of the first
 * completed request is kept until `expires_at` and replayed.
 */
export const idempotencyRecords = pgTable(
  "idempotency_records",
  {
    // No foreign key: records are short-lived (purged when expired) and independent of the data.
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    /** The API and actor the key is scoped to, e.g. `admin` or `user:<external id>`. */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    /** `in_progress` while the first request runs, then `completed`. */
    state: text("state").notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    responseHeaders: jsonb("response_headers"),
    requestId: text("request_id"),
    createdAt: timestamptz("created_at").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    /** A claim still `in_progress` after this (its process died) may be taken over by a retry. */
    lockedUntil: timestamptz("locked_until").notNull().default(sql`now()`),
    /** External user ids the request's path or body names: erasure deletes these records (EVENTS.md §1.3). */
    subjects: text("subjects").array().notNull().default(sql`'{}'::text[]`)
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.scope, t.key] }),
    index("idempotency_records_expires_idx").on(t.projectId, t.expiresAt),
    check("idempotency_records_state_check", sql`${t.state} in ('in_progress', 'completed')`)
  ]
)

/**
 * The transactional outbox and the feed (EVENTS.md §2, §3): one row per event, written in the
 * transaction of its change. The position is `(xid, seq)`: the writing transaction's id and a
 * serial. Readers only see rows whose `xid` is below the oldest transaction still running
 * (`pg_snapshot_xmin`), so a position is never handed out while an earlier one can still commit
 * (docs/events.md). `payload` is the event's JSON text, fixed at commit (erasure redacts it).
 */
export const events = pgTable(
  "events",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    xid: bigint("xid", { mode: "bigint" }).notNull().default(sql`(pg_current_xact_id()::text)::bigint`),
    seq: bigserial("seq", { mode: "bigint" }).notNull(),
    id: uuid("id").notNull(),
    type: text("type").notNull(),
    occurredAt: timestamptz("occurred_at").notNull(),
    /** EVENTS.md §2's ordering key (`user:<external id>`, …), for a delivery engine. */
    orderingKey: text("ordering_key").notNull(),
    /** The internal id of the user an event concerns (erasure redacts them), else NULL. */
    userId: uuid("user_id").$type<UserId>(),
    payload: text("payload").notNull()
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.xid, t.seq] }),
    unique("events_project_id_unique").on(t.projectId, t.id),
    index("events_user_idx").on(t.projectId, t.userId)
  ]
)

/** Per project: the last feed position retention removed (older cursors answer 410). */
export const eventFeedState = pgTable("event_feed_state", {
  projectId: uuid("project_id").$type<ProjectId>()
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  purgedXid: bigint("purged_xid", { mode: "bigint" }).notNull(),
  purgedSeq: bigint("purged_seq", { mode: "bigint" }).notNull()
})

/**
 * Link keys (LINKS.md §2.3): 32 random bytes (base64url, in clear for now: README) under a 4-byte
 * `kid`; one active key per project (unique partial index), older ones verify until revoked.
 */
export const linkKeys = pgTable(
  "link_keys",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    kid: text("kid").notNull(),
    secret: text("secret").notNull(),
    active: boolean("active").notNull(),
    createdAt: timestamptz("created_at").notNull(),
    revokedAt: timestamptz("revoked_at")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.kid] }),
    uniqueIndex("link_keys_one_active").on(t.projectId).where(sql`${t.active}`),
    check("link_keys_kid_check", sql`${t.kid} ~ '^[0-9a-f]{8}$'`)
  ]
)

/**
 * `{scope, tenant_id}` pairs links name by reference (LINKS.md §1): an 8-byte random id (hex),
 * unique per canonical `scope_key`; never changed or deleted.
 */
export const linkScopes = pgTable(
  "link_scopes",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    scopeKey: text("scope_key").notNull(),
    scope: jsonb("scope"),
    tenantId: text("tenant_id").$type<TenantId>(),
    createdAt: timestamptz("created_at").notNull()
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    unique("link_scopes_key_unique").on(t.projectId, t.scopeKey),
    check("link_scopes_id_check", sql`${t.id} ~ '^[0-9a-f]{16}$'`)
  ]
)

/** A project's branding settings (LINKS.md §2.4): the fields it set, absent ones take their defaults. */
export const projectBranding = pgTable("project_branding", {
  projectId: uuid("project_id").$type<ProjectId>()
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  settings: jsonb("settings").notNull(),
  revision: integer("revision").notNull(),
  updatedAt: timestamptz("updated_at").notNull()
})

/**
 * Webhook endpoints (EVENTS.md §4.1). Secrets sit in clear (EVENTS.md Decisions 4: README).
 * `cursor_xid`/`cursor_seq`: the feed position the delivery engine has dispatched through.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: uuid("id").notNull(),
    url: text("url").notNull(),
    description: text("description"),
    eventTypes: text("event_types").array().notNull(),
    status: text("status").notNull(),
    disabledReason: text("disabled_reason"),
    disabledAt: timestamptz("disabled_at"),
    failingSince: timestamptz("failing_since"),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: timestamptz("previous_secret_expires_at"),
    createdAt: timestamptz("created_at").notNull(),
    updatedAt: timestamptz("updated_at").notNull(),
    revision: integer("revision").notNull(),
    cursorXid: bigint("cursor_xid", { mode: "bigint" }).notNull(),
    cursorSeq: bigint("cursor_seq", { mode: "bigint" }).notNull()
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index("webhook_endpoints_status_idx").on(t.status)]
)

/**
 * Deliveries (EVENTS.md §4.3, §4.5): one per (endpoint, event) dispatched, replayed or tested.
 * `event_xid`/`event_seq` is the event's feed position (a key's deliveries go in that order);
 * `payload` is stored only for `test` deliveries (others send the event's stored text, so an
 * erasure's redaction reaches them). A claim is `claimed_by` until `claimed_until`.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    id: uuid("id").notNull(),
    webhookId: uuid("webhook_id").notNull(),
    eventId: uuid("event_id").notNull(),
    eventType: text("event_type").notNull(),
    orderingKey: text("ordering_key"),
    eventXid: bigint("event_xid", { mode: "bigint" }),
    eventSeq: bigint("event_seq", { mode: "bigint" }),
    trigger: text("trigger").notNull(),
    /** A replay of a range (`after`): one range at a time per endpoint. */
    rangeReplay: boolean("range_replay").notNull().default(false),
    payload: text("payload"),
    status: text("status").notNull(),
    cancelledReason: text("cancelled_reason"),
    createdAt: timestamptz("created_at").notNull(),
    nextAttemptAt: timestamptz("next_attempt_at"),
    completedAt: timestamptz("completed_at"),
    attempts: integer("attempts").notNull().default(0),
    claimedBy: text("claimed_by"),
    claimedUntil: timestamptz("claimed_until")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    foreignKey({ columns: [t.projectId, t.webhookId], foreignColumns: [webhookEndpoints.projectId, webhookEndpoints.id] }).onDelete("cascade"),
    index("webhook_deliveries_log_idx").on(t.projectId, t.webhookId, t.id),
    // The claim walks an endpoint's pending deliveries in due order, and counts its live claims.
    index("webhook_deliveries_endpoint_due_idx").on(t.projectId, t.webhookId, t.nextAttemptAt, t.eventXid, t.eventSeq).where(sql`status = 'pending'`),
    index("webhook_deliveries_claimed_idx").on(t.projectId, t.webhookId).where(sql`status = 'pending' and claimed_until is not null`),
    index("webhook_deliveries_key_idx").on(t.projectId, t.webhookId, t.orderingKey, t.trigger, t.eventXid, t.eventSeq).where(sql`status = 'pending'`),
    uniqueIndex("webhook_deliveries_event_unique").on(t.projectId, t.webhookId, t.eventId).where(sql`trigger = 'event'`),
    index("webhook_deliveries_event_idx").on(t.projectId, t.eventId)
  ]
)

/** Attempts of a delivery (EVENTS.md §4.5); written `interrupted` at the claim, completed after. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    deliveryId: uuid("delivery_id").notNull(),
    number: integer("number").notNull(),
    startedAt: timestamptz("started_at").notNull(),
    durationMs: integer("duration_ms"),
    responseStatus: integer("response_status"),
    error: text("error"),
    retryAfter: integer("retry_after"),
    responseBody: text("response_body")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.deliveryId, t.number] }),
    foreignKey({ columns: [t.projectId, t.deliveryId], foreignColumns: [webhookDeliveries.projectId, webhookDeliveries.id] }).onDelete("cascade")
  ]
)

/**
 * Bulk jobs (BULK.md §1.2): one row per submitted job. `seq` is the submission order (a project's
 * jobs run one at a time in it); `claimed_by`/`claimed_until` the instance running it and until
 * when (renewed by its heartbeat; a passed claim may be taken over); `progress_at` the last time
 * an item settled (an hour without progress ends the job `failed`).
 */
export const jobs = pgTable(
  "jobs",
  {
    projectId: uuid("project_id").$type<ProjectId>()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    id: uuid("id").notNull(),
    seq: bigserial("seq", { mode: "number" }).notNull(),
    type: text("type").notNull(),
    status: text("status").notNull(),
    mode: text("mode").notNull(),
    tenantId: text("tenant_id").$type<TenantId>(),
    requestId: text("request_id"),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id").notNull(),
    /** The relayed consent context every item's ledger entry records (or NULL). */
    context: jsonb("context"),
    /** The one patch of a `user_ids` job (NULL for `items`). */
    preferences: jsonb("preferences"),
    error: jsonb("error"),
    createdAt: timestamptz("created_at").notNull(),
    startedAt: timestamptz("started_at"),
    completedAt: timestamptz("completed_at"),
    progressAt: timestamptz("progress_at").notNull(),
    claimedBy: text("claimed_by"),
    claimedUntil: timestamptz("claimed_until")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.id] }),
    index("jobs_unfinished_idx").on(t.projectId, t.seq).where(sql`${t.status} in ('queued', 'running')`),
    index("jobs_completed_idx").on(t.completedAt),
    check("jobs_status_check", sql`${t.status} in ('queued', 'running', 'completed', 'failed')`),
    check("jobs_mode_check", sql`${t.mode} in ('merge', 'replace')`)
  ]
)

/**
 * The items of a job, in input order (`idx`): the user (external id; NULL after erasure), the
 * item's own patch (NULL: the job's), its `if_match`, and its result.
 */
export const jobItems = pgTable(
  "job_items",
  {
    projectId: uuid("project_id").$type<ProjectId>().notNull(),
    jobId: uuid("job_id").notNull(),
    idx: integer("idx").notNull(),
    userId: text("user_id").$type<ExternalUserId>(),
    preferences: jsonb("preferences"),
    ifMatch: text("if_match"),
    status: text("status").notNull(),
    version: integer("version"),
    error: jsonb("error")
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.jobId, t.idx] }),
    foreignKey({ columns: [t.projectId, t.jobId], foreignColumns: [jobs.projectId, jobs.id], name: "job_items_job_fk" }).onDelete("cascade"),
    index("job_items_pending_idx").on(t.projectId, t.jobId, t.idx).where(sql`${t.status} = 'pending'`),
    index("job_items_user_idx").on(t.projectId, t.userId),
    check("job_items_status_check", sql`${t.status} in ('pending', 'updated', 'unchanged', 'failed')`)
  ]
)
