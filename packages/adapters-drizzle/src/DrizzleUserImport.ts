/**
 * `notiflows-prefs import` storage (BULK.md §2.2): a batch of lines in ONE transaction of a few
 * multi-row statements (`jsonb_to_recordset` of one JSON parameter, the same on both drivers):
 * read the users and their sets `FOR UPDATE`, plan every line with the domain's `planLine`, then
 * insert the new users, update the changed profiles, write the changed sets with their ledger
 * entries. A concurrent writer either waits for the locks or (a first write racing ours) makes the
 * transaction fail, and the caller retries the batch from a fresh read.
 */
import { sql } from "drizzle-orm"
import type { ImportLine, ImportMode, LinePlan, PreferenceChoicesV2, ProjectId, StoredUserState } from "@notiflows/domain"
import { planLine } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { newUserId } from "./internal/ids.js"
import { fromJson, json, rowsOf } from "./internal/statements.js"
import { toChoicesV2 } from "./DrizzleTenantRepository.js"

/** Who and which run the ledger entries name (EVENTS.md §1.1: `import`, actor system `cli`). */
export interface ImportContext {
  readonly projectId: ProjectId
  readonly mode: ImportMode
  /** The run id `imp_…`: every entry's `request_id`. */
  readonly runId: string
  readonly at: Date
}

interface Loaded {
  readonly userId: string
  readonly state: StoredUserState
}

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
  const users = rowsOf(
    await tx.execute(sql`
      select u.id, u.external_id, u.email, u.phone, u.first_name, u.last_name, u.avatar, u.locale, u.timezone, u.custom_fields,
             s.choices, s.categories
      from users u join preference_sets s on s.project_id = u.project_id and s.user_id = u.id
      where u.project_id = ${projectId}::uuid and u.external_id in (select jsonb_array_elements_text(${json(externalIds)}::jsonb))
      for update of u, s`)
  )
  if (users.length === 0) return new Map()
  const tenants = rowsOf(
    await tx.execute(sql`
      select user_id, tenant_id, choices from tenant_preference_sets
      where project_id = ${projectId}::uuid and user_id in (select (jsonb_array_elements_text(${json(users.map((u) => u["id"]))}::jsonb))::uuid)
      for update`)
  )
  const byUser = new Map<string, Map<string, PreferenceChoicesV2>>()
  for (const t of tenants) {
    const m = byUser.get(t["user_id"] as string) ?? new Map<string, PreferenceChoicesV2>()
    m.set(t["tenant_id"] as string, toChoicesV2(t["choices"]))
    byUser.set(t["user_id"] as string, m)
  }
  const out = new Map<string, Loaded>()
  for (const u of users) {
    const userId = u["id"] as string
    out.set(u["external_id"] as string, {
      userId,
      state: { profile: profileOf(u), global: globalChoicesOf(u["choices"], u["categories"]), tenants: byUser.get(userId) ?? new Map() }
    })
  }
  return out
}

type Planned = { readonly userId: string; readonly externalId: string; readonly plan: LinePlan }

