/**
 * The feed test of EVENTS.md §3 on PostgreSQL: 4 writer processes (8 writers each) commit
 * preference writes with the adapter's own commit statements (global and tenant sets) for
 * FEED_TEST_SECONDS (default 10); a fault hook holds a random third of the transactions open
 * 0–300 ms after their event is written. Meanwhile 3 consumers page the feed through the
 * adapter's EventRepository (two with `read`, one with `readText`, the API's untyped path) with random limits (1–50) without pause, and 3 more page a stand-in
 * that numbers at insert (`seq` alone, no visibility horizon). Afterwards each of ours saw exactly
 * the event table, each event once, never one at or behind its cursor, every set's versions
 * consecutively, and every pair of transactions where one was acknowledged before the other
 * began in that order; the stand-in, on the same run, loses events.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import postgres from "postgres"
import type { FeedPosition, ProjectId } from "@notiflows/domain"
import { EventRepository, ProjectRepository } from "@notiflows/domain"
import { DrizzleDatabase, layerPostgres } from "../src/index.js"
import { commitQuery } from "../src/DrizzlePreferenceRepository.js"
import { tenantCommitQuery } from "../src/DrizzleScopedPreferenceRepository.js"
import { runNode, scratchDir } from "./support/childProcess.js"
import { postgresAvailable, throwawayDatabase } from "./support/postgres.js"

const available = await postgresAvailable()
const scratch = scratchDir()
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const SECONDS = Number(process.env.FEED_TEST_SECONDS ?? "10")
const PROCESSES = 4
const WRITERS_PER_PROCESS = 8
const USERS = 200
const TENANTS = ["t_a", "t_b", "t_c"]

/** A statement's text and the placeholder name of each `$n`, so a child can run the adapter's exact SQL. */
const statementOf = (q: { toSQL(): { sql: string; params: Array<unknown> } }) => {
  const { sql, params } = q.toSQL()
  return { sql, names: params.map((p) => (p as { name: string }).name) }
}

const WRITER = `import postgres from "postgres"
import { randomUUID } from "node:crypto"
const [url, spec] = process.argv.slice(2)
const { projectId, users, tenants, seconds, writers, global, tenant, proc } = JSON.parse(spec)
const sql = postgres(url, { max: writers, onnotice: () => {} })
const now = () => performance.timeOrigin + performance.now()
const deadline = Date.now() + seconds * 1000
const done = []
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const writer = async (w) => {
  let n = 0
  while (Date.now() < deadline) {
    const user = users[Math.floor(Math.random() * users.length)]
    const t = Math.random() < 0.5 ? null : tenants[Math.floor(Math.random() * tenants.length)]
    const [row] = t === null
      ? await sql\`select version from preference_sets where project_id = \${projectId} and user_id = \${user}\`
      : await sql\`select version from tenant_preference_sets where project_id = \${projectId} and user_id = \${user} and tenant_id = \${t}\`
    const expected = row === undefined ? 0 : Number(row.version)
    const eventId = randomUUID()
    const requestId = "w" + proc + "_" + w + "_" + n++
    const at = new Date().toISOString()
    const payload = JSON.stringify({ id: eventId, type: "preferences.updated", occurred_at: at, project_id: projectId,
      data: { id: user, tenant_id: t, version: expected + 1, request_id: requestId } })
    const values = { projectId, userId: user, tenantId: t, expectedVersion: expected, choices: JSON.stringify({ channel_types: { sms: n % 2 === 0 }, notiflows: {} }),
      categories: "{}", historyId: randomUUID(), changedAt: at, actorType: "system", actorId: "feed-test", requestId,
      changes: "[]", operation: "patch", source: "system", context: null, eventId, eventType: "preferences.updated",
      eventKey: "user:" + user, eventUserId: user, eventPayload: payload }
    const st = t === null ? global : tenant
    const hold = Math.random() < 1 / 3 ? Math.random() * 300 : 0
    const began = now()
    let wrote = false
    try {
      await sql.begin(async (tx) => {
        const rows = await tx.unsafe(st.sql, st.names.map((name) => values[name]))
        wrote = rows.length > 0
        if (wrote && hold > 0) await sleep(hold)
      })
    } catch (e) {
      if (e && e.code === "23505") continue
      throw e
    }
    if (wrote) done.push({ requestId, began, acked: now() })
  }
}
await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)))
await sql.end({ timeout: 5 })
console.log(JSON.stringify(done))
`

interface Seen {
  readonly requestId: string
  readonly key: string
  readonly version: number
}

