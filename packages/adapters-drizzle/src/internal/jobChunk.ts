/**
 * A bulk job's chunk (BULK.md §1.2, `BulkChunk.ts`): ONE read of the pending items with their
 * users' sets, and ONE statement committing the chunk. The statement locks the chunk's items that
 * are still `pending` (`FOR UPDATE`, in index order: a second runner waits, then finds them
 * settled), then, set-based and without a join (see {@link jobChunkCommit}): every write's
 * compare-and-set of its set (at the expected version), the ledger entries and events of the rows
 * written, the written items' results, and the results of the items settled without a write.
 * Each item's set, entry, event and result are rows of that one statement; a write whose version
 * no longer matches (or whose user is gone) writes nothing and comes back in `retry`, leaving the
 * others applied.
 */
import type { SQL } from "drizzle-orm"
import { sql } from "drizzle-orm"
import type { ChunkCommit, ChunkOutcome, ExternalUserId, PendingSnapshot, ProjectId, Scope, UserId } from "@notiflows/domain"
import { renderEvent } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { globalChoices, tenantChoices } from "../DrizzleScopedPreferenceRepository.js"
import { fromJson, json } from "./statements.js"

type Row = Record<string, unknown>

/** The pending items after an index in input order, each with its user (if any) and the user's global and scope's sets. */
export const pendingSnapshotsQuery = (projectId: ProjectId, jobId: string, scope: Scope, after: number, limit: number): SQL => {
  const tenant =
    scope._tag === "Global"
      ? sql`null::int as tenant_version, null::jsonb as tenant_choices`
      : sql`(select t.version from tenant_preference_sets t where t.project_id = u.project_id and t.user_id = u.id
             and (t.tenant_id || '') = ${scope.tenantId}::text) as tenant_version,
            (select t.choices from tenant_preference_sets t where t.project_id = u.project_id and t.user_id = u.id
             and (t.tenant_id || '') = ${scope.tenantId}::text) as tenant_choices`
  return sql`select i.idx, i.user_id as external_id, coalesce(i.preferences, j.preferences) as preferences, i.if_match,
      u.id as uid, s.version, s.choices, s.categories, ${tenant}
    from job_items i join jobs j on j.project_id = i.project_id and j.id = i.job_id
      left join users u on u.project_id = i.project_id and u.external_id = i.user_id
      left join preference_sets s on s.project_id = u.project_id and s.user_id = u.id
    where i.project_id = ${projectId}::uuid and i.job_id = ${jobId}::uuid and i.status = 'pending' and i.user_id is not null
      and i.idx > ${after}::int
    order by i.idx limit ${limit}`
}

/** A row of {@link pendingSnapshotsQuery}. */
export const toPendingSnapshot = (scope: Scope) => (r: Row): PendingSnapshot => {
  const externalId = r["external_id"] as ExternalUserId
  const base = { index: Number(r["idx"]), userId: externalId, preferences: fromJson<unknown>(r["preferences"]), ifMatch: (r["if_match"] ?? null) as string | null }
  if (r["uid"] === null || r["uid"] === undefined || r["version"] === null || r["version"] === undefined) return { ...base, stored: null }
  const global = { version: Number(r["version"]), ...globalChoices(r["choices"], r["categories"]) }
  const scoped = scope._tag === "Global" ? global : { version: Number(r["tenant_version"] ?? 0), ...tenantChoices(r["tenant_choices"]) }
  return { ...base, stored: { userId: r["uid"] as UserId, externalId, global, scoped } }
}

/**
 * The ledger and event fields a job's writes usually share (one actor, request, context and
 * clock per chunk): a scalar parameter each when every write of the chunk has the same value,
 * else a field of each write (the parameter is then NULL). The statement reads them through
 * `sharedField`, the write's own first.
 */
