/**
 * `notiflows-prefs export` storage (BULK.md §2.3): every user of a project with its global and
 * tenant sets, from ONE consistent snapshot (a read-only repeatable-read transaction), read in
 * pages of a cursor ordered by `external_id` in UTF-8 byte order (`collate "C"`), so memory stays
 * constant. A cursor rather than keyset pages: `collate "C"` order has no index unless the
 * database's collation is C, and a keyset page would then sort the whole project each time.
 */
import { sql } from "drizzle-orm"
import type { ProjectId, StoredUserState } from "@notiflows/domain"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { fromJson, rowsOf } from "./internal/statements.js"
import { toChoicesV2 } from "./DrizzleTenantRepository.js"
import { globalChoicesOf } from "./DrizzleUserImport.js"

/** One exported user: its external id and stored state. */
export interface ExportedUser {
  readonly externalId: string
  readonly state: StoredUserState
}

const toExported = (u: Record<string, unknown>): ExportedUser => ({
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
    tenants: new Map(Object.entries(fromJson<Record<string, unknown> | null>(u["tenants"]) ?? {}).map(([t, c]) => [t, toChoicesV2(c)]))
  }
})

/**
 * The cursor over every user in UTF-8 byte order, each row with its tenant sets (one index lookup
 * per user). The server sorts once (spilling to disk when large); the client holds one page.
 */
const declareCursor = (tx: NotiflowsDatabase, projectId: ProjectId) =>
  tx.execute(sql`
    declare nf_export no scroll cursor for
    select u.external_id, u.email, u.phone, u.first_name, u.last_name, u.avatar, u.locale, u.timezone, u.custom_fields, s.choices, s.categories,
           (select jsonb_object_agg(t.tenant_id, t.choices) from tenant_preference_sets t where t.project_id = u.project_id and t.user_id = u.id) as tenants
    from users u join preference_sets s on s.project_id = u.project_id and s.user_id = u.id
    where u.project_id = ${projectId}::uuid
    order by u.external_id collate "C"`)

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
      await declareCursor(tx, projectId)
      for (;;) {
        const rows = rowsOf(await tx.execute(sql`fetch forward ${sql.raw(String(Math.trunc(pageSize)))} from nf_export`))
        if (rows.length > 0) await handlers.onPage(rows.map(toExported))
        if (rows.length < pageSize) return
      }
    },
    { isolationLevel: "repeatable read", accessMode: "read only" }
  )