type Reader = (after: FeedPosition | null, limit: number) => Promise<{ items: ReadonlyArray<{ payload: string; position: FeedPosition }>; after: FeedPosition; hasMore: boolean }>

const before = (a: FeedPosition, b: FeedPosition) => a.major < b.major || (a.major === b.major && a.minor < b.minor)

/**
 * Pages without pause until the writers stopped (`target()` is then the table's size) and then
 * to the end: until it has that many, or 10 s after the stop (a transaction elsewhere on the
 * server may hold the horizon back a while). Reports what it saw and any step backwards.
 */
const consume = async (read: Reader, target: () => number | undefined) => {
  let stoppedAt: number | undefined
  const seen: Array<Seen> = []
  const problems: Array<string> = []
  let cursor: FeedPosition | null = null
  let last: FeedPosition | null = null
  for (;;) {
    const goal = target()
    if (goal !== undefined) stoppedAt ??= Date.now()
    const page = await read(cursor, 1 + Math.floor(Math.random() * 50))
    for (const item of page.items) {
      if (last !== null && !before(last, item.position)) problems.push(`an event at or behind the cursor`)
      last = item.position
      const e = JSON.parse(item.payload) as { data: { id: string; tenant_id: string | null; version: number; request_id: string } }
      seen.push({ requestId: e.data.request_id, key: `${e.data.id}/${e.data.tenant_id ?? ""}`, version: e.data.version })
    }
    cursor = page.after
    if (goal !== undefined && !page.hasMore && (seen.length >= goal || Date.now() - (stoppedAt ?? 0) > 10_000)) return { seen, problems }
  }
}

/** What the run must show for one consumer; empty when it holds. */
const verdict = (seen: ReadonlyArray<Seen>, table: ReadonlySet<string>, timed: ReadonlyArray<{ requestId: string; began: number; acked: number }>) => {
  const out: Array<string> = []
  const ids = seen.map((s) => s.requestId)
  if (new Set(ids).size !== ids.length) out.push("an event seen twice")
  const missing = [...table].filter((id) => !ids.includes(id))
  if (missing.length > 0) out.push(`${missing.length} events never seen`)
  if (ids.some((id) => !table.has(id))) out.push("an event that is not in the table")
  // (a) every set's versions consecutively from 1
  const versions = new Map<string, number>()
  for (const s of seen) {
    const prev = versions.get(s.key) ?? 0
    if (s.version !== prev + 1) out.push(`set ${s.key}: version ${s.version} after ${prev}`)
    versions.set(s.key, s.version)
  }
  // (b) acknowledged before the other began => comes first (1 ms margin between processes' clocks)
  const index = new Map(ids.map((id, i) => [id, i]))
  const byAck = [...timed].sort((x, y) => x.acked - y.acked)
  const byBegin = [...timed].sort((x, y) => x.began - y.began)
  let p = 0
  let maxIndex = -1
  for (const t of byBegin) {
    while (p < byAck.length && byAck[p]!.acked + 1 < t.began) maxIndex = Math.max(maxIndex, index.get(byAck[p++]!.requestId) ?? -1)
    const i = index.get(t.requestId)
    if (i !== undefined && i < maxIndex) out.push(`${t.requestId} came before a transaction acknowledged before it began`)
  }
  return [...new Set(out)].slice(0, 20)
}