const SHARED = ["changed_at", "actor_type", "actor_id", "request_id", "operation", "source", "context", "event_type", "event_at"] as const
type SharedKey = (typeof SHARED)[number]
type Shared = Record<SharedKey, unknown>
const SHARED_TYPES: Record<SharedKey, string> = {
  changed_at: "timestamptz",
  actor_type: "text",
  actor_id: "text",
  request_id: "text",
  operation: "text",
  source: "text",
  context: "jsonb",
  event_type: "text",
  event_at: "timestamptz"
}
/** How a shared field travels (a timestamp as its ISO text, cast where used). */
const wireType = (key: SharedKey) => (SHARED_TYPES[key] === "timestamptz" ? "text" : SHARED_TYPES[key])

/**
 * A write, split in two: its set's new value, `[expected version, choices, categories, own
 * changed_at or null]` in the `m` map under its user's id (the compare-and-set reads it by binary
 * search per row), and its row of the `r` record set for the ledger entry, the event and the
 * item's result (short keys: `i` index, `u` user id, `x` expected version, `h` ledger entry id,
 * `d` changes, `e` event id, `k` ordering key, `y` the event's user id, `n` its payload's position
 * in the `e` array; plus the shared fields that differ within the chunk).
 */
const writeEntry = (c: ChunkCommit, w: ChunkCommit["writes"][number], n: number) => {
  const event = renderEvent(uuidv7(), c.projectId, w.event, w.userId)
  const h = w.history
  const shared: Shared = {
    changed_at: h.changed_at.toISOString(),
    actor_type: h.actor.type,
    actor_id: h.actor.id,
    request_id: h.request_id,
    operation: h.operation,
    source: h.source,
    context: h.context,
    event_type: event.type,
    event_at: event.occurredAt.toISOString()
  }
  // The global row keeps v1 choices beside its `categories` column; a tenant row stores all three.
  const choices =
    c.scope._tag === "Global"
      ? { channel_types: w.choices.channel_types, notiflows: w.choices.notiflows }
      : { channel_types: w.choices.channel_types, categories: w.choices.categories, notiflows: w.choices.notiflows }
  const own: Record<string, unknown> = { i: w.index, u: w.userId, x: w.expectedVersion, h: uuidv7(), d: h.changes, e: event.id, k: event.orderingKey, y: event.userId, n }
  return { own, set: [w.expectedVersion, choices, w.choices.categories] as Array<unknown>, shared, payload: event.payload }
}

const sameValue = (a: unknown, b: unknown) => a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b))

/**
 * The statement's parameters: `m` (user id → the set's new value), `r` (the writes' other
 * fields as ONE jsonb array, read once by `jsonb_to_recordset` into typed columns), `s` (index →
 * a settlement's `{status, error}`), `indexes` (every index of the chunk), `shared` (one value per
 * {@link SHARED} field, NULL where the writes differ) and `e`, the events' payloads as ONE `json`
 * array: a `json` value keeps its text byte for byte, so each payload is stored exactly as
 * `renderEvent` wrote it, without escaping it into a JSON string and parsing that into `jsonb`.
 */
const paramsOf = (c: ChunkCommit) => {
  const entries = c.writes.map((write, i) => writeEntry(c, write, i + 1))
  const shared: Partial<Shared> = {}
  const apart: Array<SharedKey> = []
  for (const key of SHARED) {
    const first = entries[0]?.shared[key]
    if (entries.every((e) => sameValue(e.shared[key], first))) shared[key] = first
    else apart.push(key)
  }
  const rows: Array<Record<string, unknown>> = []
  const sets: Record<string, Array<unknown>> = {}
  const payloads: Array<string> = []
  for (const { own, set, shared: mine, payload } of entries) {
    for (const key of apart) own[key] = mine[key]
    if (apart.includes("changed_at")) set.push(mine.changed_at)
    rows.push(own)
    sets[own["u"] as string] = set
    payloads.push(payload)
  }
  const settlements: Record<string, unknown> = {}
  for (const { index, settlement } of c.settlements)
    settlements[String(index)] = { status: settlement.status, error: settlement.status === "failed" ? settlement.failure : null }
  const indexes = [...c.writes.map((w) => w.index), ...c.settlements.map((s) => s.index)]
  return { m: json(sets), r: json(rows), s: json(settlements), indexes, shared, e: `[${payloads.join(",")}]` }
}

