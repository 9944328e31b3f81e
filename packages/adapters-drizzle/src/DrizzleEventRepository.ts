/**
 * {@link EventRepository} over drizzle: the feed of EVENTS.md §3 read from the `events` outbox.
 *
 * A position is `(xid, seq)`. Every statement reads only rows whose `xid` is below
 * `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still running when the
 * statement's snapshot was taken: every transaction below it has ended, so every row a
 * position below it will ever have is already visible, and no later commit can land behind a
 * position this feed hands out. Transactions that committed before another began have the
 * smaller `xid` (ids are assigned at the first write), so they come first; rows of one
 * transaction follow its `seq`. On PGlite (one connection) no other transaction runs while a
 * statement does, and the same query answers every committed row.
 */
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { EventType, FeedPosition, FeedSlice, ProjectId, StoredEvent, UserId } from "@notiflows/domain"
import { comparePositions, CursorExpired, EventRepository, FEED_SCAN } from "@notiflows/domain"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { rowsOf } from "./internal/statements.js"

/** The visibility horizon: transaction ids below it have all ended. */
const HORIZON = sql.raw(`(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint`)

const position = (r: Record<string, unknown>): FeedPosition => ({ major: BigInt(String(r["xid_text"])), minor: BigInt(String(r["seq_text"])) })

const toEvent = (r: Record<string, unknown>): StoredEvent => ({
  id: String(r["id"]),
  type: String(r["type"]) as EventType,
  occurredAt: r["occurred_at"] instanceof Date ? r["occurred_at"] : new Date(String(r["occurred_at"])),
  orderingKey: String(r["ordering_key"]),
  userId: r["user_id"] === null || r["user_id"] === undefined ? null : (String(r["user_id"]) as UserId),
  payload: String(r["payload"])
})

