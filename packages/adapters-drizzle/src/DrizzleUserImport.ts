/**
 * `notiflows-prefs import` storage (BULK.md §2.2): a batch of lines in ONE transaction of a few
 * multi-row statements (`jsonb_to_recordset` of one JSON parameter, the same on both drivers):
 * read the users and their sets `FOR UPDATE`, plan every line with the domain's `planLine`, then
 * insert the new users, update the changed profiles, write the changed sets with their ledger
 * entries. A concurrent writer either waits for the locks or (a first write racing ours) makes the
 * transaction fail, and the caller retries the batch from a fresh read.
 */
import { sql } from "drizzle-orm"
import type { ImportLine, LinePlan, PreferenceChoicesV2, ProjectId, StoredUserState } from "@notiflows/domain"
import { planLine } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { newUserId } from "./internal/ids.js"
import { fromJson, json, rowsOf } from "./internal/statements.js"
import { toChoicesV2 } from "./DrizzleTenantRepository.js"
import { writeEvents } from "./internal/importEvents.js"
import type { ImportContext, Loaded, Planned } from "./internal/importTypes.js"

export type { ImportContext } from "./internal/importTypes.js"

const PROFILE_COLUMNS = "email text, phone text, first_name text, last_name text, avatar text, locale text, timezone text, custom_fields jsonb"

const profileOf = (r: Record<string, unknown>): StoredUserState["profile"] => ({
  email: r["email"] as string | null,
  phone: r["phone"] as string | null,
  first_name: r["first_name"] as string | null,
  last_name: r["last_name"] as string | null,
  avatar: r["avatar"] as string | null,
  locale: r["locale"] as string | null,
  timezone: r["timezone"] as string | null,
  custom_fields: fromJson<Record<string, never> | null>(r["custom_fields"]) ?? {}
})

/** The global set of a `preference_sets` row (v1 `choices` plus the `categories` column). */
export const globalChoicesOf = (choices: unknown, categories: unknown): PreferenceChoicesV2 => {
  const v1 = fromJson<{ channel_types?: PreferenceChoicesV2["channel_types"]; notiflows?: PreferenceChoicesV2["notiflows"] } | null>(choices)
  return { channel_types: v1?.channel_types ?? {}, categories: fromJson<PreferenceChoicesV2["categories"] | null>(categories) ?? {}, notiflows: v1?.notiflows ?? {} }
}

/** The users of `externalIds` with every set, rows locked for the transaction. */
const loadLocked = async (tx: NotiflowsDatabase, projectId: ProjectId, externalIds: ReadonlyArray<string>): Promise<Map<string, Loaded>> => {
  // One index lookup per id (a LATERAL join): a semi-join would let the planner, without fresh
  // statistics, scan every user of the project for each batch (quadratic over a whole import).
  const users = rowsOf(
    await tx.execute(sql`
      select x.* from jsonb_array_elements_text(${json(externalIds)}::jsonb) as e(external_id)
      cross join lateral (
        select u.id, u.external_id, u.created_at, u.email, u.phone, u.first_name, u.last_name, u.avatar, u.locale, u.timezone, u.custom_fields,
               s.choices, s.categories, s.version
        from users u join preference_sets s on s.project_id = u.project_id and s.user_id = u.id
        where u.project_id = ${projectId}::uuid and u.external_id = e.external_id
        for update of u, s) x`)
  )
  if (users.length === 0) return new Map()
  const tenants = rowsOf(
    await tx.execute(sql`
      select t.* from jsonb_array_elements_text(${json(users.map((u) => u["id"]))}::jsonb) as e(id)
      cross join lateral (
        select user_id, tenant_id, choices, version from tenant_preference_sets
        where project_id = ${projectId}::uuid and user_id = e.id::uuid
        for update) t`)
  )
  const byUser = new Map<string, Map<string, PreferenceChoicesV2>>()
  const versions = new Map<string, Map<string | null, number>>()
  for (const t of tenants) {
    const userId = t["user_id"] as string
    const m = byUser.get(userId) ?? new Map<string, PreferenceChoicesV2>()
    m.set(t["tenant_id"] as string, toChoicesV2(t["choices"]))
    byUser.set(userId, m)
    const v = versions.get(userId) ?? new Map<string | null, number>()
    v.set(t["tenant_id"] as string, Number(t["version"]))
    versions.set(userId, v)
  }
  const out = new Map<string, Loaded>()
  for (const u of users) {
    const userId = u["id"] as string
    const v = versions.get(userId) ?? new Map<string | null, number>()
    v.set(null, Number(u["version"]))
    out.set(u["external_id"] as string, {
      userId,
      createdAt: u["created_at"] instanceof Date ? u["created_at"] : new Date(String(u["created_at"])),
      state: { profile: profileOf(u), global: globalChoicesOf(u["choices"], u["categories"]), tenants: byUser.get(userId) ?? new Map() },
      versions: v
    })
  }
  return out
}

