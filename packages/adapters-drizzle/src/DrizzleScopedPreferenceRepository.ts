/**
 * {@link ScopedPreferenceRepository} over drizzle. The global set is the v1 row of
 * `preference_sets` (its `categories` column beside the v1 `choices`), a user×tenant set a row of
 * `tenant_preference_sets`. Every commit is ONE statement: compare-and-set of the set and the
 * history `INSERT` in CTEs; in a tenant scope the set is updated at the expected version, or
 * inserted when version 0 is expected (a concurrent first write loses on the primary key). Loads
 * read the global set and the scope's set in one query, for one user or a batch.
 */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type {
  Change,
  ExternalUserId,
  LinkedSets,
  PreferenceChoicesV2,
  PreferenceSetV2,
  ProjectId,
  RepositoryError,
  ScopedChoices,
  ScopedCommit,
  ScopedHistoryEntry,
  Scope,
  Slice,
  StoredScopedPreferences,
  TenantId,
  UserId
} from "@notiflows/domain"
import { ScopedPreferenceRepository, UserNotFound, VersionConflict } from "@notiflows/domain"
import { commitQuery, commitValues, eventInsert, ledgerOf } from "./DrizzlePreferenceRepository.js"
import { makeListSets } from "./DrizzleSetListing.js"
import { makeExportReads } from "./DrizzleLedgerExport.js"
import { choicesJson, toChoicesV2 } from "./DrizzleTenantRepository.js"
import { preferenceHistory, preferenceSets, tenantPreferenceHistory, tenantPreferenceSets, users } from "./schema.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run, runPromise } from "./internal/promiseToEffect.js"
import type { ChoiceTexts } from "./internal/choicesCache.js"
import { makeChoicesCache } from "./internal/choicesCache.js"
import { fromJson, hot, hotRaw, json } from "./internal/statements.js"

const P = sql.placeholder
const tps = tenantPreferenceSets

/** The global set of a `preference_sets` row: v1 choices plus the `categories` column. */
export const globalChoices = (choices: unknown, categories: unknown): PreferenceChoicesV2 => {
  const v1 = fromJson<{ channel_types?: PreferenceChoicesV2["channel_types"]; notiflows?: PreferenceChoicesV2["notiflows"] } | null>(choices)
  return {
    channel_types: v1?.channel_types ?? {},
    categories: fromJson<PreferenceChoicesV2["categories"] | null>(categories) ?? {},
    notiflows: v1?.notiflows ?? {}
  }
}

/** A user×tenant set's choices (empty for a set never written). */
export const tenantChoices = (choices: unknown): PreferenceChoicesV2 => toChoicesV2(choices ?? null)

/** A batch row's sets from their documents' text. */
const batchChoices = (r: ChoiceTexts): ScopedChoices => {
  const global = globalChoices(r.choices, r.categories)
  return r.tenantChoices === undefined ? { global, scoped: global } : { global, scoped: tenantChoices(r.tenantChoices) }
}

/**
 * The tenant commit: update at the expected version, or insert the first version (only when 0 is
 * expected and the user exists, its row locked `FOR KEY SHARE`: a concurrent deletion is waited for
 * and then finds no user, instead of failing the insert's foreign key); the history entry is
 * selected from whichever wrote a row.
 */
export const tenantCommitQuery = (db: NotiflowsDatabase) => {
  const updated = db.$with("updated").as(
    db
      .update(tps)
      .set({ choices: sql`${P("choices")}::jsonb`, version: sql`${tps.version} + 1`, updatedAt: sql`${P("changedAt")}::timestamptz` })
      .where(and(eq(tps.projectId, P("projectId")), eq(tps.userId, P("userId")), eq(tps.tenantId, P("tenantId")), eq(tps.version, P("expectedVersion"))))
      .returning({ projectId: tps.projectId, userId: tps.userId, tenantId: tps.tenantId, version: tps.version })
  )
  const inserted = db.$with("inserted").as(
    db
      .insert(tps)
      .select(
        sql`select ${users.projectId}, ${users.id}, ${P("tenantId")}::text, ${P("choices")}::jsonb, 1, ${P("changedAt")}::timestamptz
            from ${users} where ${users.projectId} = ${P("projectId")}::uuid and ${users.id} = ${P("userId")}::uuid
            and ${P("expectedVersion")}::int = 0
            for key share`
      )
      .onConflictDoNothing()
      .returning({ projectId: tps.projectId, userId: tps.userId, tenantId: tps.tenantId, version: tps.version })
  )
  const outbox = eventInsert(db, sql`(select 1 from ${updated} union all select 1 from ${inserted}) w`)
  return db
    .with(updated, inserted, outbox)
    .insert(tenantPreferenceHistory)
    .select(
      sql`select w.project_id, w.user_id, w.tenant_id, w.version, ${P("historyId")}::uuid, ${P("changedAt")}::timestamptz,
                 ${P("actorType")}::text, ${P("actorId")}::text, ${P("requestId")}::text, ${P("changes")}::jsonb,
                 ${P("operation")}::text, ${P("source")}::text, ${P("context")}::jsonb
          from (select * from ${updated} union all select * from ${inserted}) w`
    )
    .returning({ version: tenantPreferenceHistory.version })
}

