/**
 * The outbox of an import batch (EVENTS.md §2, Decision 5): per line, `user.created` for a new
 * user or `user.updated` for a changed profile, then one `preferences.updated` per set write, in
 * the batch's order, written by one multi-row `INSERT` in the batch's transaction.
 */
import { sql } from "drizzle-orm"
import type { EventInput, ExternalUserId, StoredEvent, TenantId, User, UserId } from "@notiflows/domain"
import { preferencesUpdatedEvent, renderEvent, userEvent } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import type { ImportContext, Loaded, Planned } from "./importTypes.js"
import { IMPORT_ACTOR } from "./importTypes.js"
import type { NotiflowsDatabase } from "./database.js"

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
 * One event as an element of the statement's JSON array, built as text: the payload is already
 * JSON (the stored text), so it goes in as a value instead of a string escaped a second time.
 */
const eventRow = (e: StoredEvent): string =>
  `{"id":"${e.id}","type":${JSON.stringify(e.type)},"ordering_key":${JSON.stringify(e.orderingKey)},"user_id":${e.userId === null ? "null" : `"${e.userId}"`},"payload":${e.payload}}`

/**
 * The batch's events: a line's profile event, then one `preferences.updated` per set write (a
 * user's global set, then its tenant sets); `version` is the set's after the write (the stored
 * one, locked, plus one).
 */
export const writeEvents = async (tx: NotiflowsDatabase, c: ImportContext, planned: ReadonlyArray<Planned>, loaded: ReadonlyMap<string, Loaded>) => {
  const rows: Array<string> = []
  const add = (e: StoredEvent) => rows.push(eventRow(e))
  for (const p of planned) {
    const { userId, externalId, plan } = p
    const profile = profileEvent(c, p, loaded.get(externalId))
    if (profile !== undefined) add(renderEvent(uuidv7(), c.projectId, profile, userId as UserId))
    for (const w of plan.sets) {
      const version = (loaded.get(externalId)?.versions.get(w.tenantId) ?? 0) + 1
      const input = preferencesUpdatedEvent({
        externalId: externalId as ExternalUserId,
        tenantId: w.tenantId as TenantId | null,
        version,
        preferences: w.choices,
        history: { actor: IMPORT_ACTOR, request_id: c.runId, changed_at: c.at, changes: w.changes, operation: w.operation, source: "import", context: null }
      })
      add(renderEvent(uuidv7(), c.projectId, input, userId as UserId))
    }
  }
  if (rows.length === 0) return
  // `json`, not `jsonb`: a `json` value keeps its text as sent, so `payload::text` is the rendered text.
  // `xid` and `seq` come from the columns' defaults, evaluated row by row in the `order by`'s order
  // (naming the sequence with `pg_get_serial_sequence` resolved it for every row: ~18 µs an event).
  await tx.execute(sql`
    insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
    select ${c.projectId}::uuid, x.id, x.type, ${c.at.toISOString()}::timestamptz, x.ordering_key, x.user_id, x.payload::text
    from rows from (json_to_recordset(${`[${rows.join(",")}]`}::json) as (id uuid, type text, ordering_key text, user_id uuid, payload json)) with ordinality
      as x(id, type, ordering_key, user_id, payload, n)
    order by x.n`)
}