/** The global set a plan writes, if any. */
const globalWrite = (plan: LinePlan) => plan.sets.find((w) => w.tenantId === null)

/**
 * New users, each with its global set in its final state (version 1 and one ledger entry when
 * the line fills it, else version 0) in one statement: the sub-statements read only `x`, and the
 * foreign keys are checked when the statement ends.
 */
const insertUsers = async (tx: NotiflowsDatabase, c: ImportContext, created: ReadonlyArray<Planned>) => {
  if (created.length === 0) return
  const rows = created.map(({ userId, externalId, plan }) => {
    const g = globalWrite(plan)
    return {
      id: userId,
      external_id: externalId,
      ...plan.profile,
      choices: { channel_types: g?.choices.channel_types ?? {}, notiflows: g?.choices.notiflows ?? {} },
      categories: g?.choices.categories ?? {},
      version: g === undefined ? 0 : 1,
      // Set here, so the trigger on the tenant sets' insert below finds it set and rewrites no user row.
      has_tenant_sets: plan.sets.some((s) => s.tenantId !== null),
      history_id: uuidv7(),
      changes: g?.changes ?? [],
      operation: g?.operation ?? "replace"
    }
  })
  const at = c.at.toISOString()
  await tx.execute(sql`
    with x as (
      select * from jsonb_to_recordset(${json(rows)}::jsonb)
        as x(id uuid, external_id text, ${sql.raw(PROFILE_COLUMNS)}, choices jsonb, categories jsonb, version int, has_tenant_sets boolean, history_id uuid, changes jsonb, operation text)),
    u as (
      insert into users (project_id, id, external_id, email, phone, first_name, last_name, avatar, locale, timezone, custom_fields, revision, has_tenant_sets, created_at, updated_at)
      select ${c.projectId}::uuid, id, external_id, email, phone, first_name, last_name, avatar, locale, timezone, coalesce(custom_fields, '{}'::jsonb), 1,
             has_tenant_sets, ${at}::timestamptz, ${at}::timestamptz from x),
    s as (
      insert into preference_sets (project_id, user_id, choices, categories, version, updated_at)
      select ${c.projectId}::uuid, id, choices, categories, version, ${at}::timestamptz from x)
    insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
    select ${c.projectId}::uuid, id, version, history_id, ${at}::timestamptz, 'system', 'cli', ${c.runId}::text, changes, operation, 'import', null
    from x where version > 0`)
}

const updateProfiles = async (tx: NotiflowsDatabase, c: ImportContext, changed: ReadonlyArray<Planned>) => {
  if (changed.length === 0) return
  const rows = changed.map(({ userId, plan }) => ({ id: userId, ...plan.profile }))
  await tx.execute(sql`
    update users u set email = x.email, phone = x.phone, first_name = x.first_name, last_name = x.last_name, avatar = x.avatar,
      locale = x.locale, timezone = x.timezone, custom_fields = coalesce(x.custom_fields, '{}'::jsonb), revision = u.revision + 1,
      updated_at = ${c.at.toISOString()}::timestamptz
    from jsonb_to_recordset(${json(rows)}::jsonb) as x(id uuid, ${sql.raw(PROFILE_COLUMNS)})
    where u.project_id = ${c.projectId}::uuid and u.id = x.id`)
}

/** Changed global sets of existing users, with their ledger entries. */
const writeGlobalSets = async (tx: NotiflowsDatabase, c: ImportContext, existing: ReadonlyArray<Planned>) => {
  const rows = existing.flatMap(({ userId, plan }) =>
    plan.sets
      .filter((s) => s.tenantId === null)
      .map((s) => ({
        user_id: userId,
        choices: { channel_types: s.choices.channel_types, notiflows: s.choices.notiflows },
        categories: s.choices.categories,
        history_id: uuidv7(),
        changes: s.changes,
        operation: s.operation
      }))
  )
  if (rows.length === 0) return
  const at = c.at.toISOString()
  await tx.execute(sql`
    with x as (select * from jsonb_to_recordset(${json(rows)}::jsonb) as x(user_id uuid, choices jsonb, categories jsonb, history_id uuid, changes jsonb, operation text)),
    w as (
      update preference_sets s set choices = x.choices, categories = x.categories, version = s.version + 1, updated_at = ${at}::timestamptz
      from x where s.project_id = ${c.projectId}::uuid and s.user_id = x.user_id
      returning s.project_id, s.user_id, s.version)
    insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
    select w.project_id, w.user_id, w.version, x.history_id, ${at}::timestamptz, 'system', 'cli', ${c.runId}::text, x.changes, x.operation, 'import', null
    from w join x on x.user_id = w.user_id`)
}

