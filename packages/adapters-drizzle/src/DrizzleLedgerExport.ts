/**
 * The reads of the data-subject export (EVENTS.md §1.2) over drizzle: the user and every set in
 * ONE statement (a statement is one snapshot, so no transaction is held), then the ledger in
 * keyset pages — each one short statement over both history tables, bounded by the snapshot's
 * versions and ordered by `(changed_at, tenant_id` with the global set first`, version)` — that
 * also answer whether the user still exists (an erasure during the export).
 */
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Actor, Change, ScopedHistoryEntry, ScopedPreferenceRepository, TenantId, User, UserExportSnapshot } from "@notiflows/domain"
import { globalChoicesOf } from "./DrizzleUserImport.js"
import { ledgerOf } from "./DrizzlePreferenceRepository.js"
import { toChoicesV2 } from "./DrizzleTenantRepository.js"
import type { Database } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { fromJson, json, rowsOf } from "./internal/statements.js"

type Port = ScopedPreferenceRepository["Type"]

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)))
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

const toUser = (r: Record<string, unknown>): User => ({
  id: String(r["id"]) as User["id"],
  external_id: String(r["external_id"]) as User["external_id"],
  email: text(r["email"]),
  phone: text(r["phone"]),
  first_name: text(r["first_name"]),
  last_name: text(r["last_name"]),
  avatar: text(r["avatar"]),
  locale: text(r["locale"]),
  timezone: text(r["timezone"]),
  custom_fields: fromJson<User["custom_fields"] | null>(r["custom_fields"]) ?? {},
  created_at: date(r["created_at"]),
  updated_at: date(r["updated_at"]),
  revision: Number(r["revision"])
})

const toEntry = (r: Record<string, unknown>): ScopedHistoryEntry => ({
  id: String(r["id"]),
  version: Number(r["version"]),
  tenant_id: text(r["tenant_id"]) as TenantId | null,
  changed_at: date(r["changed_at"]),
  actor: { type: String(r["actor_type"]) as Actor["type"], id: String(r["actor_id"]) },
  request_id: text(r["request_id"]),
  changes: fromJson<ReadonlyArray<Change>>(r["changes"]),
  ...ledgerOf({ operation: String(r["operation"]), source: String(r["source"]), context: r["context"] })
})

/** `exportSnapshot` and `ledgerPage` of the scoped preference port. */
export const makeExportReads = ({ db }: Database): Pick<Port, "exportSnapshot" | "ledgerPage"> => ({
  exportSnapshot: (projectId, externalId) =>
    Effect.map(
      run("preferences.exportSnapshot", () =>
        db.execute(sql`
          select u.id, u.external_id, u.email, u.phone, u.first_name, u.last_name, u.avatar, u.locale, u.timezone, u.custom_fields,
                 u.revision, u.created_at, u.updated_at, s.choices, s.categories, s.version,
                 (select coalesce(jsonb_agg(jsonb_build_object('tenant_id', t.tenant_id, 'choices', t.choices, 'version', t.version)
                                            order by t.tenant_id collate "C"), '[]'::jsonb)
                  from tenant_preference_sets t where t.project_id = u.project_id and t.user_id = u.id) as tenants
          from users u join preference_sets s on s.project_id = u.project_id and s.user_id = u.id
          where u.project_id = ${projectId}::uuid and u.external_id = ${externalId}`)
      ),
      (result) =>
        Option.map(Option.fromNullable(rowsOf(result)[0]), (r): UserExportSnapshot => {
          const tenants = fromJson<ReadonlyArray<{ tenant_id: string; choices: unknown; version: number }>>(r["tenants"])
          return {
            user: toUser(r),
            sets: [
              { tenantId: null, set: { version: Number(r["version"]), ...globalChoicesOf(r["choices"], r["categories"]) } },
              ...tenants.map((t) => ({ tenantId: t.tenant_id as TenantId, set: { version: Number(t.version), ...toChoicesV2(t.choices) } }))
            ]
          }
        })
    ),
  ledgerPage: (projectId, userId, bounds, after, limit) => {
    const globalBound = bounds.find((b) => b.tenantId === null)?.version ?? -1
    const tenantBounds = json(Object.fromEntries(bounds.flatMap((b) => (b.tenantId === null ? [] : [[b.tenantId, b.version]]))))
    const from =
      after === null
        ? sql`true`
        : sql`(h.changed_at, coalesce(h.tenant_id, '') collate "C", h.version) > (${after.changedAt.toISOString()}::timestamptz, ${after.tenantId ?? ""}::text collate "C", ${after.version}::int)`
    return Effect.map(
      run("preferences.ledgerPage", () =>
        db.execute(sql`
          with alive as (select exists (select 1 from users where project_id = ${projectId}::uuid and id = ${userId}::uuid) as alive),
          bounds as (select key as tenant_id, value::int as version from jsonb_each_text(${tenantBounds}::jsonb)),
          h as (
            select null::text as tenant_id, g.version, g.id, g.changed_at, g.actor_type, g.actor_id, g.request_id, g.changes, g.operation, g.source, g.context
            from preference_history g
            where g.project_id = ${projectId}::uuid and g.user_id = ${userId}::uuid and g.version <= ${globalBound}::int
            union all
            select t.tenant_id, t.version, t.id, t.changed_at, t.actor_type, t.actor_id, t.request_id, t.changes, t.operation, t.source, t.context
            from tenant_preference_history t join bounds b on b.tenant_id = t.tenant_id
            where t.project_id = ${projectId}::uuid and t.user_id = ${userId}::uuid and t.version <= b.version
          ),
          page as (
            select h.* from h where ${from}
            order by h.changed_at, coalesce(h.tenant_id, '') collate "C", h.version
            limit ${limit}
          )
          select alive.alive, page.* from alive left join page on true
          order by page.changed_at, coalesce(page.tenant_id, '') collate "C", page.version`)
      ),
      (result) => {
        const rows = rowsOf(result)
        return { entries: rows.filter((r) => r["id"] !== null && r["id"] !== undefined).map(toEntry), userExists: rows[0]?.["alive"] === true }
      }
    )
  }
})
