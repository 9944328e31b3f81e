/**
 * Jobs run a chunk at a time (BULK.md §1.2, `BulkChunk.ts`): two runners of the same chunks at
 * once apply every item once; a writer that changes a set between the chunk's read and its commit
 * is never lost (the item writes nothing, is read again and applies on top), and never undoes the
 * chunk's other items; a chunk mixes writes with results settled without one.
 */
import { assert, describe } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  EventRepository as Events,
  getScopedHistory,
  getScopedPreferences,
  JobRepository,
  loadModelCatalog,
  patchChecker,
  planItem,
  renderEvent,
  runChunks,
  scopeOf,
  tenantDefaultsOf,
  updateScopedPreferences
} from "@notiflows/domain"
import type { ChunkWrite, EventRepository, ItemSettlement } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { createUser, freshProject, freshUserId } from "./internal/fixtures.js"
import { allItems, bulk, drain, eventsOf, submit, testExecutor } from "./internal/jobsFixtures.js"
import { pid, tenant } from "./internal/modelHarness.js"

type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepository, true>

export const jobsChunkCases = (it: It): void => {
  describe("chunks", () => {
    it.effect("two runners of the same chunks at once (a zombie and its successor) apply every item once", () =>
      Effect.gen(function* () {
        yield* drain()
        const projectId = pid((yield* freshProject).id)
        const users = Array.from({ length: 17 }, () => freshUserId("chunk"))
        for (const u of users) yield* createUser(projectId, u)
        const job = yield* submit(projectId, { user_ids: users, preferences: { channel_types: { sms: false } } })
        const repo = yield* JobRepository
        const claimed = Option.getOrThrow(yield* repo.claim({ owner: "zombie", claimMs: 60_000, at: new Date() })).job
        const options = testExecutor()
        let settled = 0
        const count = (n: number) => Effect.sync(() => void (settled += n))
        yield* Effect.all([runChunks(claimed, options.precondition, count, 5), runChunks(claimed, options.precondition, count, 4)], { concurrency: 2, discard: true })
        assert.strictEqual(settled, users.length)
        const done = yield* allItems(projectId, job.id)
        assert.deepStrictEqual(done.job.counts, { total: users.length, pending: 0, updated: users.length, unchanged: 0, failed: 0 })
        assert.isTrue(done.items.every((i) => i.version === 1))
        for (const u of users) assert.strictEqual((yield* getScopedHistory(projectId, u, scopeOf(null), "admin", { limit: 10 })).items.length, 1)
        assert.strictEqual((yield* eventsOf(projectId, "preferences.updated", users.length)).length, users.length)
        yield* repo.release(projectId, job.id, "zombie")
        yield* drain()
        assert.strictEqual((yield* allItems(projectId, job.id)).job.status, "completed")
      }))

    it.effect("a writer between a chunk's read and its commit is not lost: that item is read again, the others apply", () =>
      Effect.gen(function* () {
        yield* drain()
        const projectId = pid((yield* freshProject).id)
        const t = tenant()
        const scope = scopeOf(t)
        const [a, b, c, gone] = [freshUserId("mid"), freshUserId("mid"), freshUserId("mid"), freshUserId("missing")]
        for (const u of [a, b, c]) yield* createUser(projectId, u)
        // b's tenant set exists (version 1) and already says what the job says: unchanged.
        yield* updateScopedPreferences({ projectId, externalId: b, scope, audience: "admin", body: { channel_types: { sms: false } }, context: bulk() })
        const job = yield* submit(projectId, { tenant_id: t, user_ids: [a, b, c, gone], preferences: { channel_types: { sms: false } } })
        const repo = yield* JobRepository
        const claimed = Option.getOrThrow(yield* repo.claim({ owner: "runner", claimMs: 60_000, at: new Date() })).job
        // The chunk's read and plan, as the executor makes them.
        const items = yield* repo.pendingSnapshots(projectId, job.id, scope, -1, 10)
        const [catalog, defaults] = yield* loadModelCatalog(projectId)
        const ctx = { scope, catalog, defaults, tenant: yield* tenantDefaultsOf(projectId, scope), at: new Date(), precondition: testExecutor().precondition }
        const check = patchChecker(catalog, ctx.tenant?.locks)
        const writes: Array<ChunkWrite> = []
        const settlements: Array<{ index: number; settlement: ItemSettlement }> = []
        for (const item of items) {
          const plan = planItem(claimed, item, ctx, check)
          if (plan._tag === "write") writes.push(plan.write)
          else settlements.push({ index: item.index, settlement: plan.settlement })
        }
        assert.deepStrictEqual(writes.map((w) => [w.index, w.expectedVersion]), [[0, 0], [2, 0]])
        assert.deepStrictEqual(settlements.map((s) => [s.index, s.settlement.status]), [[1, "unchanged"], [3, "failed"]])
        // A concurrent writer creates a's tenant set before the commit.
        yield* updateScopedPreferences({ projectId, externalId: a, scope, audience: "admin", body: { channel_types: { email: false } }, context: bulk() })
        const outcome = yield* repo.commitChunk({ projectId, jobId: job.id, scope, writes, settlements })
        assert.deepStrictEqual([...outcome.written], [[2, 1]])
        assert.deepStrictEqual(outcome.retry, [0])
        assert.strictEqual(outcome.settled, 2)
        // Committing the same chunk again changes nothing: every item but a's is settled.
        const again = yield* repo.commitChunk({ projectId, jobId: job.id, scope, writes, settlements })
        assert.deepStrictEqual([again.written.size, again.settled, again.retry], [0, 0, [0]])
        yield* repo.release(projectId, job.id, "runner")
        yield* drain()
        const done = yield* allItems(projectId, job.id)
        assert.deepStrictEqual(done.items.map((i) => [i.status, i.version, i.failure?.reason ?? null]), [
          ["updated", 2, null],
          ["unchanged", null, null],
          ["updated", 1, null],
          ["failed", null, "user_not_found"]
        ])
        // Both writes of a stand: the concurrent writer's and the job's, one ledger entry each.
        const s = yield* getScopedPreferences(projectId, a, scope)
        assert.deepStrictEqual(s.scoped.channel_types, { email: false, sms: false })
        assert.deepStrictEqual((yield* getScopedHistory(projectId, a, scope, "admin", { limit: 10 })).items.map((e) => [e.version, e.source]), [
          [2, "bulk"],
          [1, "bulk"]
        ])
        assert.strictEqual((yield* getScopedHistory(projectId, c, scope, "admin", { limit: 10 })).items.length, 1)
      }))

    it.effect("a chunk stores each event's payload byte for byte as rendered, and each write's own ledger fields when they differ", () =>
      Effect.gen(function* () {
        yield* drain()
        const projectId = pid((yield* freshProject).id)
        const users = [freshUserId("bytes"), freshUserId("bytes"), freshUserId("bytes")]
        for (const u of users) yield* createUser(projectId, u)
        const job = yield* submit(projectId, { user_ids: users, preferences: { channel_types: { sms: false } } })
        const repo = yield* JobRepository
        const claimed = Option.getOrThrow(yield* repo.claim({ owner: "runner", claimMs: 60_000, at: new Date() })).job
        const scope = scopeOf(null)
        const items = yield* repo.pendingSnapshots(projectId, job.id, scope, -1, 10)
        const [catalog, defaults] = yield* loadModelCatalog(projectId)
        const ctx = { scope, catalog, defaults, tenant: undefined, at: new Date(), precondition: testExecutor().precondition }
        const check = patchChecker(catalog, undefined)
        // A request id that needs escaping in JSON, shared by the chunk's writes.
        const shared = 'req "shared" ü\\'
        const writes = items.map((item) => {
          const plan = planItem({ ...claimed, requestId: shared }, item, ctx, check)
          assert.strictEqual(plan._tag, "write")
          return (plan as Extract<typeof plan, { _tag: "write" }>).write
        })
        // The last write's entry differs from the others' (its own request id and time): it carries its own.
        const later = new Date(ctx.at.getTime() + 1000)
        const last = writes[2]!
        const history = { ...last.history, request_id: "req_own", changed_at: later }
        writes[2] = { ...last, history, event: { ...last.event, occurredAt: later, data: (id) => ({ ...(last.event.data(id) as object), request_id: "req_own" }) } }
        const outcome = yield* repo.commitChunk({ projectId, jobId: job.id, scope, writes, settlements: [] })
        assert.strictEqual(outcome.written.size, 3)
        const ledger = []
        for (const u of users) ledger.push((yield* getScopedHistory(projectId, u, scope, "admin", { limit: 10 })).items.map((e) => [e.request_id, e.changed_at.getTime()]))
        assert.deepStrictEqual(ledger, [[[shared, ctx.at.getTime()]], [[shared, ctx.at.getTime()]], [["req_own", later.getTime()]]])
        const events = yield* Events
        // The SQL feed shows a commit once older transactions (anywhere on the server) have ended.
        let stored = (yield* events.read(projectId, { after: null, limit: 1000, types: ["preferences.updated"] })).items
        for (let attempt = 0; attempt < 200 && stored.length < 3; attempt++) {
          yield* Effect.sleep(25)
          stored = (yield* events.read(projectId, { after: null, limit: 1000, types: ["preferences.updated"] })).items
        }
        assert.strictEqual(stored.length, 3)
        stored.forEach((e, i) => {
          const w = writes[i]!
          assert.strictEqual(e.payload, renderEvent(e.id, projectId, w.event, w.userId).payload)
          assert.strictEqual(e.occurredAt.getTime(), w.event.occurredAt.getTime())
          assert.strictEqual(e.orderingKey, w.event.orderingKey)
        })
        yield* repo.release(projectId, job.id, "runner")
        yield* drain()
      }))
  })
}
