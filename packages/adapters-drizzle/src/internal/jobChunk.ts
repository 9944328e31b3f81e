/**
 * A bulk job's chunk (BULK.md §1.2, `BulkChunk.ts`): ONE read of the pending items with their
 * users' sets, and ONE statement committing the chunk. The statement locks the chunk's items that
 * are still `pending` (`FOR UPDATE`, in index order: a second runner waits, then finds them
 * settled), then, set-based from `jsonb_to_recordset` arrays: every write's compare-and-set of its
 * set (at the expected version), the ledger entries and events of the rows written, the written
 * items' results, and the results of the items settled without a write. Each item's set, entry,
 * event and result are rows of that one statement; a write whose version no longer matches (or
 * whose user is gone) writes nothing and comes back in `retry`, leaving the others applied.
 */
import type { SQL } from "drizzle-orm"
import { sql } from "drizzle-orm"
import type { ChunkCommit, ChunkOutcome, ExternalUserId, PendingSnapshot, ProjectId, Scope, UserId } from "@notiflows/domain"
import { renderEvent } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { globalChoices, tenantChoices } from "../DrizzleScopedPreferenceRepository.js"
import { fromJson, json, rowsOf } from "./statements.js"

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
 * clock per chunk): sent once in the `c` map when every write of the chunk has the same value,
 * else with each write. The statement reads them through {@link field}, the write's own first.
 */
const SHARED = ["changed_at", "actor_type", "actor_id", "request_id", "operation", "source", "context", "event_type", "event_at"] as const
type Shared = Record<(typeof SHARED)[number], unknown>

/** A write's own values, keyed by its user's id in the statement's `w` map; its event's payload goes to the `e` array (position `ev`). */
const writeEntry = (c: ChunkCommit, w: ChunkCommit["writes"][number], ev: number) => {
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
  const own: Record<string, unknown> = {
    idx: w.index,
    expected: w.expectedVersion,
    // The global row keeps v1 choices beside its `categories` column; a tenant row stores all three.
    choices:
      c.scope._tag === "Global"
        ? { channel_types: w.choices.channel_types, notiflows: w.choices.notiflows }
        : { channel_types: w.choices.channel_types, categories: w.choices.categories, notiflows: w.choices.notiflows },
    categories: w.choices.categories,
    history_id: uuidv7(),
    changes: h.changes,
    event_id: event.id,
    event_key: event.orderingKey,
    event_user_id: event.userId,
    ev
  }
  return { own, shared, payload: event.payload }
}

const sameValue = (a: unknown, b: unknown) => a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b))

/**
 * The statement's parameters: `w` (user id → write), `u` (index → user id of a write), `s` (index
 * → `{status, error}` of a settlement), `c` (the fields every write shares) and `e`, the events'
 * payloads as ONE `json` array: a `json` value keeps its text byte for byte, so each payload is
 * stored exactly as `renderEvent` wrote it, without escaping it into a JSON string and parsing that
 * into `jsonb` (half the bytes of a chunk's parameters were payloads). Every per-row value is a
 * lookup in the jsonb maps (binary search) and every row set an index condition `= any(array)`:
 * the statement has no join whose plan depends on row estimates (a fresh job's items have none),
 * except the payloads' (see the `outbox` step).
 */
const paramsOf = (c: ChunkCommit) => {
  const entries = c.writes.map((write, i) => writeEntry(c, write, i + 1))
  const common: Record<string, unknown> = {}
  const apart: Array<string> = []
  for (const key of SHARED) {
    const first = entries[0]?.shared[key]
    if (entries.every((e) => sameValue(e.shared[key], first))) common[key] = first
    else apart.push(key)
  }
  const w: Record<string, unknown> = {}
  const u: Record<string, string> = {}
  const payloads: Array<string> = []
  c.writes.forEach((write, i) => {
    const { own, shared, payload } = entries[i]!
    for (const key of apart) own[key] = shared[key as keyof Shared]
    w[write.userId] = own
    u[String(write.index)] = write.userId
    payloads.push(payload)
  })
  const s: Record<string, unknown> = {}
  for (const { index, settlement } of c.settlements) s[String(index)] = { status: settlement.status, error: settlement.status === "failed" ? settlement.failure : null }
  return { w: json(w), u: json(u), s: json(s), c: json(common), e: `[${payloads.join(",")}]` }
}

