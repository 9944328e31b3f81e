/**
 * In-memory {@link ScopedPreferenceRepository}: the global set lives where the v1 port keeps it
 * (plus its category choices), user×tenant sets beside it with their own versions and history.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type {
  ExternalUserId,
  PreferenceChoicesV2,
  PreferenceSetV2,
  ScopedChoices,
  ScopedCommit,
  ScopedHistoryEntry,
  ScopedPreferenceRepository,
  Scope,
  StoredScopedPreferences,
  LedgerKey,
  ProjectId,
  TenantId,
  UserId
} from "@notiflows/domain"
import { compareLedgerKeys, emptySetV2, scopeOf, UserNotFound, VersionConflict } from "@notiflows/domain"
import { uuidv7 } from "./internal/ids.js"
import type { UserRecord } from "./internal/store.js"
import type { Store } from "./internal/store.js"
import { appendEvent, linkUser, sliceNewestFirst, snapshot, userById, usersOf } from "./internal/store.js"
import { commitToRecord } from "./InMemoryPreferenceRepository.js"
import { makeListSets } from "./InMemorySetListing.js"

/** The global set of a record, in v2. */
export const globalSetOf = (record: UserRecord): PreferenceSetV2 => ({
  version: record.preferences.version,
  channel_types: record.preferences.channel_types,
  categories: record.categories ?? {},
  notiflows: record.preferences.notiflows
})

/** The set of a scope (empty at version 0 for a tenant never written). */
export const scopedSetOf = (record: UserRecord, scope: Scope): PreferenceSetV2 =>
  scope._tag === "Global" ? globalSetOf(record) : (record.tenantSets?.get(scope.tenantId)?.set ?? emptySetV2)

const choicesOf = (s: PreferenceSetV2): PreferenceChoicesV2 => ({ channel_types: s.channel_types, categories: s.categories, notiflows: s.notiflows })

const commitScoped = (record: UserRecord, commit: ScopedCommit, version: number): PreferenceSetV2 => {
  const { scope, choices, history } = commit
  if (scope._tag === "Global") {
    commitToRecord(record, version, { channel_types: choices.channel_types, notiflows: choices.notiflows }, history)
    record.categories = snapshot(choices.categories)
    return globalSetOf(record)
  }
  const sets = (record.tenantSets ??= new Map())
  const set: PreferenceSetV2 = snapshot({ version, channel_types: choices.channel_types, categories: choices.categories, notiflows: choices.notiflows })
  const entry: ScopedHistoryEntry = snapshot({ id: uuidv7(), version, tenant_id: scope.tenantId, ...history })
  const existing = sets.get(scope.tenantId)
  if (existing === undefined) sets.set(scope.tenantId, { set, history: [entry] })
  else {
    existing.set = set
    existing.history.push(entry)
  }
  return set
}

const historyOf = (record: UserRecord | undefined, scope: Scope): ReadonlyArray<ScopedHistoryEntry> => {
  if (record === undefined) return []
  if (scope._tag === "Tenant") return record.tenantSets?.get(scope.tenantId)?.history ?? []
  return record.history.map((e) => ({ ...e, tenant_id: null }))
}

/** The compare-and-set of a scope's set with its entry and event, in one synchronous section. */
export const commitSync = (store: Store, commit: ScopedCommit): PreferenceSetV2 | VersionConflict | UserNotFound => {
  const record = userById(store, commit.projectId, commit.userId)
  if (record === undefined) return new UserNotFound({ userId: commit.userId })
  const actual = scopedSetOf(record, commit.scope).version
  if (actual !== commit.expectedVersion) return new VersionConflict({ expected: commit.expectedVersion, actual })
  const set = commitScoped(record, commit, actual + 1)
  appendEvent(store, commit.projectId, commit.event, commit.userId)
  return set
}

/** A user and the scope's sets, as `load` and `loadPromise` answer them. */
const loadSync = (store: Store, projectId: ProjectId, externalId: ExternalUserId, scope: Scope): StoredScopedPreferences | undefined => {
  const record = usersOf(store, projectId).get(externalId)
  if (record === undefined) return undefined
  return { userId: record.user.id as UserId, externalId, global: globalSetOf(record), scoped: scopedSetOf(record, scope) }
}

/** The port over a shared store. */
export const makeScopedPreferenceRepository = (store: Store): ScopedPreferenceRepository["Type"] => ({
  load: (projectId, externalId, scope) => Effect.sync(() => Option.fromNullable(loadSync(store, projectId, externalId, scope))),
  loadPromise: async (projectId, externalId, scope) => loadSync(store, projectId, externalId, scope),
  loadLinkedPromise: async (projectId, userId, scope) => {
    const record = userById(store, projectId, userId)
    const stored = record === undefined ? undefined : loadSync(store, projectId, record.user.external_id as ExternalUserId, scope)
    return record === undefined || stored === undefined ? undefined : { user: linkUser(record), stored }
  },
  loadMany: (projectId, externalIds, scope) =>
    Effect.sync(() => {
      const users = usersOf(store, projectId)
      const out = new Map<ExternalUserId, ScopedChoices>()
      for (const id of externalIds) {
        const record = users.get(id)
        if (record === undefined) continue
        const global = choicesOf(globalSetOf(record))
        out.set(id, { global, scoped: scope._tag === "Global" ? global : choicesOf(scopedSetOf(record, scope)) })
      }
      return out
    }),
  commit: (commit) =>
    Effect.suspend((): Effect.Effect<PreferenceSetV2, VersionConflict | UserNotFound> => {
      const out = commitSync(store, commit)
      return out instanceof VersionConflict || out instanceof UserNotFound ? Effect.fail(out) : Effect.succeed(out)
    }),
  commitPromise: async (commit) => commitSync(store, commit),
  history: (projectId, userId, scope, query) =>
    Effect.sync(() => sliceNewestFirst([...historyOf(userById(store, projectId, userId), scope)].reverse(), (e) => e.version, query)),
  listSets: makeListSets(store),
  exportSnapshot: (projectId, externalId) =>
    Effect.sync(() => {
      const record = usersOf(store, projectId).get(externalId)
      if (record === undefined) return Option.none()
      const tenants = [...(record.tenantSets?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return Option.some({
        user: record.user,
        sets: [
          { tenantId: null, set: globalSetOf(record) },
          ...tenants.map(([tenantId, t]) => ({ tenantId: tenantId as TenantId, set: t.set }))
        ]
      })
    }),
  ledgerPage: (projectId, userId, bounds, after, limit) =>
    Effect.sync(() => {
      const record = userById(store, projectId, userId)
      if (record === undefined) return { entries: [], userExists: false }
      const entries: Array<ScopedHistoryEntry> = []
      for (const bound of bounds) {
        const scope = scopeOf(bound.tenantId)
        for (const e of historyOf(record, scope)) if (e.version <= bound.version) entries.push(e)
      }
      const key = (e: ScopedHistoryEntry): LedgerKey => ({ changedAt: e.changed_at, tenantId: e.tenant_id, version: e.version })
      const sorted = entries.filter((e) => after === null || compareLedgerKeys(key(e), after) > 0).sort((a, b) => compareLedgerKeys(key(a), key(b)))
      return { entries: sorted.slice(0, limit), userExists: true }
    })
})