/** The hot statements, built (and prepared when enabled) once per database. */
export const makeScopedStatements = ({ db, prepare }: Database) => {
  const userJoin = and(eq(preferenceSets.projectId, users.projectId), eq(preferenceSets.userId, users.id))
  // The user's tenant row by its primary key: `(project_id, user_id)` drives the lookup, the tenant
  // is a filter on the user's few rows. Written as an expression on purpose: with a plain
  // `tenant_id = $` the planner (PGlite without statistics) picks the `(project_id, tenant_id)`
  // index and loops over the whole tenant's rows for every user of a batch (6-9x the global read).
  const tenantJoin = and(eq(tps.projectId, users.projectId), eq(tps.userId, users.id), sql`(${tps.tenantId} || '') = ${P("tenantId")}`)
  const oneUser = and(eq(users.projectId, P("projectId")), eq(users.externalId, P("externalId")))
  // One query for the whole list; a jsonb array parameter reads the same on both drivers.
  const manyUsers = and(eq(users.projectId, P("projectId")), sql`${users.externalId} in (select jsonb_array_elements_text(${P("externalIds")}::jsonb))`)

  // Reads take the documents as text: equal documents are decoded once (internal/choicesCache.ts).
  // Every field is aliased as its key, so the prepared read takes the driver's rows unmapped (hotRaw).
  const asText = (column: typeof preferenceSets.choices | typeof preferenceSets.categories | typeof tps.choices, alias: string) =>
    sql<string | null>`${column}::text`.as(alias)
  const globalFields = {
    userId: sql<string>`${users.id}`.as("userId"),
    externalId: sql<string>`${users.externalId}`.as("externalId"),
    version: sql<number>`${preferenceSets.version}`.as("version"),
    choices: asText(preferenceSets.choices, "choices"),
    categories: asText(preferenceSets.categories, "categories")
  }
  const tenantFields = { ...globalFields, tenantVersion: sql<number | null>`${tps.version}`.as("tenantVersion"), tenantChoices: asText(tps.choices, "tenantChoices") }
  const loadGlobal = db.select(globalFields).from(users).innerJoin(preferenceSets, userJoin).where(oneUser)
  const loadTenant = db.select(tenantFields).from(users).innerJoin(preferenceSets, userJoin).leftJoin(tps, tenantJoin).where(oneUser)
  // A link token's user (by internal id, with its link fields) and the same sets: a one-click
  // POST's user and leaf in one statement. Mapped by drizzle (the timestamp column), one row.
  const byId = and(eq(users.projectId, P("projectId")), eq(users.id, P("userId")))
  const linkFields = { locale: users.locale, linksValidAfter: users.linksValidAfter }
  const loadLinkedGlobal = db.select({ ...globalFields, ...linkFields }).from(users).innerJoin(preferenceSets, userJoin).where(byId)
  const loadLinkedTenant = db
    .select({ ...tenantFields, ...linkFields })
    .from(users)
    .innerJoin(preferenceSets, userJoin)
    .leftJoin(tps, tenantJoin)
    .where(byId)
  const batchGlobalFields = {
    externalId: sql<string>`${users.externalId}`.as("externalId"),
    choices: asText(preferenceSets.choices, "choices"),
    categories: asText(preferenceSets.categories, "categories")
  }
  // The user×tenant row is looked up only for users who hold a set in some tenant (`has_tenant_sets`,
  // kept by a trigger): a batch of 1,000 where a quarter hold one probes 250 rows, not 1,000
  // (the probes were most of a tenant batch's extra database time; docs/performance.md, issue 11).
  // The lookup keeps the primary-key prefix by the expression on the tenant (see `tenantJoin`).
  const tenantChoicesText = sql<string | null>`case when ${users.hasTenantSets} then (select ${tps.choices}::text from ${tps} where ${tps.projectId} = ${users.projectId} and ${tps.userId} = ${users.id} and (${tps.tenantId} || '') = ${P("tenantId")}) end`
  const batchTenantFields = { ...batchGlobalFields, tenantChoices: tenantChoicesText.as("tenantChoices") }
  const loadManyGlobal = db.select(batchGlobalFields).from(users).innerJoin(preferenceSets, userJoin).where(manyUsers)
  const loadManyTenant = db.select(batchTenantFields).from(users).innerJoin(preferenceSets, userJoin).where(manyUsers)

  const currentTenantVersion = db
    .select({ version: tps.version })
    .from(users)
    .leftJoin(tps, tenantJoin)
    .where(and(eq(users.projectId, P("projectId")), eq(users.id, P("userId"))))
  const currentGlobalVersion = db
    .select({ version: preferenceSets.version })
    .from(preferenceSets)
    .where(and(eq(preferenceSets.projectId, P("projectId")), eq(preferenceSets.userId, P("userId"))))

  return {
    loadGlobal: hotRaw(loadGlobal, "nf_scoped_load_global", prepare),
    loadTenant: hotRaw(loadTenant, "nf_scoped_load_tenant", prepare),
    loadLinkedGlobal: hot(loadLinkedGlobal, "nf_scoped_load_linked_global", prepare),
    loadLinkedTenant: hot(loadLinkedTenant, "nf_scoped_load_linked_tenant", prepare),
    loadManyGlobal: hotRaw(loadManyGlobal, "nf_scoped_load_many_global", prepare),
    loadManyTenant: hotRaw(loadManyTenant, "nf_scoped_load_many_tenant", prepare),
    commitGlobal: hot(commitQuery(db, true), "nf_scoped_commit_global", prepare),
    commitTenant: hot(tenantCommitQuery(db), "nf_scoped_commit_tenant", prepare),
    currentTenantVersion: hot(currentTenantVersion, "nf_scoped_current_tenant_version", prepare),
    currentGlobalVersion: hot(currentGlobalVersion, "nf_scoped_current_global_version", prepare)
  }
}