// The maps, each read once per statement (a scalar subquery is evaluated once; joining the
// one-row CTE instead would copy the whole map for every row).
const W = sql`(select w from params)`
const U = sql`(select u from params)`
const S = sql`(select s from params)`
const C = sql`(select c from params)`

/** A shared field of the write `v` (jsonb): its own value if it has one, else the chunk's. */
const field = (v: SQL, key: (typeof SHARED)[number]) => sql`coalesce(${v} -> ${sql.raw(`'${key}'`)}, ${C} -> ${sql.raw(`'${key}'`)})`
/** The same as text (a JSON string's contents; NULL for JSON null). */
const text = (v: SQL, key: (typeof SHARED)[number]) => sql`(${field(v, key)} #>> '{}')`

const LEDGER = sql`(w.v ->> 'history_id')::uuid, ${text(sql`w.v`, "changed_at")}::timestamptz, ${text(sql`w.v`, "actor_type")}, ${text(sql`w.v`, "actor_id")},
  ${text(sql`w.v`, "request_id")}, w.v -> 'changes', ${text(sql`w.v`, "operation")}, ${text(sql`w.v`, "source")}, nullif(${field(sql`w.v`, "context")}, 'null'::jsonb)`

/** The users of the locked writes, for `= any(...)` index conditions. */
const USERS = sql`array(select id from uids)`

/** The scope's compare-and-set of every write whose item is locked pending, as `written(user_id, version, v)`, with the ledger entries. */
const setWrites = (c: ChunkCommit, p: SQL): SQL => {
  const value = (key: string) => sql`${W} -> s.user_id::text -> ${sql.raw(`'${key}'`)}`
  const at = sql`${text(sql`(${W} -> s.user_id::text)`, "changed_at")}::timestamptz`
  const expected = sql`(${W} -> s.user_id::text ->> 'expected')::int`
  if (c.scope._tag === "Global") {
    return sql`written as (
        update preference_sets s set choices = ${value("choices")}, categories = ${value("categories")}, version = s.version + 1, updated_at = ${at}
        where s.project_id = ${p} and s.user_id = any(${USERS}) and s.version = ${expected}
        returning s.user_id, s.version, ${W} -> s.user_id::text as v),
      entry as (
        insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
        select ${p}, w.user_id, w.version, ${LEDGER} from written w)`
  }
  const t = sql`${c.scope.tenantId}::text`
  return sql`updated as (
      update tenant_preference_sets s set choices = ${value("choices")}, version = s.version + 1, updated_at = ${at}
      where s.project_id = ${p} and s.user_id = any(${USERS}) and (s.tenant_id || '') = ${t} and s.version = ${expected}
      returning s.user_id, s.version, ${W} -> s.user_id::text as v),
    inserted as (
      insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
      select u.project_id, u.id, ${t}, ${W} -> u.id::text -> 'choices', 1, ${text(sql`(${W} -> u.id::text)`, "changed_at")}::timestamptz
      from users u where u.project_id = ${p} and u.id = any(${USERS}) and (${W} -> u.id::text ->> 'expected')::int = 0
      on conflict do nothing
      returning user_id, version),
    written as (select user_id, version, v from updated union all select n.user_id, n.version, ${W} -> n.user_id::text from inserted n),
    entry as (
      insert into tenant_preference_history (project_id, user_id, tenant_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
      select ${p}, w.user_id, ${t}, w.version, ${LEDGER} from written w)`
}