/** The columns of the `r` record set (timestamps as text, cast where used). */
const RECORD = sql.raw(
  `r(i int, u uuid, x int, h uuid, d jsonb, e uuid, k text, y uuid, n int, ${SHARED.map((k) => `${k} ${wireType(k)}`).join(", ")})`
)

/** A shared field of a row (`own`: its own value, NULL if none): its own value if it has one, else the chunk's parameter. */
const sharedField = (shared: Partial<Shared>) => (own: SQL, key: SharedKey): SQL => {
  const value = shared[key]
  const param = value === undefined || value === null ? sql`null` : key === "context" ? sql`${json(value)}` : sql`${value}`
  const merged = sql`coalesce(${own}, ${param}::${sql.raw(wireType(key))})`
  return key === "context" ? sql`nullif(${merged}, 'null'::jsonb)` : sql`${merged}::${sql.raw(SHARED_TYPES[key])}`
}
type Field = ReturnType<typeof sharedField>
/** A shared field of the `r` row being read. */
const ofR = (f: Field, key: SharedKey) => f(sql.raw(`r.${key}`), key)

/** The written rows' ledger entries (the version a compare-and-set wrote is always the expected one plus one). */
const ledger = (f: Field) =>
  sql`r.x + 1, r.h, ${ofR(f, "changed_at")}, ${ofR(f, "actor_type")}, ${ofR(f, "actor_id")},
    ${ofR(f, "request_id")}, r.d, ${ofR(f, "operation")}, ${ofR(f, "source")}, ${ofR(f, "context")}`

// The maps, each read once per statement (a scalar subquery is evaluated once).
const M = sql`(select m from params)`
const S = sql`(select s from params)`
/** The rows of `r` written (their index among `ok`'s, an array built once). */
const WRITTEN = sql`r.i = any(array(select i from ok))`

/**
 * The scope's compare-and-set of every write whose item is locked pending (`written(user_id)`).
 * No join: the rows to update are an index condition (`= any(array)`) and each row's new value a
 * lookup in `m` — a join to the record set has no estimate to go by (a fresh job has no
 * statistics) and was planned as a nested loop over it per set (O(chunk²), 60 ms a chunk).
 */
const setWrites = (c: ChunkCommit, p: SQL, f: Field): SQL => {
  const value = (k: number) => sql`${M} -> s.user_id::text -> ${sql.raw(String(k))}`
  const at = f(sql`${M} -> s.user_id::text ->> 3`, "changed_at")
  const expected = sql`(${M} -> s.user_id::text ->> 0)::int`
  const users = sql`array(select r.u from r where r.i = any(array(select idx from item)))`
  if (c.scope._tag === "Global") {
    return sql`written as (
        update preference_sets s set choices = ${value(1)}, categories = ${value(2)}, version = s.version + 1, updated_at = ${at}
        where s.project_id = ${p} and s.user_id = any(${users}) and s.version = ${expected}
        returning s.user_id)`
  }
  const t = sql`${c.scope.tenantId}::text`
  return sql`updated as (
      update tenant_preference_sets s set choices = ${value(1)}, version = s.version + 1, updated_at = ${at}
      where s.project_id = ${p} and s.user_id = any(${users}) and (s.tenant_id || '') = ${t} and s.version = ${expected}
      returning s.user_id),
    inserted as (
      insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
      select s.project_id, s.id, ${t}, ${M} -> s.id::text -> 1, 1, ${f(sql`${M} -> s.id::text ->> 3`, "changed_at")}
      from users s where s.project_id = ${p} and s.id = any(${users}) and (${M} -> s.id::text ->> 0)::int = 0
      -- The users' rows locked (KEY SHARE): a concurrent DELETE of one is waited for, then the user is
      -- not found (its item is read again), instead of failing the whole chunk on the foreign key.
      for key share of s
      on conflict do nothing
      returning user_id),
    written as (select user_id from updated union all select user_id from inserted)`
}