describe.skipIf(!available)("the feed under concurrent writers (EVENTS.md §3)", () => {
  it.live(
    "every consumer sees exactly the event table in a commit-safe order; a numbering-at-insert stand-in loses events",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { url } = yield* throwawayDatabase
          const runtime = ManagedRuntime.make(layerPostgres({ url, poolSize: 6 }))
          yield* Effect.addFinalizer(() => Effect.promise(() => runtime.dispose()))
          const project = yield* Effect.promise(() =>
            runtime.runPromise(Effect.flatMap(ProjectRepository, (p) => p.create({ name: "feed test", securityMode: "on" })))
          )
          const projectId = project.id as ProjectId
          const sql = postgres(url, { max: 4, onnotice: () => {} })
          yield* Effect.addFinalizer(() => Effect.promise(() => sql.end({ timeout: 5 })))
          const users = Array.from({ length: USERS }, () => crypto.randomUUID())
          yield* Effect.promise(async () => {
            for (const [i, id] of users.entries()) {
              await sql`insert into users (project_id, id, external_id, created_at, updated_at, revision) values (${projectId}, ${id}, ${"u" + i}, now(), now(), 1)`
              await sql`insert into preference_sets (project_id, user_id, version, updated_at) values (${projectId}, ${id}, 0, now())`
            }
          })
          const { db } = yield* Effect.promise(() => runtime.runPromise(DrizzleDatabase))
          const spec = {
            projectId,
            users,
            tenants: TENANTS,
            seconds: SECONDS,
            writers: WRITERS_PER_PROCESS,
            global: statementOf(commitQuery(db, true)),
            tenant: statementOf(tenantCommitQuery(db))
          }
          const script = path.join(scratch, "feed-writer.mjs")
          fs.writeFileSync(script, WRITER)

          // Ours: the adapter's read; each event's position is looked up by id to check the order.
          const positionOf = new Map<string, FeedPosition>()
          const lookUp = async (ids: ReadonlyArray<string>) => {
            if (ids.length === 0) return
            const rows = await sql`select id::text as id, xid::text as xid, seq::text as seq from events where project_id = ${projectId} and id = any(${ids}::uuid[])`
            for (const r of rows) positionOf.set(String(r.id), { major: BigInt(String(r.xid)), minor: BigInt(String(r.seq)) })
          }
          const ours: Reader = async (after, limit) => {
            const slice = await runtime.runPromise(Effect.flatMap(EventRepository, (r) => r.read(projectId, { after, limit, types: null })))
            await lookUp(slice.items.map((e) => e.id))
            return { items: slice.items.map((e) => ({ payload: e.payload, position: positionOf.get(e.id)! })), after: slice.after, hasMore: slice.hasMore }
          }
          // The API's path (`GET /admin/events` without types): the page as one text.
          const oursText: Reader = async (after, limit) => {
            const page = await runtime.runPromise(Effect.flatMap(EventRepository, (r) => r.readText(projectId, { after, limit })))
            const events = JSON.parse(`[${page.json}]`) as Array<{ id: string }>
            await lookUp(events.map((e) => e.id))
            return { items: events.map((e) => ({ payload: JSON.stringify(e), position: positionOf.get(e.id)! })), after: page.after, hasMore: page.hasMore }
          }
          // The stand-in: a position taken at insert (the serial), read without a horizon.
          const standIn: Reader = async (after, limit) => {
            const from = after?.minor ?? 0n
            const rows = await sql`select seq::text, payload from events where project_id = ${projectId} and seq > ${from.toString()}::bigint order by seq limit ${limit + 1}`
            const kept = rows.slice(0, limit).map((r) => ({ payload: String(r.payload), position: { major: 0n, minor: BigInt(String(r.seq)) } }))
            return { items: kept, after: kept[kept.length - 1]?.position ?? { major: 0n, minor: from }, hasMore: rows.length > limit }
          }

          let goal: number | undefined
          const consumers = [...[ours, ours, oursText].map((reader) => consume(reader, () => goal)), ...[1, 2, 3].map(() => consume(standIn, () => goal))]
          const children = yield* Effect.promise(() =>
            Promise.all(Array.from({ length: PROCESSES }, (_, proc) => runNode(script, [url, JSON.stringify({ ...spec, proc })])))
          )
          for (const c of children) assert.strictEqual(c.code, 0, c.stderr)
          const timed = children.flatMap((c) => JSON.parse(c.stdout) as Array<{ requestId: string; began: number; acked: number }>)
          const rows = yield* Effect.promise(() => sql`select payload from events where project_id = ${projectId}`)
          goal = rows.length
          const results = yield* Effect.promise(() => Promise.all(consumers))
          const table = new Set(rows.map((r) => (JSON.parse(String(r.payload)) as { data: { request_id: string } }).data.request_id))
          // The table is exactly the acknowledged writes.
          assert.deepStrictEqual([...table].sort(), timed.map((t) => t.requestId).sort())
          assert.ok(table.size > 200, `only ${table.size} writes in ${SECONDS} s`)
          const oursResults = results.slice(0, 3)
          const standInResults = results.slice(3)
          for (const r of oursResults) {
            assert.deepStrictEqual(r.problems, [])
            assert.deepStrictEqual(verdict(r.seen, table, timed), [])
          }
          const standInFailures = standInResults.map((r) => [...r.problems, ...verdict(r.seen, table, timed)])
          console.log(`feed test: ${table.size} events; stand-in verdicts: ${JSON.stringify(standInFailures.map((f) => f.slice(0, 3)))}`)
          assert.ok(
            standInFailures.some((f) => f.length > 0),
            "the numbering-at-insert stand-in should have lost or misordered events under held-open transactions"
          )
        })
      ),
    { timeout: 180_000 }
  )
})