/** The chunk's statement; its one row is `{written: [[idx, version]…], settled, locked: [idx of the writes still pending]}`. */
export const jobChunkCommit = (c: ChunkCommit): SQL => {
  const p = sql`${c.projectId}::uuid`
  const j = sql`${c.jobId}::uuid`
  const params = paramsOf(c)
  // Index ranges (of the chunk, of its writes, of its settlements), an index condition on every
  // job_items scan: without one each scan walks all the job's items, testing each against the
  // chunk's array (O(job × chunk) per chunk); an empty list scans nothing.
  const between = (indexes: ReadonlyArray<number>) => {
    let lo = Infinity
    let hi = -Infinity
    for (const i of indexes) {
      lo = Math.min(lo, i)
      hi = Math.max(hi, i)
    }
    return indexes.length === 0 ? sql`between 0 and -1` : sql`between ${lo}::int and ${hi}::int`
  }
  const writes = c.writes.map((w) => w.index)
  const settlements = c.settlements.map((s) => s.index)
  const range = between([...writes, ...settlements])
  return sql`with params as materialized (select ${params.w}::jsonb as w, ${params.u}::jsonb as u, ${params.s}::jsonb as s, ${params.c}::jsonb as c),
    item as materialized (
      select i.idx from job_items i
      where i.project_id = ${p} and i.job_id = ${j} and i.status = 'pending' and i.idx ${range}
        and i.idx = any(array(select k::int from params, jsonb_object_keys(params.u || params.s) k))
      order by i.idx for update),
    uids as materialized (select (${U} ->> i.idx::text)::uuid as id from item i where ${U} ? i.idx::text),
    ${setWrites(c, p)},
    outbox as (
      -- xid and seq are the columns' defaults (the transaction's id, the sequence in the rows' order).
      -- The payloads' positions join the written rows (at most a chunk on each side: a hash or a
      -- nested loop over the materialized function scan both stay small).
      insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
      select ${p}, (w.v ->> 'event_id')::uuid, ${text(sql`w.v`, "event_type")}, ${text(sql`w.v`, "event_at")}::timestamptz,
        w.v ->> 'event_key', (w.v ->> 'event_user_id')::uuid, e.payload::text
      from written w join json_array_elements(${params.e}::json) with ordinality as e(payload, n) on e.n = (w.v ->> 'ev')::bigint
      order by (w.v ->> 'idx')::int),
    done as (
      update job_items i set status = 'updated', version = (${W} -> (${U} ->> i.idx::text) ->> 'expected')::int + 1
      where i.project_id = ${p} and i.job_id = ${j} and i.idx ${between(writes)} and i.idx = any(array(select (v ->> 'idx')::int from written))),
    settled as (
      update job_items i set status = ${S} -> i.idx::text ->> 'status', error = nullif(${S} -> i.idx::text -> 'error', 'null'::jsonb)
      where i.project_id = ${p} and i.job_id = ${j} and i.idx ${between(settlements)} and i.idx = any(array(select idx from item where ${S} ? idx::text))
      returning i.idx)
    select (select coalesce(jsonb_agg(jsonb_build_array((v ->> 'idx')::int, version)), '[]'::jsonb) from written) as written,
      (select count(*)::int from settled) as settled,
      (select coalesce(jsonb_agg(idx), '[]'::jsonb) from item where ${U} ? idx::text) as locked`
}

/** The outcome of {@link jobChunkCommit}'s row. */
export const toChunkOutcome = (row: Row | undefined): ChunkOutcome => {
  const written = new Map(fromJson<Array<[number, number]>>(row?.["written"] ?? "[]").map(([i, v]) => [Number(i), Number(v)]))
  // A locked (still pending) write that did not apply: its set moved or its user is gone.
  const retry = fromJson<Array<number>>(row?.["locked"] ?? "[]").map(Number).filter((i) => !written.has(i))
  return { written, settled: Number(row?.["settled"] ?? 0), retry }
}
