/**
 * The shared mutable state behind the in-memory adapters. Every operation reads and writes it
 * inside one synchronous section (`Effect.sync`/`Effect.suspend`), so a compare-and-set and its
 * history append can never interleave with another fiber: JavaScript runs one section at a time.
 */
import * as Effect from "effect/Effect"
import { renderEvent, RepositoryError, sameIds } from "@notiflows/domain"
import type { Delivery, EventInput, JobItem, LinkUser, ProjectId, StoredBranding, StoredEvent, StoredJob, UserId, Webhook } from "@notiflows/domain"
import { uuidv7 } from "./ids.js"
import type { IdempotencyRecord } from "../InMemoryIdempotencyRepository.js"
import type {
  ApiKey,
  CategoryChoice,
  CategoryId,
  HistoryEntry,
  LinkKey,
  LinkScopeRecord,
  PreferenceSet,
  PreferenceSetV2,
  Project,
  ScopedHistoryEntry,
  Slice,
  SliceQuery,
  StoredCategory,
  StoredNotiflow,
  StoredTenantDefaults,
  User
} from "@notiflows/domain"

/** A user×tenant set with its own history (ascending by version). */
export interface TenantSetRecord {
  set: PreferenceSetV2
  readonly history: Array<ScopedHistoryEntry>
}

export interface UserRecord {
  user: User
  /** The global set's v1 part (its version is the global set's). */
  preferences: PreferenceSet
  /** The global set's category choices (v2); a v1 write keeps them. */
  categories?: Readonly<Record<string, CategoryChoice>>
  /** Ascending by version. */
  history: Array<HistoryEntry>
  /** User×tenant sets by tenant id. */
  tenantSets?: Map<string, TenantSetRecord>
  /** LINKS.md §2.3: links issued at or before this second are revoked. */
  linksValidAfter?: Date
}

export interface ProjectRecord {
  project: Project
  /** By external id. */
  readonly users: Map<string, UserRecord>
  /** Our user id → external id. */
  readonly userIds: Map<string, string>
  readonly notiflows: Map<string, StoredNotiflow>
  /** By key id, in creation order. */
  readonly apiKeys: Map<string, { key: ApiKey; readonly hash: string }>
  /** Categories by id, deleted ones included (v2; created on first use). */
  categories?: Map<string, StoredCategory>
  /** Notiflow id → ordered category ids. */
  memberships?: Map<string, ReadonlyArray<CategoryId>>
  /** Tenant id → stored defaults (absent = none). */
  tenantDefaults?: Map<string, StoredTenantDefaults>
  /** The feed: events in commit order, each with its position's `minor` (EVENTS.md §3). */
  events?: Array<{ readonly minor: bigint; event: StoredEvent }>
  /** The last position retention removed (cursors before it are expired). */
  purgedThrough?: bigint
  /** Link keys in creation order, and scope records by id (LINKS.md §1, §2.3; created on first use). */
  linkKeys?: Array<LinkKey>
  linkScopes?: Map<string, LinkScopeRecord & { readonly key: string }>
  /** Branding settings (LINKS.md §2.4; absent = defaults). */
  branding?: StoredBranding
  /** Webhook endpoints by id (EVENTS.md §4.1; created on first use), with their dispatch cursors. */
  webhooks?: Map<string, WebhookRecord>
}

/** An endpoint and where its dispatch continues in the feed (the `minor` of the last event looked at). */
export interface WebhookRecord {
  webhook: Webhook
  cursor: bigint
  /** Its deliveries, oldest first (the in-memory store runs no engine: they stay as written). */
  readonly deliveries: Array<DeliveryRecord>
}

/** A delivery and whether it belongs to a range replay (one at a time). */
export interface DeliveryRecord {
  delivery: Delivery
  readonly rangeReplay: boolean
}

/** A bulk job with its items and claim (BULK.md §1.2). */
export interface JobRecord {
  job: StoredJob
  readonly items: Array<{ item: JobItem; readonly preferences: unknown; readonly ifMatch: string | null }>
  /** Submission order across the store. */
  readonly seq: number
  claimedBy: string | null
  claimedUntil: number
  progressAt: Date
}

export interface Store {
  /** Bulk jobs by id (created on first use). */
  jobs?: Map<string, JobRecord>
  /** In creation order (oldest first). */
  readonly projects: Map<string, ProjectRecord>
  /** Key hash → [project id, key id]. */
  readonly keysByHash: Map<string, readonly [string, string]>
  /** The last event position handed out (positions grow across projects, like a serial). */
  eventSeq: bigint
  /** Idempotency records by `[project, scope, key]` (shared so erasure can delete those naming a user). */
  readonly idempotency: Map<string, IdempotencyRecord>
}

