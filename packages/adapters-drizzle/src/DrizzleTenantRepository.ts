/**
 * {@link TenantRepository} over drizzle: tenant defaults and locks as one row per (project,
 * tenant), written by ONE compare-and-set statement (an `INSERT ... ON CONFLICT DO NOTHING` when
 * revision 0 is expected, else `UPDATE ... WHERE revision = $expected`); the tenants list is derived from
 * the defaults (`has_defaults`) and the user×tenant sets in one query.
 */
import { and, eq, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { EventInput, PreferenceChoicesV2, ProjectId, RepositoryError, Slice, StoredTenantDefaults, TenantDefaults, TenantId, TenantSummary, UserId } from "@notiflows/domain"
import { emptyTenantDefaults, hasDefaults, TenantRepository, VersionConflict } from "@notiflows/domain"
import { tenantDefaults } from "./schema.js"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { withEvents } from "./internal/outbox.js"
import { fromJson, hot, json, rowsOf } from "./internal/statements.js"

const P = sql.placeholder

const NONE: StoredTenantDefaults = { defaults: emptyTenantDefaults, revision: 0 }

/** A stored `{channel_types, categories, notiflows}` object, every map present. */
export const toChoicesV2 = (value: unknown): PreferenceChoicesV2 => {
  const raw = fromJson<Partial<PreferenceChoicesV2> | null>(value)
  return { channel_types: raw?.channel_types ?? {}, categories: raw?.categories ?? {}, notiflows: raw?.notiflows ?? {} }
}

/** The stored form of a `{channel_types, categories, notiflows}` object. */
export const choicesJson = (c: PreferenceChoicesV2): string => json({ channel_types: c.channel_types, categories: c.categories, notiflows: c.notiflows })

const toStored = (r: { defaults: unknown; locks: unknown; revision: number }): StoredTenantDefaults => ({
  defaults: { ...toChoicesV2(r.defaults), locks: toChoicesV2(r.locks) },
  revision: r.revision
})

/** The port over a database. */
export const make = ({ db, prepare }: Database): TenantRepository["Type"] => {
  const byId = (projectId: ProjectId, tenantId: TenantId) => and(eq(tenantDefaults.projectId, projectId), eq(tenantDefaults.tenantId, tenantId))

  // Read on every tenant-scoped view and evaluation: prepared like the preference statements.
  const load = hot(
    db
      .select({ defaults: tenantDefaults.defaults, locks: tenantDefaults.locks, revision: tenantDefaults.revision })
      .from(tenantDefaults)
      .where(and(eq(tenantDefaults.projectId, P("projectId")), eq(tenantDefaults.tenantId, P("tenantId")))),
    "nf_tenant_defaults_load",
    prepare
  )

  const actualRevision = (projectId: ProjectId, tenantId: TenantId) =>
    Effect.map(
      run("tenants.saveDefaults", () => db.select({ revision: tenantDefaults.revision }).from(tenantDefaults).where(byId(projectId, tenantId))),
      (rows) => rows[0]?.revision ?? 0
    )

  const conflict = (projectId: ProjectId, tenantId: TenantId, expected: number) =>
    Effect.flatMap(actualRevision(projectId, tenantId), (actual) => Effect.fail(new VersionConflict({ expected, actual })))

  const saveDefaults = (
    projectId: ProjectId,
    tenantId: TenantId,
    defaults: TenantDefaults,
    expectedRevision: number,
    events?: ReadonlyArray<EventInput>
  ): Effect.Effect<StoredTenantDefaults, VersionConflict | RepositoryError> => {
    const values = choicesJson(defaults)
    const locks = choicesJson(defaults.locks)
    const has = hasDefaults(defaults)
    const at = new Date().toISOString()
    // None expected: insert (a row stored meanwhile wins on the key); else update at the expected revision.
    const statement =
      expectedRevision === 0
        ? sql`
          insert into tenant_defaults (project_id, tenant_id, defaults, locks, has_defaults, revision, updated_at)
          values (${projectId}::uuid, ${tenantId}, ${values}::jsonb, ${locks}::jsonb, ${has}, 1, ${at}::timestamptz)
          on conflict (project_id, tenant_id) do nothing
          returning revision`
        : sql`
          update tenant_defaults
          set defaults = ${values}::jsonb, locks = ${locks}::jsonb, has_defaults = ${has}, revision = revision + 1, updated_at = ${at}::timestamptz
          where project_id = ${projectId}::uuid and tenant_id = ${tenantId} and revision = ${expectedRevision}::int
          returning revision`
    // The defaults and their events commit together (one transaction when there are events).
    return Effect.flatMap(run("tenants.saveDefaults", () => withEvents(db, projectId, events, async (tx) => rowsOf(await tx.execute(statement)))), (rows) => {
      const row = rows[0]
      return row !== undefined
        ? Effect.succeed<StoredTenantDefaults>({ defaults, revision: Number(row.revision) })
        : conflict(projectId, tenantId, expectedRevision)
    })
  }

  const deleteDefaults = (projectId: ProjectId, tenantId: TenantId, expectedRevision: number): Effect.Effect<void, VersionConflict | RepositoryError> =>
    expectedRevision === 0
      ? // Nothing stored is expected: holds only while nothing is stored.
        Effect.flatMap(actualRevision(projectId, tenantId), (actual) =>
          actual === 0 ? Effect.void : Effect.fail(new VersionConflict({ expected: 0, actual }))
        )
      : Effect.flatMap(
          run("tenants.deleteDefaults", () =>
            db
              .delete(tenantDefaults)
              .where(and(byId(projectId, tenantId), eq(tenantDefaults.revision, expectedRevision)))
              .returning({ revision: tenantDefaults.revision })
          ),
          (rows) => (rows.length > 0 ? Effect.void : conflict(projectId, tenantId, expectedRevision))
        )

  const list = (projectId: ProjectId, query: { readonly limit: number; readonly after?: TenantId; readonly before?: TenantId }, userId: Option.Option<UserId>) => {
    const { after, before, limit } = query
    // The existing tenants: with defaults, or with a user×tenant set (only the user's when asked).
    const ids = Option.isSome(userId)
      ? sql`select tenant_id from tenant_preference_sets where project_id = ${projectId}::uuid and user_id = ${userId.value}::uuid`
      : sql`select tenant_id from tenant_defaults where project_id = ${projectId}::uuid and has_defaults
            union
            select distinct tenant_id from tenant_preference_sets where project_id = ${projectId}::uuid`
    const bounds = sql.join(
      [
        sql`true`,
        ...(after !== undefined ? [sql`t.tenant_id collate "C" > ${after}`] : []),
        ...(before !== undefined ? [sql`t.tenant_id collate "C" < ${before}`] : [])
      ],
      sql` and `
    )
    // Reading `before` a key takes the nearest smaller ids (descending), answered ascending.
    const order = before !== undefined ? sql`desc` : sql`asc`
    const statement = sql`
      select t.tenant_id as id, coalesce(d.has_defaults, false) as has_defaults
      from (${ids}) t
      left join tenant_defaults d on d.project_id = ${projectId}::uuid and d.tenant_id = t.tenant_id
      where ${bounds}
      order by t.tenant_id collate "C" ${order}
      limit ${limit + 1}`
    return Effect.map(run("tenants.list", () => db.execute(statement)), (result): Slice<TenantSummary> => {
      const rows = rowsOf(result)
      const items = rows.slice(0, limit).map((r): TenantSummary => ({ id: String(r.id) as TenantId, has_defaults: r.has_defaults === true }))
      return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
    })
  }

  return {
    loadDefaults: (projectId, tenantId) =>
      Effect.map(run("tenants.loadDefaults", () => load.execute({ projectId, tenantId })), (rows) => (rows[0] === undefined ? NONE : toStored(rows[0]))),
    saveDefaults,
    deleteDefaults,
    list
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<TenantRepository, never, DrizzleDatabase> = Layer.effect(TenantRepository, Effect.map(DrizzleDatabase, make))