const writeTenantSets = async (tx: NotiflowsDatabase, c: ImportContext, planned: ReadonlyArray<Planned>, loaded: ReadonlyMap<string, Loaded>) => {
  const rows = planned.flatMap(({ userId, externalId, plan }) =>
    plan.sets.flatMap((s) =>
      s.tenantId === null
        ? []
        : [{ user_id: userId, tenant_id: s.tenantId, exists: loaded.get(externalId)?.state.tenants.has(s.tenantId) ?? false, choices: s.choices, history_id: uuidv7(), changes: s.changes, operation: s.operation }]
    )
  )
  if (rows.length === 0) return
  const at = c.at.toISOString()
  // Existing sets (locked) are updated; new ones inserted: a concurrent first write makes the
  // insert fail on the primary key and the batch is retried from a fresh read.
  await tx.execute(sql`
    with x as (select * from jsonb_to_recordset(${json(rows)}::jsonb) as x(user_id uuid, tenant_id text, "exists" boolean, choices jsonb, history_id uuid, changes jsonb, operation text)),
    updated as (
      update tenant_preference_sets t set choices = x.choices, version = t.version + 1, updated_at = ${at}::timestamptz
      from x where x."exists" and t.project_id = ${c.projectId}::uuid and t.user_id = x.user_id and t.tenant_id = x.tenant_id
      returning t.project_id, t.user_id, t.tenant_id, t.version),
    inserted as (
      insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
      select ${c.projectId}::uuid, user_id, tenant_id, choices, 1, ${at}::timestamptz from x where not x."exists"
      returning project_id, user_id, tenant_id, version)
    insert into tenant_preference_history (project_id, user_id, tenant_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
    select w.project_id, w.user_id, w.tenant_id, w.version, x.history_id, ${at}::timestamptz, 'system', 'cli', ${c.runId}::text, x.changes, x.operation, 'import', null
    from (select * from updated union all select * from inserted) w join x on x.user_id = w.user_id and x.tenant_id = w.tenant_id`)
}

/**
 * Import fills tables fast, often from empty, in one long session, without statistics. Two plans
 * then go quadratic: foreign-key checks keep the generic plan cached while the table was empty (a
 * sequential scan of `users` per checked row), and the batch `UPDATE … FROM` hash-joins every set
 * of the project. So each batch discards the session's cached plans (they are re-planned at the
 * table's current size) and, for this transaction only, prefers index nested loops.
 */
const steerPlans = async (tx: NotiflowsDatabase) => {
  await tx.execute(sql`discard plans`)
  await tx.execute(sql`select set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)`)
}

/**
 * Applies a batch of valid lines with distinct external ids, all or nothing, and answers each
 * line's outcome in order. Rejects with the driver's error (the caller retries the batch).
 */
export const applyImportBatch = async (database: Database, c: ImportContext, lines: ReadonlyArray<ImportLine>): Promise<ReadonlyArray<LinePlan["outcome"]>> =>
  database.db.transaction(async (tx) => {
    await steerPlans(tx)
    const loaded = await loadLocked(tx, c.projectId, lines.map((l) => l.externalId))
    const planned: Array<Planned> = lines.map((line) => {
      const current = loaded.get(line.externalId)
      return { userId: current?.userId ?? newUserId(), externalId: line.externalId, plan: planLine(current?.state, line, c.mode) }
    })
    await insertUsers(tx, c, planned.filter((p) => p.plan.outcome === "created"))
    await updateProfiles(tx, c, planned.filter((p) => p.plan.outcome === "updated" && p.plan.profileChanged))
    await writeGlobalSets(tx, c, planned.filter((p) => p.plan.outcome === "updated"))
    await writeTenantSets(tx, c, planned, loaded)
    await writeEvents(tx, c, planned, loaded)
    return planned.map((p) => p.plan.outcome)
  })

/** Every notiflow and category id of the project, deleted ones included (what is not "unknown"). */
export const catalogIds = async (database: Database, projectId: ProjectId): Promise<{ readonly notiflows: ReadonlySet<string>; readonly categories: ReadonlySet<string> }> => {
  const rows = rowsOf(
    await database.db.execute(sql`
      select 'n' as kind, id from notiflows where project_id = ${projectId}::uuid
      union all select 'c', id from categories where project_id = ${projectId}::uuid`)
  )
  return {
    notiflows: new Set(rows.filter((r) => r["kind"] === "n").map((r) => r["id"] as string)),
    categories: new Set(rows.filter((r) => r["kind"] === "c").map((r) => r["id"] as string))
  }
}