const insertUsers = async (tx: NotiflowsDatabase, c: ImportContext, created: ReadonlyArray<Planned>) => {
  if (created.length === 0) return
  const rows = created.map(({ userId, externalId, plan }) => ({ id: userId, external_id: externalId, ...plan.profile }))
  const at = c.at.toISOString()
  await tx.execute(sql`
    with x as (select * from jsonb_to_recordset(${json(rows)}::jsonb) as x(id uuid, external_id text, ${sql.raw(PROFILE_COLUMNS)})),
    u as (
      insert into users (project_id, id, external_id, email, phone, first_name, last_name, avatar, locale, timezone, custom_fields, revision, created_at, updated_at)
      select ${c.projectId}::uuid, id, external_id, email, phone, first_name, last_name, avatar, locale, timezone, coalesce(custom_fields, '{}'::jsonb), 1,
             ${at}::timestamptz, ${at}::timestamptz from x
      returning project_id, id)
    insert into preference_sets (project_id, user_id, choices, categories, version, updated_at)
    select project_id, id, '{"channel_types":{},"notiflows":{}}'::jsonb, '{}'::jsonb, 0, ${at}::timestamptz from u`)
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

const writeGlobalSets = async (tx: NotiflowsDatabase, c: ImportContext, planned: ReadonlyArray<Planned>) => {
  const rows = planned.flatMap(({ userId, plan }) =>
    plan.sets
      .filter((s) => s.tenantId === null)
      .map((s) => ({
        user_id: userId,
        choices: { channel_types: s.choices.channel_types, notiflows: s.choices.notiflows },
        categories: s.choices.categories,
        history_id: uuidv7(),
        changes: s.changes
      }))
  )
  if (rows.length === 0) return
  const at = c.at.toISOString()
  await tx.execute(sql`
    with x as (select * from jsonb_to_recordset(${json(rows)}::jsonb) as x(user_id uuid, choices jsonb, categories jsonb, history_id uuid, changes jsonb)),
    w as (
      update preference_sets s set choices = x.choices, categories = x.categories, version = s.version + 1, updated_at = ${at}::timestamptz
      from x where s.project_id = ${c.projectId}::uuid and s.user_id = x.user_id
      returning s.project_id, s.user_id, s.version)
    insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes)
    select w.project_id, w.user_id, w.version, x.history_id, ${at}::timestamptz, 'system', 'cli', ${c.runId}::text, x.changes
    from w join x on x.user_id = w.user_id`)
}

const writeTenantSets = async (tx: NotiflowsDatabase, c: ImportContext, planned: ReadonlyArray<Planned>, loaded: ReadonlyMap<string, Loaded>) => {
  const rows = planned.flatMap(({ userId, externalId, plan }) =>
    plan.sets.flatMap((s) =>
      s.tenantId === null
        ? []
        : [{ user_id: userId, tenant_id: s.tenantId, exists: loaded.get(externalId)?.state.tenants.has(s.tenantId) ?? false, choices: s.choices, history_id: uuidv7(), changes: s.changes }]
    )
  )
  if (rows.length === 0) return
  const at = c.at.toISOString()
  // Existing sets (locked) are updated; new ones inserted: a concurrent first write makes the
  // insert fail on the primary key and the batch is retried from a fresh read.
  await tx.execute(sql`
    with x as (select * from jsonb_to_recordset(${json(rows)}::jsonb) as x(user_id uuid, tenant_id text, "exists" boolean, choices jsonb, history_id uuid, changes jsonb)),
    updated as (
      update tenant_preference_sets t set choices = x.choices, version = t.version + 1, updated_at = ${at}::timestamptz
      from x where x."exists" and t.project_id = ${c.projectId}::uuid and t.user_id = x.user_id and t.tenant_id = x.tenant_id
      returning t.project_id, t.user_id, t.tenant_id, t.version),
    inserted as (
      insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
      select ${c.projectId}::uuid, user_id, tenant_id, choices, 1, ${at}::timestamptz from x where not x."exists"
      returning project_id, user_id, tenant_id, version)
    insert into tenant_preference_history (project_id, user_id, tenant_id, version, id, changed_at, actor_type, actor_id, request_id, changes)
    select w.project_id, w.user_id, w.tenant_id, w.version, x.history_id, ${at}::timestamptz, 'system', 'cli', ${c.runId}::text, x.changes
    from (select * from updated union all select * from inserted) w join x on x.user_id = w.user_id and x.tenant_id = w.tenant_id`)
}

/**
 * Applies a batch of valid lines with distinct external ids, all or nothing, and answers each
 * line's outcome in order. Rejects with the driver's error (the caller retries the batch).
 */
export const applyImportBatch = async (database: Database, c: ImportContext, lines: ReadonlyArray<ImportLine>): Promise<ReadonlyArray<LinePlan["outcome"]>> =>
  database.db.transaction(async (tx) => {
    const loaded = await loadLocked(tx, c.projectId, lines.map((l) => l.externalId))
    const planned: Array<Planned> = lines.map((line) => {
      const current = loaded.get(line.externalId)
      return { userId: current?.userId ?? newUserId(), externalId: line.externalId, plan: planLine(current?.state, line, c.mode) }
    })
    await insertUsers(tx, c, planned.filter((p) => p.plan.outcome === "created"))
    await updateProfiles(tx, c, planned.filter((p) => p.plan.outcome === "updated" && p.plan.profileChanged))
    await writeGlobalSets(tx, c, planned)
    await writeTenantSets(tx, c, planned, loaded)
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