export const makeStore = (): Store => ({ projects: new Map(), keysByHash: new Map(), eventSeq: 0n, idempotency: new Map() })

/**
 * Appends an event to a project's feed, in the synchronous section that commits its change: a
 * commit is atomic here, so numbering at commit gives commit order.
 */
export const appendEvent = (store: Store, projectId: ProjectId, input: EventInput | undefined, userId: UserId | null): void => {
  const project = store.projects.get(projectId)
  if (input === undefined || project === undefined) return
  store.eventSeq += 1n
  ;(project.events ??= []).push({ minor: store.eventSeq, event: renderEvent(uuidv7(), projectId, input, userId) })
}

/** Appends a change's events (about no user) in its committing section. */
export const appendEvents = (store: Store, projectId: ProjectId, events: ReadonlyArray<EventInput> | undefined): void => {
  for (const e of events ?? []) appendEvent(store, projectId, e, null)
}

const emptyRecords = new Map<string, never>()

export const usersOf = (store: Store, projectId: string): ReadonlyMap<string, UserRecord> =>
  store.projects.get(projectId)?.users ?? emptyRecords

/** The record of a user by our user id. */
export const userById = (store: Store, projectId: string, userId: string): UserRecord | undefined => {
  const project = store.projects.get(projectId)
  const externalId = project?.userIds.get(userId)
  return externalId === undefined ? undefined : project?.users.get(externalId)
}

/** A user record as the link repository answers it (`findUser`, `loadLinkedPromise`). */
export const linkUser = (r: UserRecord): LinkUser => ({
  userId: r.user.id as LinkUser["userId"],
  externalId: r.user.external_id as LinkUser["externalId"],
  locale: r.user.locale ?? null,
  linksValidAfter: r.linksValidAfter ?? null
})

/** Deep copy and freeze: what is stored can't be changed through a reference the caller kept. */
export const snapshot = <A>(value: A): A => deepFreeze(structuredClone(value))

const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/**
 * Newest-first slice over items sorted newest first (`keyOf` descending). `after` reads older
 * items, `before` newer ones (the nearest `limit` of them, still answered newest first).
 */
export const sliceNewestFirst = <A, K extends string | number>(
  newestFirst: ReadonlyArray<A>,
  keyOf: (a: A) => K,
  query: SliceQuery<K>
): Slice<A> => {
  const { after, before, limit } = query
  const candidates = newestFirst.filter(
    (a) => (after === undefined || keyOf(a) < after) && (before === undefined || keyOf(a) > before)
  )
  if (before !== undefined) {
    const start = Math.max(0, candidates.length - limit)
    return { items: candidates.slice(start), hasMore: start > 0 }
  }
  return { items: candidates.slice(0, limit), hasMore: candidates.length > limit }
}

/**
 * A project's record for a write. Like a foreign key in SQL, writing users or notiflows into a
 * project that does not exist is a storage failure, not a domain outcome.
 */
export const requireProject = (store: Store, projectId: string, operation: string): Effect.Effect<ProjectRecord, RepositoryError> => {
  const project = store.projects.get(projectId)
  return project !== undefined
    ? Effect.succeed(project)
    : Effect.fail(new RepositoryError({ operation, unavailable: false, cause: new Error(`no project ${projectId}`) }))
}

/**
 * Ascending slice over items sorted ascending by `keyOf`: `after` reads greater keys, `before`
 * the nearest `limit` smaller ones (still ascending).
 */
export const sliceAscending = <A, K extends string | number>(
  ascending: ReadonlyArray<A>,
  keyOf: (a: A) => K,
  query: SliceQuery<K>
): Slice<A> => {
  const { after, before, limit } = query
  const candidates = ascending.filter((a) => (after === undefined || keyOf(a) > after) && (before === undefined || keyOf(a) < before))
  if (before !== undefined) {
    const start = Math.max(0, candidates.length - limit)
    return { items: candidates.slice(start), hasMore: start > 0 }
  }
  return { items: candidates.slice(0, limit), hasMore: candidates.length > limit }
}

/** Code-unit order, as the SQL adapters' `COLLATE "C"`. */
export const byId = <A extends { readonly id: string }>(a: A, b: A): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Whether a notiflow's stored membership list is `expected` (absent = `[]`). */
export const membershipsAre = (project: ProjectRecord, notiflowId: string, expected: ReadonlyArray<CategoryId>): boolean =>
  sameIds(project.memberships?.get(notiflowId) ?? [], expected)

/** Replaces a notiflow's stored membership list (`[]` removes it). */
export const replaceMemberships = (project: ProjectRecord, notiflowId: string, next: ReadonlyArray<CategoryId>): void => {
  const memberships = (project.memberships ??= new Map())
  if (next.length === 0) memberships.delete(notiflowId)
  else memberships.set(notiflowId, snapshot([...next]))
}