type HistoryRow = {
  id: string
  version: number
  changedAt: Date
  actorType: string
  actorId: string
  requestId: string | null
  changes: unknown
  operation: string
  source: string
  context: unknown
}

const toEntry = (r: HistoryRow, tenantId: TenantId | null): ScopedHistoryEntry => ({
  id: r.id,
  version: r.version,
  tenant_id: tenantId,
  changed_at: r.changedAt,
  actor: { type: r.actorType as ScopedHistoryEntry["actor"]["type"], id: r.actorId },
  request_id: r.requestId,
  changes: fromJson<ReadonlyArray<Change>>(r.changes),
  ...ledgerOf(r)
})

/** The port over a database. */
export const make = (database: Database): ScopedPreferenceRepository["Type"] => {
  const { db } = database
  const st = makeScopedStatements(database)
  const decoded = makeChoicesCache(batchChoices)

  /** The compare-and-set commit; its refusals as values (`commit` fails with them, `commitPromise` resolves them). */
  const commitRows = async (c: ScopedCommit): Promise<PreferenceSetV2 | VersionConflict | UserNotFound> => {
    const { projectId, userId, scope, expectedVersion, choices, history } = c
    const values = commitValues({ projectId, userId, expectedVersion, choices, categories: choices.categories, history, event: c.event })
    const rows =
      scope._tag === "Global"
        ? await st.commitGlobal.execute(values)
        : await st.commitTenant.execute({ ...values, tenantId: scope.tenantId, choices: choicesJson(choices) })
    const row = rows[0]
    // Only the three maps of `choices` (callers may hand a whole set, with its old version).
    if (row !== undefined) return { version: row.version, channel_types: choices.channel_types, categories: choices.categories, notiflows: choices.notiflows }
    // Conflict path: a fresh statement reads the version the concurrent writer left.
    const current =
      scope._tag === "Global"
        ? await st.currentGlobalVersion.execute({ projectId, userId })
        : await st.currentTenantVersion.execute({ projectId, userId, tenantId: scope.tenantId })
    const actual = current[0]
    return actual === undefined ? new UserNotFound({ userId }) : new VersionConflict({ expected: expectedVersion, actual: actual.version ?? 0 })
  }

  const commit = (c: ScopedCommit): Effect.Effect<PreferenceSetV2, VersionConflict | UserNotFound | RepositoryError> =>
    Effect.flatMap(run("preferences.commit", () => commitRows(c)), (r) =>
      r instanceof VersionConflict || r instanceof UserNotFound ? Effect.fail(r) : Effect.succeed(r)
    )


  const history = (projectId: ProjectId, userId: UserId, tenantId: TenantId | null, query: { limit: number; after?: number; before?: number }) => {
    const { after, before, limit } = query
    // Not a version (a forged cursor): nothing compares to it, as in the reference adapter.
    const badCursor = (after !== undefined && !Number.isSafeInteger(after)) || (before !== undefined && !Number.isSafeInteger(before))
    if (badCursor) return Effect.succeed<Slice<ScopedHistoryEntry>>({ items: [], hasMore: false })
    const h = tenantId === null ? preferenceHistory : tenantPreferenceHistory
    const where = and(
      eq(h.projectId, projectId),
      eq(h.userId, userId),
      tenantId === null ? undefined : eq(tenantPreferenceHistory.tenantId, tenantId),
      after !== undefined ? lt(h.version, after) : undefined,
      before !== undefined ? gt(h.version, before) : undefined
    )
    // Reading `before` a cursor takes the nearest newer entries (ascending), answered newest first.
    const order = before !== undefined ? asc(h.version) : desc(h.version)
    const fields = {
      id: h.id,
      version: h.version,
      changedAt: h.changedAt,
      actorType: h.actorType,
      actorId: h.actorId,
      requestId: h.requestId,
      changes: h.changes,
      operation: h.operation,
      source: h.source,
      context: h.context
    }
    return Effect.map(
      run("preferences.history", () => db.select(fields).from(h).where(where).orderBy(order).limit(limit + 1)),
      (rows): Slice<ScopedHistoryEntry> => {
        const items = rows.slice(0, limit).map((r) => toEntry(r, tenantId))
        return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
      }
    )
  }

  /** A load row's sets (`tenantVersion`/`tenantChoices` present in a tenant scope). */
  type LoadRow = ChoiceTexts & { readonly userId: string; readonly externalId: string; readonly version: number; readonly tenantVersion?: number | null }
  const storedOf = (r: LoadRow, scope: Scope): StoredScopedPreferences => {
    const sets = decoded(r)
    const global: PreferenceSetV2 = { version: r.version, ...sets.global }
    return {
      userId: r.userId as UserId,
      externalId: r.externalId as ExternalUserId,
      global,
      scoped: scope._tag === "Global" ? global : { version: r.tenantVersion ?? 0, ...sets.scoped }
    }
  }

  /** The user and the scope's sets, as `load` answers them (`undefined`: unknown user). */
  const loadRows = async (projectId: string, externalId: string, scope: Scope): Promise<StoredScopedPreferences | undefined> => {
    const [r] =
      scope._tag === "Global"
        ? await st.loadGlobal.execute({ projectId, externalId })
        : await st.loadTenant.execute({ projectId, externalId, tenantId: scope.tenantId })
    return r === undefined ? undefined : storedOf(r, scope)
  }

  /** A link token's user by internal id and the scope's sets (`undefined`: unknown user). */
  const loadLinkedRows = async (projectId: ProjectId, userId: UserId, scope: Scope): Promise<LinkedSets | undefined> => {
    const [r] =
      scope._tag === "Global"
        ? await st.loadLinkedGlobal.execute({ projectId, userId })
        : await st.loadLinkedTenant.execute({ projectId, userId, tenantId: scope.tenantId })
    if (r === undefined) return undefined
    const stored = storedOf(r, scope)
    return { user: { userId: stored.userId, externalId: stored.externalId, locale: r.locale, linksValidAfter: r.linksValidAfter }, stored }
  }

  return {
    load: (projectId, externalId, scope) => Effect.map(run("preferences.load", () => loadRows(projectId, externalId, scope)), Option.fromNullable),
    loadPromise: (projectId, externalId, scope) => runPromise("preferences.load", () => loadRows(projectId, externalId, scope)),
    loadLinkedPromise: (projectId, userId, scope) => runPromise("preferences.loadLinked", () => loadLinkedRows(projectId, userId, scope)),
    loadMany: (projectId, externalIds, scope) => {
      if (externalIds.length === 0) return Effect.succeed(new Map())
      const ids = json(externalIds)
      const toMap = (rows: ReadonlyArray<ChoiceTexts & { readonly externalId: string }>) => {
        const out = new Map<ExternalUserId, ScopedChoices>()
        for (const r of rows) out.set(r.externalId as ExternalUserId, decoded(r))
        return out
      }
      return scope._tag === "Global"
        ? Effect.map(run("preferences.loadMany", () => st.loadManyGlobal.execute({ projectId, externalIds: ids })), toMap)
        : Effect.map(run("preferences.loadMany", () => st.loadManyTenant.execute({ projectId, externalIds: ids, tenantId: scope.tenantId })), toMap)
    },
    commit,
    commitPromise: (c) => runPromise("preferences.commit", () => commitRows(c)),
    history: (projectId, userId, scope, query) => history(projectId, userId, scope._tag === "Global" ? null : scope.tenantId, query),
    listSets: makeListSets(database),
    ...makeExportReads(database)
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<ScopedPreferenceRepository, never, DrizzleDatabase> = Layer.effect(
  ScopedPreferenceRepository,
  Effect.map(DrizzleDatabase, make)
)
