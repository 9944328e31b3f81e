/**
 * {@link WebhookDeliveryRepository} over drizzle (EVENTS.md §4.5): the deliveries log with its
 * attempts, replays (a range below the feed's horizon, or ids) and test pings' records.
 */
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AttemptError, Delivery, DeliveryStatus, DeliveryTrigger, FeedPosition, ProjectId } from "@notiflows/domain"
import { CursorExpired, WebhookConflict, WebhookDeliveryRepository, WebhookNotFound } from "@notiflows/domain"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { newId } from "./internal/ids.js"
import { Abort, run, runTransaction } from "./internal/promiseToEffect.js"
import { fromJson, rowsOf } from "./internal/statements.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const HORIZON = sql.raw(`(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint`)
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)))
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v))
const intOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

interface AttemptRow {
  number: number
  started_at: string
  duration_ms: number | null
  response_status: number | null
  error: string | null
  retry_after: number | null
  response_body: string | null
}

const toDelivery = (r: Record<string, unknown>): Delivery => ({
  id: String(r["id"]),
  event_id: String(r["event_id"]),
  event_type: String(r["event_type"]),
  trigger: String(r["trigger"]) as DeliveryTrigger,
  status: String(r["status"]) as DeliveryStatus,
  cancelled_reason: r["cancelled_reason"] === null ? null : (String(r["cancelled_reason"]) as Delivery["cancelled_reason"]),
  created_at: date(r["created_at"]),
  next_attempt_at: dateOrNull(r["next_attempt_at"]),
  completed_at: dateOrNull(r["completed_at"]),
  attempts: fromJson<Array<AttemptRow>>(r["attempts"] ?? "[]").map((a) => ({
    number: Number(a.number),
    started_at: date(a.started_at),
    duration_ms: intOrNull(a.duration_ms),
    response_status: intOrNull(a.response_status),
    error: a.error as AttemptError | null,
    retry_after: intOrNull(a.retry_after),
    response_body: a.response_body
  }))
})

const SELECT_DELIVERY = sql`
  select d.id, d.event_id, d.event_type, d.trigger, d.status, d.cancelled_reason, d.created_at, d.next_attempt_at, d.completed_at,
    coalesce((select json_agg(json_build_object('number', a.number, 'started_at', a.started_at, 'duration_ms', a.duration_ms,
      'response_status', a.response_status, 'error', a.error, 'retry_after', a.retry_after, 'response_body', a.response_body) order by a.number)
      from webhook_attempts a where a.project_id = d.project_id and a.delivery_id = d.id), '[]'::json) as attempts
  from webhook_deliveries d`

/** The endpoint, locked for the transaction: not found, or disabled (409). */
const lockEnabled = async (tx: Database["db"], projectId: ProjectId, webhookId: string): Promise<void> => {
  if (!UUID.test(webhookId)) throw new Abort(new WebhookNotFound({ webhookId }))
  const rows = rowsOf(await tx.execute(sql`select status from webhook_endpoints where project_id = ${projectId}::uuid and id = ${webhookId}::uuid for update`))
  if (rows[0] === undefined) throw new Abort(new WebhookNotFound({ webhookId }))
  if (rows[0]["status"] !== "enabled") throw new Abort(new WebhookConflict({ reason: "endpoint_disabled" }))
}

const MATCHES = sql.raw(`('*' = any(w.event_types) or e.type = any(w.event_types)
  or exists (select 1 from unnest(w.event_types) t where right(t, 2) = '.*' and starts_with(e.type, left(t, -1))))`)

