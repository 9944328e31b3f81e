/**
 * `notiflows-prefs export` storage (BULK.md §2.3): every user of a project with its global and
 * tenant sets, from ONE consistent snapshot (a read-only repeatable-read transaction), read in
 * keyset pages by `external_id` in UTF-8 byte order (`collate "C"`), so memory stays constant.
 */
import { sql } from "drizzle-orm"
import type { PreferenceChoicesV2, ProjectId, StoredUserState } from "@notiflows/domain"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { fromJson, json, rowsOf } from "./internal/statements.js"
import { toChoicesV2 } from "./DrizzleTenantRepository.js"
import { globalChoicesOf } from "./DrizzleUserImport.js"

/** One exported user: its external id and stored state. */
export interface ExportedUser {
  readonly externalId: string
  readonly state: StoredUserState
}

const page = async (tx: NotiflowsDatabase, projectId: ProjectId, after: string | null, limit: number): Promise<ReadonlyArray<ExportedUser>> => {
  const users = rowsOf(
    await tx.execute(sql`
      select u.id, u.external_id, u.email, u.phone, u.first_name, u.last_name, u.avatar, u.locale, u.timezone, u.custom_fields,
             s.choices, s.categories
      from users u join preference_sets s on s.project_id = u.project_id and s.user_id = u.id
      where u.project_id = ${projectId}::uuid and (${after}::text is null or u.external_id collate "C" > ${after}::text collate "C")
      order by u.external_id collate "C"
      limit ${limit}`)
  )
  if (users.length === 0) return []
  const tenants = rowsOf(
    await tx.execute(sql`
      select user_id, tenant_id, choices from tenant_preference_sets
      where project_id = ${projectId}::uuid and user_id in (select (jsonb_array_elements_text(${json(users.map((u) => u["id"]))}::jsonb))::uuid)`)
  )
  const byUser = new Map<string, Map<string, PreferenceChoicesV2>>()
  for (const t of tenants) {
    const m = byUser.get(t["user_id"] as string) ?? new Map<string, PreferenceChoicesV2>()
    m.set(t["tenant_id"] as string, toChoicesV2(t["choices"]))
    byUser.set(t["user_id"] as string, m)
  }
  return users.map((u) => ({
    externalId: u["external_id"] as string,
    state: {
      profile: {
        email: u["email"] as string | null,
        phone: u["phone"] as string | null,
        first_name: u["first_name"] as string | null,
        last_name: u["last_name"] as string | null,
        avatar: u["avatar"] as string | null,
        locale: u["locale"] as string | null,
        timezone: u["timezone"] as string | null,
        custom_fields: fromJson<Record<string, never> | null>(u["custom_fields"]) ?? {}
      },
      global: globalChoicesOf(u["choices"], u["categories"]),
      tenants: byUser.get(u["id"] as string) ?? new Map()
    }
  }))
}

/**
 * Reads every user of the project in one snapshot: `onStart(total)` with the count taken in
 * it, then `onPage(users)` per page in external-id order (awaited: the caller's backpressure).
 */
export const exportUsers = (
  database: Database,
  projectId: ProjectId,
  handlers: { readonly onStart: (total: number) => void | Promise<void>; readonly onPage: (users: ReadonlyArray<ExportedUser>) => Promise<void> },
  pageSize = 1000
): Promise<void> =>
  database.db.transaction(
    async (tx) => {
      const counted = rowsOf(await tx.execute(sql`select count(*)::int as n from users where project_id = ${projectId}::uuid`))
      await handlers.onStart(Number(counted[0]?.["n"] ?? 0))
      let after: string | null = null
      for (;;) {
        const users = await page(tx, projectId, after, pageSize)
        if (users.length === 0) return
        await handlers.onPage(users)
        after = users[users.length - 1]!.externalId
        if (users.length < pageSize) return
      }
    },
    { isolationLevel: "repeatable read", accessMode: "read only" }
  )
