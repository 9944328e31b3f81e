/**
 * Conformance of bulk jobs (BULK.md §1): submit validation (every problem by dotted path,
 * nothing queued), execution (merge, replace, tenant sets, unknown users, `if_match`, the catalog
 * changed since the submit, no-ops), each item exactly once (a second runner changes nothing),
 * one `bulk_job.completed`, claims (one job at a time per project, in order; a passed claim is
 * taken over; a stalled job ends `failed`), listing, item pages and retention.
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import {
  deleteNotiflow,
  getJob,
  getScopedHistory,
  getScopedPreferences,
  JobRepository,
  listJobs,
  runNextJob,
  scopeOf,
  updateScopedPreferences,
  updateTenantDefaults
} from "@notiflows/domain"
import type { EventRepository as EventRepositoryTag, ExternalUserId } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { jobsChunkCases } from "./JobsChunkSuite.js"
import { jobsConcurrencyCases } from "./JobsConcurrencySuite.js"
import { flipFailure, freshId, freshProject, freshUserId } from "./internal/fixtures.js"
import { allItems, bulk, drain, eventsOf, fields, setup, submit, testExecutor, versionTag } from "./internal/jobsFixtures.js"
import { pid, tenant } from "./internal/modelHarness.js"

export { testExecutor } from "./internal/jobsFixtures.js"

export type JobsLayer = Layer.Layer<AdapterServices | ModelServices | EventRepositoryTag, unknown>
type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepositoryTag, true>

export const jobsCases = (it: It): void => {
  describe("submit", () => {
    it.effect("every problem by dotted path; nothing is queued", () =>
      Effect.gen(function* () {
        const { projectId, users } = yield* setup
        const u = users[0]!
        const bad = yield* flipFailure(
          submit(projectId, {
            items: [
              { user_id: u, preferences: { channel_types: { fax: false } } },
              { user_id: "", preferences: {} },
              { user_id: u, preferences: { notiflows: { missing_nf: { enabled: false } } }, if_match: "W/\"x\"" },
              { user_id: "other" }
            ]
          })
        )
        assert.deepStrictEqual(fields(bad), [
          "items.0.preferences.channel_types.fax|unknown_channel_type",
          "items.1.user_id|invalid_format",
          "items.2.if_match|invalid_format",
          "items.2.preferences.notiflows.missing_nf|unknown_notiflow",
          "items.2.user_id|invalid_format",
          "items.3.preferences|required"
        ])
        assert.deepStrictEqual(fields(yield* flipFailure(submit(projectId, { items: [], user_ids: [u], preferences: {} }))), ["|invalid_format"])
        assert.deepStrictEqual(fields(yield* flipFailure(submit(projectId, {}))), ["items|required"])
        assert.deepStrictEqual(fields(yield* flipFailure(submit(projectId, { items: [] }))), ["items|required"])
        const many = Array.from({ length: 1001 }, (_, i) => `u${i}`)
        assert.deepStrictEqual(fields(yield* flipFailure(submit(projectId, { user_ids: many, preferences: {} }))), ["user_ids|too_many"])
        assert.deepStrictEqual(fields(yield* flipFailure(submit(projectId, { user_ids: [u, "x", u], preferences: { channel_types: { sms: 1 } } }))), [
          "preferences.channel_types.sms|invalid_type",
          "user_ids.2|invalid_format"
        ])
        assert.deepStrictEqual(fields(yield* flipFailure(submit(projectId, { mode: "upsert", user_ids: [u], preferences: {} }))), ["mode|invalid_format"])
        const page = yield* listJobs(projectId, { limit: 10 })
        assert.strictEqual(page.items.length, 0)
      }))

    it.effect("a tenant's locked leaves are refused at submit", () =>
      Effect.gen(function* () {
        const { projectId, users } = yield* setup
        const t = tenant()
        yield* updateTenantDefaults(projectId, t, { channel_types: { sms: false }, locks: { channel_types: { sms: true } } })
        const bad = yield* flipFailure(submit(projectId, { tenant_id: t, user_ids: [users[0]!], preferences: { channel_types: { sms: true } } }))
        assert.deepStrictEqual(fields(bad), ["preferences.channel_types.sms|locked"])
      }))

    it.effect("a queued job: counts, no items in the job, status queued", () =>
      Effect.gen(function* () {
        const { projectId, users } = yield* setup
        const job = yield* submit(projectId, { user_ids: users, preferences: { channel_types: { sms: false } } }, bulk("req_q"))
        assert.strictEqual(job.status, "queued")
        assert.strictEqual(job.mode, "merge")
        assert.strictEqual(job.requestId, "req_q")
        assert.deepStrictEqual(job.counts, { total: 3, pending: 3, updated: 0, unchanged: 0, failed: 0 })
        yield* drain()
      }))
  })

  describe("execution", () => {
    it.effect("merge: updated, unchanged, unknown user, if_match; ledger (source bulk, the submit's request id), events, completion event", () =>
      Effect.gen(function* () {
        const { projectId, nf, users } = yield* setup
        const [a, b, c] = users as [ExternalUserId, ExternalUserId, ExternalUserId]
        yield* updateScopedPreferences({ projectId, externalId: b, scope: scopeOf(null), audience: "admin", body: { channel_types: { sms: false } }, context: bulk() })
        const requestId = freshId("req")
        const job = yield* submit(
          projectId,
          {
            items: [
              { user_id: a, preferences: { channel_types: { sms: false }, notiflows: { [nf]: { enabled: false } } } },
              { user_id: b, preferences: { channel_types: { sms: false } } },
              { user_id: "nobody_" + freshId("x"), preferences: { channel_types: { sms: false } } },
              { user_id: c, preferences: { channel_types: { email: false } }, if_match: versionTag(7) },
              { user_id: freshUserId("late"), preferences: { channel_types: { email: false } } }
            ]
          },
          bulk(requestId)
        )
        yield* drain()
        const done = yield* allItems(projectId, job.id)
        assert.strictEqual(done.job.status, "completed")
        assert.deepStrictEqual(done.job.counts, { total: 5, pending: 0, updated: 1, unchanged: 1, failed: 3 })
        assert.isNotNull(done.job.startedAt)
        assert.isNotNull(done.job.completedAt)
        assert.deepStrictEqual(
          done.items.map((i) => [i.index, i.status, i.version, i.failure?.reason ?? null]),
          [
            [0, "updated", 1, null],
            [1, "unchanged", null, null],
            [2, "failed", null, "user_not_found"],
            [3, "failed", null, "precondition_failed"],
            [4, "failed", null, "user_not_found"]
          ]
        )
        const history = yield* getScopedHistory(projectId, a, scopeOf(null), "admin", { limit: 10 })
        assert.strictEqual(history.items.length, 1)
        assert.strictEqual(history.items[0]!.source, "bulk")
        assert.strictEqual(history.items[0]!.operation, "patch")
        assert.strictEqual(history.items[0]!.request_id, requestId)
        const updates = (yield* eventsOf(projectId, "preferences.updated", 2)).filter((e) => (e["data"] as { source: string }).source === "bulk" && (e["data"] as { user_id: string }).user_id === a)
        assert.strictEqual(updates.length, 1)
        const completed = yield* eventsOf(projectId, "bulk_job.completed", 1)
        assert.strictEqual(completed.length, 1)
        const data = completed[0]!["data"] as { job: Record<string, unknown> }
        assert.strictEqual(data.job["id"], job.id)
        assert.strictEqual(data.job["status"], "completed")
        assert.deepStrictEqual(data.job["counts"], { total: 5, pending: 0, updated: 1, unchanged: 1, failed: 3 })
        assert.isUndefined(data.job["items"])
      }))

    it.effect("replace in a tenant: reset then the patch, one entry with the net change (operation replace); if_match * holds", () =>
      Effect.gen(function* () {
        const { projectId, users } = yield* setup
        const t = tenant()
        const scope = scopeOf(t)
        const u = users[0]!
        yield* updateScopedPreferences({ projectId, externalId: u, scope, audience: "admin", body: { channel_types: { sms: false, mobile_push: false } }, context: bulk() })
        const job = yield* submit(projectId, {
          mode: "replace",
          tenant_id: t,
          items: [{ user_id: u, preferences: { channel_types: { sms: false, email: false, chat: null } }, if_match: "*" }]
        })
        assert.strictEqual(job.tenantId, t)
        yield* drain()
        const done = yield* allItems(projectId, job.id)
        assert.deepStrictEqual(done.items.map((i) => [i.status, i.version]), [["updated", 2]])
        const s = yield* getScopedPreferences(projectId, u, scope)
        assert.deepStrictEqual(s.scoped.channel_types, { sms: false, email: false })
        const [entry] = (yield* getScopedHistory(projectId, u, scope, "admin", { limit: 1 })).items
        assert.strictEqual(entry!.operation, "replace")
        assert.deepStrictEqual(
          entry!.changes.map((ch) => [ch.path, ch.from, ch.to]),
          [
            ["channel_types.email", null, false],
            ["channel_types.mobile_push", false, null]
          ]
        )
      }))

    it.effect("a notiflow deleted since the submit fails its items with the patch problem (422)", () =>
      Effect.gen(function* () {
        const { projectId, nf, users } = yield* setup
        const job = yield* submit(projectId, { user_ids: users.slice(0, 2), preferences: { notiflows: { [nf]: { enabled: false } } } })
        yield* deleteNotiflow(projectId, nf)
        yield* drain()
        const done = yield* allItems(projectId, job.id)
        assert.deepStrictEqual(done.job.counts, { total: 2, pending: 0, updated: 0, unchanged: 0, failed: 2 })
        const failure = done.items[0]!.failure
        assert.strictEqual(failure?.reason, "validation_failed")
        assert.deepStrictEqual(failure?.reason === "validation_failed" ? failure.issues.map((i) => `${i.field}|${i.reason}`) : [], [`notiflows.${nf}|unknown_notiflow`])
      }))

    it.effect("an item applies exactly once: a second runner of a settled item writes nothing", () =>
      Effect.gen(function* () {
        const { projectId, users } = yield* setup
        const u = users[0]!
        const job = yield* submit(projectId, { user_ids: [u], preferences: { channel_types: { sms: false } } })
        yield* drain()
        const repo = yield* JobRepository
        const s = yield* getScopedPreferences(projectId, u, scopeOf(null))
        const again = yield* repo.commitItem(
          {
            projectId,
            userId: s.userId,
            scope: scopeOf(null),
            expectedVersion: s.scoped.version,
            choices: { channel_types: { sms: true }, categories: {}, notiflows: {} },
            history: { actor: bulk().actor, request_id: null, changed_at: new Date(), changes: [], operation: "patch", source: "bulk", context: null }
          },
          { projectId, jobId: job.id, index: 0 }
        )
        assert.isTrue(Option.isNone(again))
        assert.isFalse(yield* repo.settleItem({ projectId, jobId: job.id, index: 0 }, { status: "unchanged" }))
        const after = yield* getScopedPreferences(projectId, u, scopeOf(null))
        assert.strictEqual(after.scoped.version, s.scoped.version)
        assert.deepStrictEqual(after.scoped.channel_types, { sms: false })
        assert.strictEqual((yield* getScopedHistory(projectId, u, scopeOf(null), "admin", { limit: 10 })).items.length, 1)
        // Finishing twice writes one completion event.
        const finished = yield* repo.finish({ projectId, jobId: job.id, status: "completed", error: null, at: new Date(), event: () => { throw new Error("not written") } })
        assert.isTrue(Option.isNone(finished))
      }))
  })

  describe("claims", () => {
    it.effect("a project's jobs one at a time in submission order; a passed claim is taken over; the old owner loses it", () =>
      Effect.gen(function* () {
        yield* drain()
        const { projectId, users } = yield* setup
        const repo = yield* JobRepository
        const first = yield* submit(projectId, { user_ids: [users[0]!], preferences: { channel_types: { sms: false } } })
        const second = yield* submit(projectId, { user_ids: [users[0]!], preferences: { channel_types: { sms: true } } })
        const claimed = yield* repo.claim({ owner: "a", claimMs: 60_000, at: new Date() })
        assert.strictEqual(Option.getOrThrow(claimed).job.id, first.id)
        assert.strictEqual(Option.getOrThrow(claimed).job.status, "running")
        // The second waits for the first, whose claim is live.
        assert.isTrue(Option.isNone(yield* repo.claim({ owner: "b", claimMs: 60_000, at: new Date() })))
        // An expired claim (here: released, as after a crash once the claim has passed) is taken over.
        yield* repo.release(projectId, first.id, "a")
        const taken = yield* repo.claim({ owner: "b", claimMs: 60_000, at: new Date() })
        assert.strictEqual(Option.getOrThrow(taken).job.id, first.id)
        assert.isFalse(yield* repo.renew({ projectId, jobId: first.id, owner: "a", claimMs: 60_000, at: new Date(), progressed: true }))
        assert.isTrue(yield* repo.renew({ projectId, jobId: first.id, owner: "b", claimMs: 60_000, at: new Date(), progressed: true }))
        yield* repo.release(projectId, first.id, "b")
        yield* drain()
        const a = yield* allItems(projectId, first.id)
        const b = yield* allItems(projectId, second.id)
        assert.strictEqual(a.job.status, "completed")
        assert.strictEqual(b.job.status, "completed")
        // Applied in submission order: the second job's value stands.
        const s = yield* getScopedPreferences(projectId, users[0]!, scopeOf(null))
        assert.deepStrictEqual(s.scoped.channel_types, { sms: true })
        assert.strictEqual(b.items[0]!.version, 2)
      }))

    it.effect("a job without progress past the stall time ends failed, its items pending, with one completion event", () =>
      Effect.gen(function* () {
        yield* drain()
        const { projectId, users } = yield* setup
        const job = yield* submit(projectId, { user_ids: users, preferences: { channel_types: { sms: false } } })
        yield* runNextJob(testExecutor({ stallMs: -60_000 }))
        const done = yield* allItems(projectId, job.id)
        assert.strictEqual(done.job.status, "failed")
        assert.strictEqual(done.job.error?.code, "stalled")
        assert.deepStrictEqual(done.job.counts, { total: 3, pending: 3, updated: 0, unchanged: 0, failed: 0 })
        const events = yield* eventsOf(projectId, "bulk_job.completed", 1)
        assert.strictEqual(events.length, 1)
        assert.strictEqual(((events[0]!["data"] as { job: { status: string } }).job).status, "failed")
      }))
  })

  describe("reads", () => {
    it.effect("jobs newest first, paginated; items in input order by cursor and status; unknown job; retention", () =>
      Effect.gen(function* () {
        const { projectId, users } = yield* setup
        const ids: Array<string> = []
        for (let i = 0; i < 3; i++) ids.push((yield* submit(projectId, { user_ids: [...users, "ghost_" + freshId("g")], preferences: { channel_types: { sms: i % 2 === 0 } } })).id)
        const first = yield* listJobs(projectId, { limit: 2 })
        assert.deepStrictEqual(first.items.map((j) => j.id), [ids[2], ids[1]])
        assert.isTrue(first.page.has_more_after)
        yield* drain()
        const page1 = yield* getJob(projectId, ids[0]!, { limit: 2 })
        assert.deepStrictEqual(page1.items.map((i) => i.index), [0, 1])
        assert.isTrue(page1.hasMore)
        const page2 = yield* getJob(projectId, ids[0]!, { limit: 2, after: page1.last! })
        assert.deepStrictEqual(page2.items.map((i) => i.index), [2, 3])
        assert.isFalse(page2.hasMore)
        const failed = yield* getJob(projectId, ids[0]!, { limit: 10, status: "failed" })
        assert.deepStrictEqual(failed.items.map((i) => i.index), [3])
        const unknown = yield* flipFailure(getJob(projectId, "01890000-0000-7000-8000-000000000000", { limit: 1 }))
        assert.strictEqual((unknown as { _tag: string })._tag, "JobNotFound")
        const other = pid((yield* freshProject).id)
        assert.strictEqual(((yield* flipFailure(getJob(other, ids[0]!, { limit: 1 }))) as { _tag: string })._tag, "JobNotFound")
        const repo = yield* JobRepository
        const removed = yield* repo.purge(new Date(Date.now() + 60_000))
        assert.isAtLeast(removed, 3)
        assert.strictEqual(((yield* flipFailure(getJob(projectId, ids[0]!, { limit: 1 }))) as { _tag: string })._tag, "JobNotFound")
      }))
  })
}

/** Registers the jobs suite against a layer (built once). */
export const jobsSuite = (name: string, layer_: JobsLayer): void =>
  layer(layer_, { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => [jobsCases, jobsConcurrencyCases, jobsChunkCases].forEach((cases) => cases(it)))