/** The port over a database. */
export const make = ({ db }: Database): EventRepository["Type"] => {
  const purgedThrough = (projectId: ProjectId) =>
    Effect.map(
      run("events.read", () =>
        db.execute(sql`select purged_xid::text as xid_text, purged_seq::text as seq_text from event_feed_state where project_id = ${projectId}::uuid`)
      ),
      (result) => {
        const row = rowsOf(result)[0]
        return row === undefined ? undefined : position(row)
      }
    )

  const page = (projectId: ProjectId, after: FeedPosition, take: number, types: ReadonlyArray<EventType> | null) =>
    Effect.map(
      run("events.read", () =>
        db.execute(sql`
          select e.xid::text as xid_text, e.seq::text as seq_text, id, type, occurred_at, ordering_key, user_id,
                 ${types === null ? sql`payload` : sql`case when type = any(${`{${types.join(",")}}`}::text[]) then payload end as payload`}
          -- (the positions are answered as text, named apart so ORDER BY sorts the bigint columns)
          from events e
          where e.project_id = ${projectId}::uuid
            and (e.project_id, e.xid, e.seq) > (${projectId}::uuid, ${after.major.toString()}::bigint, ${after.minor.toString()}::bigint)
            and e.xid < ${HORIZON}
          order by e.project_id, e.xid, e.seq
          limit ${take}`)
      ),
      rowsOf
    )

  const read: EventRepository["Type"]["read"] = (projectId, query) =>
    Effect.gen(function* () {
      const purged = yield* purgedThrough(projectId)
      // Without a cursor: from the oldest retained event (after what retention removed).
      const from: FeedPosition = query.after ?? purged ?? { major: -1n, minor: -1n }
      if (query.after !== null && purged !== undefined && (from.major < purged.major || (from.major === purged.major && from.minor < purged.minor))) {
        return yield* Effect.fail(new CursorExpired())
      }
      if (query.types === null) {
        const rows = yield* page(projectId, from, query.limit + 1, null)
        const kept = rows.slice(0, query.limit)
        const last = kept[kept.length - 1]
        const slice: FeedSlice = { items: kept.map(toEvent), after: last === undefined ? from : position(last), hasMore: rows.length > query.limit }
        return slice
      }
      // A filtered page looks at FEED_SCAN events at most and moves past all it looked at.
      const rows = yield* page(projectId, from, FEED_SCAN + 1, query.types)
      const scanned = rows.slice(0, FEED_SCAN)
      const items: Array<StoredEvent> = []
      let after = from
      let full = false
      for (const r of scanned) {
        const matches = r["payload"] !== null && r["payload"] !== undefined
        if (matches && items.length === query.limit) {
          full = true
          break
        }
        if (matches) items.push(toEvent(r))
        after = position(r)
      }
      const slice: FeedSlice = { items, after, hasMore: full || rows.length > FEED_SCAN }
      return slice
    })

  /**
   * The untyped page in one statement: the retention mark and the start (the cursor, or after
   * what retention removed) on every row, beside up to `limit + 1` positions and stored texts
   * (none: one row of nulls). Only the columns the API sends are read and joined here; the
   * database's own `string_agg` was measured slower end to end (docs/performance.md).
   */
  const readText: EventRepository["Type"]["readText"] = (projectId, query) => {
    const start =
      query.after === null
        ? sql`coalesce((select purged_xid from st), -1) as x, coalesce((select purged_seq from st), -1) as s`
        : sql`${query.after.major.toString()}::bigint as x, ${query.after.minor.toString()}::bigint as s`
    return Effect.flatMap(
      run("events.read", () =>
        db.execute(sql`
          with st as (select purged_xid, purged_seq from event_feed_state where project_id = ${projectId}::uuid),
          fr as (select ${start})
          select (select purged_xid::text from st) as purged_xid_text, (select purged_seq::text from st) as purged_seq_text,
                 fr.x::text as from_xid_text, fr.s::text as from_seq_text, p.xid::text as xid_text, p.seq::text as seq_text, p.payload
          from fr left join lateral (
            select e.xid, e.seq, e.payload from events e
            where e.project_id = ${projectId}::uuid
              and (e.project_id, e.xid, e.seq) > (${projectId}::uuid, fr.x, fr.s)
              and e.xid < ${HORIZON}
            order by e.project_id, e.xid, e.seq
            limit ${query.limit + 1}) p on true`)
      ),
      (result) => {
        const rows = rowsOf(result)
        const head = rows[0] ?? {}
        if (query.after !== null && head["purged_xid_text"] !== null && head["purged_xid_text"] !== undefined) {
          const purged = { major: BigInt(String(head["purged_xid_text"])), minor: BigInt(String(head["purged_seq_text"])) }
          if (comparePositions(query.after, purged) < 0) return Effect.fail(new CursorExpired())
        }
        const found = head["payload"] === null || head["payload"] === undefined ? 0 : rows.length
        const count = Math.min(found, query.limit)
        const payloads = new Array<string>(count)
        for (let i = 0; i < count; i++) payloads[i] = rows[i]!["payload"] as string
        const last = count === 0 ? { major: BigInt(String(head["from_xid_text"])), minor: BigInt(String(head["from_seq_text"])) } : position(rows[count - 1]!)
        return Effect.succeed({ json: payloads.join(","), count, after: last, hasMore: found > query.limit })
      }
    )
  }

  return {
    read,
    readText,
    end: () =>
      Effect.map(
        run("events.end", () => db.execute(sql`select ${HORIZON}::text as xmin`)),
        // Everything at or after (xmin, 0) is still to come; everything before it is visible now.
        (result): FeedPosition => ({ major: BigInt(String(rowsOf(result)[0]?.["xmin"] ?? "0")) - 1n, minor: (1n << 62n) })
      ),
    purge: (before) => {
      const cutoff = before.toISOString()
      return Effect.map(
        run("events.purge", () =>
          db.execute(sql`
            with horizon as (select ${HORIZON} as xmin),
            -- Per project, the first event retention must keep: removal is a prefix of the feed.
            first_kept as (
              select distinct on (e.project_id) e.project_id, e.xid, e.seq from events e, horizon h
              where e.occurred_at >= ${cutoff}::timestamptz or e.xid >= h.xmin
              order by e.project_id, e.xid, e.seq
            ),
            doomed as (
              select e.project_id, e.xid, e.seq from events e cross join horizon h
              left join first_kept k on k.project_id = e.project_id
              where e.xid < h.xmin and e.occurred_at < ${cutoff}::timestamptz
                and (k.project_id is null or (e.xid, e.seq) < (k.xid, k.seq))
            ),
            deleted as (
              delete from events e using doomed d
              where e.project_id = d.project_id and e.xid = d.xid and e.seq = d.seq
              returning e.project_id, e.xid, e.seq
            ),
            last as (
              select distinct on (project_id) project_id, xid, seq from deleted order by project_id, xid desc, seq desc
            ),
            marked as (
              insert into event_feed_state (project_id, purged_xid, purged_seq)
              select project_id, xid, seq from last
              on conflict (project_id) do update set purged_xid = excluded.purged_xid, purged_seq = excluded.purged_seq
              where (event_feed_state.purged_xid, event_feed_state.purged_seq) < (excluded.purged_xid, excluded.purged_seq)
              returning project_id
            )
            select count(*)::int as removed from deleted`)
        ),
        (result) => Number(rowsOf(result)[0]?.["removed"] ?? 0)
      )
    }
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<EventRepository, never, DrizzleDatabase> = Layer.effect(EventRepository, Effect.map(DrizzleDatabase, make))