/** The port over a database. */
export const make = ({ db }: Database): WebhookDeliveryRepository["Type"] => ({
  list: (projectId, webhookId, filter, query) => {
    const { after, before, limit } = query
    const bad = (k: string | undefined) => k !== undefined && !UUID.test(k)
    if (!UUID.test(webhookId) || bad(after) || bad(before) || (filter.eventId !== undefined && !UUID.test(filter.eventId))) {
      return Effect.succeed({ items: [], hasMore: false })
    }
    return Effect.map(
      run("webhooks.deliveries", () =>
        db.execute(sql`${SELECT_DELIVERY}
          where d.project_id = ${projectId}::uuid and d.webhook_id = ${webhookId}::uuid
            ${filter.status !== undefined ? sql`and d.status = ${filter.status}` : sql``}
            ${filter.eventId !== undefined ? sql`and d.event_id = ${filter.eventId}::uuid` : sql``}
            ${after !== undefined ? sql`and d.id < ${after}::uuid` : sql``}
            ${before !== undefined ? sql`and d.id > ${before}::uuid` : sql``}
          order by d.id ${before !== undefined ? sql`asc` : sql`desc`}
          limit ${limit + 1}`)
      ),
      (result) => {
        const rows = rowsOf(result)
        const items = rows.slice(0, limit).map(toDelivery)
        return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
      }
    )
  },
  replayRange: (projectId, webhookId, after) =>
    runTransaction<FeedPosition, WebhookNotFound | WebhookConflict | CursorExpired>("webhooks.replay", () =>
      db.transaction(async (tx) => {
        await lockEnabled(tx, projectId, webhookId)
        const busy = rowsOf(
          await tx.execute(sql`select 1 from webhook_deliveries where project_id = ${projectId}::uuid and webhook_id = ${webhookId}::uuid
            and range_replay and status = 'pending' limit 1`)
        )
        if (busy.length > 0) throw new Abort(new WebhookConflict({ reason: "replay_in_progress" }))
        const purged = rowsOf(await tx.execute(sql`select purged_xid::text as x, purged_seq::text as s from event_feed_state where project_id = ${projectId}::uuid`))[0]
        if (purged !== undefined) {
          const p = { major: BigInt(String(purged["x"])), minor: BigInt(String(purged["s"])) }
          if (after.major < p.major || (after.major === p.major && after.minor < p.minor)) throw new Abort(new CursorExpired())
        }
        const end = rowsOf(
          await tx.execute(sql`
            with h as (select ${HORIZON} as xmin),
            ins as (
              insert into webhook_deliveries (project_id, id, webhook_id, event_id, event_type, ordering_key, event_xid, event_seq, trigger, range_replay, status, created_at, next_attempt_at)
              select e.project_id, notiflows_uuidv7(), w.id, e.id, e.type, e.ordering_key, e.xid, e.seq, 'replay', true, 'pending', clock_timestamp(), clock_timestamp()
              from events e join webhook_endpoints w on w.project_id = e.project_id and w.id = ${webhookId}::uuid, h
              where e.project_id = ${projectId}::uuid and (e.xid, e.seq) > (${after.major.toString()}::bigint, ${after.minor.toString()}::bigint)
                and e.xid < h.xmin and ${MATCHES}
              order by e.xid, e.seq
              returning 1
            )
            select (h.xmin - 1)::text as xmin, (select count(*) from ins)::int as n from h`)
        )[0]
        return { major: BigInt(String(end?.["xmin"] ?? "0")), minor: 1n << 62n }
      })
    ),
  replayEvents: (projectId, webhookId, eventIds) =>
    runTransaction<ReadonlyArray<number>, WebhookNotFound | WebhookConflict>("webhooks.replay", () =>
      db.transaction(async (tx) => {
        await lockEnabled(tx, projectId, webhookId)
        const wellFormed = eventIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase())
        const found = new Set(
          wellFormed.length === 0
            ? []
            : rowsOf(await tx.execute(sql`select id::text as id from events where project_id = ${projectId}::uuid and id = any(${`{${wellFormed.join(",")}}`}::uuid[])`)).map((r) =>
                String(r["id"])
              )
        )
        const missing = eventIds.flatMap((id, i) => (found.has(id.toLowerCase()) ? [] : [i]))
        if (missing.length > 0) return missing
        await tx.execute(sql`
          insert into webhook_deliveries (project_id, id, webhook_id, event_id, event_type, ordering_key, event_xid, event_seq, trigger, status, created_at, next_attempt_at)
          select e.project_id, notiflows_uuidv7(), ${webhookId}::uuid, e.id, e.type, e.ordering_key, e.xid, e.seq, 'replay', 'pending', clock_timestamp(), clock_timestamp()
          from events e where e.project_id = ${projectId}::uuid and e.id = any(${`{${[...found].join(",")}}`}::uuid[])
          order by e.xid, e.seq`)
        return []
      })
    ),
  recordTest: (projectId, webhookId, test) =>
    runTransaction<Delivery, WebhookNotFound>("webhooks.test", () =>
      db.transaction(async (tx) => {
        if (!UUID.test(webhookId)) throw new Abort(new WebhookNotFound({ webhookId }))
        const id = newId()
        const o = test.outcome
        const ok = o.responseStatus !== null && o.responseStatus >= 200 && o.responseStatus < 300
        const inserted = rowsOf(
          await tx.execute(sql`
            insert into webhook_deliveries (project_id, id, webhook_id, event_id, event_type, ordering_key, trigger, status, created_at, next_attempt_at, completed_at, attempts)
            select w.project_id, ${id}::uuid, w.id, ${test.eventId}::uuid, 'webhook.test', null, 'test', ${ok ? "succeeded" : "failed"},
              ${test.startedAt.toISOString()}::timestamptz, null, clock_timestamp(), 1
            from webhook_endpoints w where w.project_id = ${projectId}::uuid and w.id = ${webhookId}::uuid
            returning id`)
        )
        if (inserted.length === 0) throw new Abort(new WebhookNotFound({ webhookId }))
        await tx.execute(sql`
          insert into webhook_attempts (project_id, delivery_id, number, started_at, duration_ms, response_status, error, retry_after, response_body)
          values (${projectId}::uuid, ${id}::uuid, 1, ${test.startedAt.toISOString()}::timestamptz, ${o.durationMs}, ${o.responseStatus}, ${o.error}, ${o.retryAfter}, ${o.responseBody})`)
        const row = rowsOf(await tx.execute(sql`${SELECT_DELIVERY} where d.project_id = ${projectId}::uuid and d.id = ${id}::uuid`))[0]
        return toDelivery(row!)
      })
    )
})

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<WebhookDeliveryRepository, never, DrizzleDatabase> = Layer.effect(WebhookDeliveryRepository, Effect.map(DrizzleDatabase, make))