/** The ledger insert of the written rows. */
const entries = (c: ChunkCommit, p: SQL, f: Field): SQL =>
  c.scope._tag === "Global"
    ? sql`insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
        select ${p}, r.u, ${ledger(f)} from r where ${WRITTEN}`
    : sql`insert into tenant_preference_history (project_id, user_id, tenant_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
        select ${p}, r.u, ${c.scope.tenantId}::text, ${ledger(f)} from r where ${WRITTEN}`

/** The chunk's statement; its one row is `{written: {idx: version…}, settled, locked: [idx of the writes still pending]}`. */
export const jobChunkCommit = (c: ChunkCommit): SQL => {
  const p = sql`${c.projectId}::uuid`
  const j = sql`${c.jobId}::uuid`
  const params = paramsOf(c)
  const f = sharedField(params.shared)
  // The chunk's index range, an index condition on every job_items scan: without it a scan walks
  // all the job's items, testing each against the chunk's array (O(job × chunk) per chunk).
  const lo = Math.min(...params.indexes)
  const hi = Math.max(...params.indexes)
  const range = sql`i.project_id = ${p} and i.job_id = ${j} and i.idx between ${lo}::int and ${hi}::int`
  // No statement below joins two row sets: every row set is an index condition or a filter on
  // an array evaluated once, every per-row value a lookup in a map or an array.
  return sql`with params as materialized (select ${params.m}::jsonb as m, ${params.s}::jsonb as s),
    r as materialized (select * from jsonb_to_recordset(${params.r}::jsonb) as ${RECORD}),
    payloads as materialized (select array(select e::text from json_array_elements(${params.e}::json) with ordinality as x(e, n) order by n) as a),
    item as materialized (
      select i.idx from job_items i
      where ${range} and i.status = 'pending' and i.idx = any(array(select k::int from jsonb_array_elements_text(${json(params.indexes)}::jsonb) k))
      order by i.idx for update),
    ${setWrites(c, p, f)},
    ok as materialized (select r.i from r where r.u = any(array(select user_id from written))),
    entry as (${entries(c, p, f)}),
    outbox as (
      -- xid and seq are the columns' defaults (the transaction's id, the sequence in the rows' order).
      insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
      select ${p}, r.e, ${ofR(f, "event_type")}, ${ofR(f, "event_at")}, r.k, r.y, (select a from payloads)[r.n]
      from r where ${WRITTEN} order by r.i),
    versions as materialized (select coalesce(jsonb_object_agg(r.i, r.x + 1), '{}'::jsonb) as m from r where ${WRITTEN}),
    done as (
      update job_items i set status = 'updated', version = ((select m from versions) ->> i.idx::text)::int
      where ${range} and i.idx = any(array(select i from ok))),
    settled as (
      update job_items i set status = ${S} -> i.idx::text ->> 'status', error = nullif(${S} -> i.idx::text -> 'error', 'null'::jsonb)
      where ${range} and i.idx = any(array(select idx from item where ${S} ? idx::text))
      returning i.idx)
    select (select m from versions) as written,
      (select count(*)::int from settled) as settled,
      (select coalesce(jsonb_agg(idx), '[]'::jsonb) from item where idx = any(array(select i from r))) as locked`
}

/** The outcome of {@link jobChunkCommit}'s row. */
export const toChunkOutcome = (row: Row | undefined): ChunkOutcome => {
  const written = new Map(Object.entries(fromJson<Record<string, number>>(row?.["written"] ?? "{}")).map(([i, v]) => [Number(i), Number(v)]))
  // A locked (still pending) write that did not apply: its set moved or its user is gone.
  const retry = fromJson<Array<number>>(row?.["locked"] ?? "[]").map(Number).filter((i) => !written.has(i))
  return { written, settled: Number(row?.["settled"] ?? 0), retry }
}
