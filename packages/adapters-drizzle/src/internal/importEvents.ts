/**
 * The outbox of an import batch (EVENTS.md §2, Decision 5): per line, `user.created` for a new
 * user or `user.updated` for a changed profile, then one `preferences.updated` per set write, in
 * the batch's order, written by one multi-row `INSERT` in the batch's transaction.
 */
import { sql } from "drizzle-orm"
import type { EventInput, ExternalUserId, TenantId, User, UserId } from "@notiflows/domain"
import { preferencesUpdatedEvent, renderEvent, userEvent } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import type { ImportContext, Loaded, Planned } from "./importTypes.js"
import { IMPORT_ACTOR } from "./importTypes.js"
import type { NotiflowsDatabase } from "./database.js"
import { json } from "./statements.js"

/** JSON text with object keys sorted (profile fields compare by value, not key order). */
const stable = (v: unknown): string =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? `{${Object.keys(v)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
        .join(",")}}`
    : Array.isArray(v)
      ? `[${v.map(stable).join(",")}]`
      : JSON.stringify(v)

/**
 * `user.created` for a new user, `user.updated` (with `changed_fields`) for a changed profile
 * (EVENTS.md §2, Decision 5): the user as `GET /admin/users/{id}` shows it after the line.
 */
const profileEvent = (c: ImportContext, { externalId, plan }: Planned, current: Loaded | undefined): EventInput | undefined => {
  const by = { actor: IMPORT_ACTOR, requestId: c.runId, source: "import" as const }
  const user = (createdAt: Date, revision: number) => (id: UserId): User => ({
    id,
    external_id: externalId as ExternalUserId,
    ...(plan.profile as Omit<User, "id" | "external_id" | "created_at" | "updated_at" | "revision">),
    created_at: createdAt,
    updated_at: c.at,
    revision
  })
  if (plan.outcome === "created") return userEvent({ type: "user.created", externalId: externalId as ExternalUserId, at: c.at, user: user(c.at, 1), by })
  if (plan.outcome !== "updated" || !plan.profileChanged || current === undefined) return undefined
  const before = current.state.profile as Readonly<Record<string, unknown>>
  const after = plan.profile as Readonly<Record<string, unknown>>
  const changedFields = Object.keys(after).filter((k) => stable(before[k] ?? null) !== stable(after[k] ?? null))
  return userEvent({ type: "user.updated", externalId: externalId as ExternalUserId, at: c.at, user: user(current.createdAt, 0), changedFields, by })
}

/**
 * The batch's events: a line's profile event, then one `preferences.updated` per set write (a
 * user's global set, then its tenant sets); `version` is the set's after the write (the stored
 * one, locked, plus one).
 */
export const writeEvents = async (tx: NotiflowsDatabase, c: ImportContext, planned: ReadonlyArray<Planned>, loaded: ReadonlyMap<string, Loaded>) => {
  const rows = planned.flatMap((p) => {
    const { userId, externalId, plan } = p
    const profile = profileEvent(c, p, loaded.get(externalId))
    const first = profile === undefined ? [] : [renderEvent(uuidv7(), c.projectId, profile, userId as UserId)]
    return [...first, ...plan.sets.map((w) => {
      const version = (loaded.get(externalId)?.versions.get(w.tenantId) ?? 0) + 1
      const input = preferencesUpdatedEvent({
        externalId: externalId as ExternalUserId,
        tenantId: w.tenantId as TenantId | null,
        version,
        preferences: w.choices,
        history: { actor: IMPORT_ACTOR, request_id: c.runId, changed_at: c.at, changes: w.changes, operation: w.operation, source: "import", context: null }
      })
      return renderEvent(uuidv7(), c.projectId, input, userId as UserId)
    })].map((e) => ({ id: e.id, type: e.type, ordering_key: e.orderingKey, user_id: e.userId, payload: e.payload }))
  })
  if (rows.length === 0) return
  await tx.execute(sql`
    insert into events (project_id, xid, seq, id, type, occurred_at, ordering_key, user_id, payload)
    select ${c.projectId}::uuid, (pg_current_xact_id()::text)::bigint, nextval(pg_get_serial_sequence('events', 'seq')),
           x.id, x.type, ${c.at.toISOString()}::timestamptz, x.ordering_key, x.user_id, x.payload
    from rows from (jsonb_to_recordset(${json(rows)}::jsonb) as (id uuid, type text, ordering_key text, user_id uuid, payload text)) with ordinality
      as x(id, type, ordering_key, user_id, payload, n)
    order by x.n`)
}

