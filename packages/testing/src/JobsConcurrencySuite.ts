/**
 * Jobs under concurrency (BULK.md §1.2): two runners of one job at once (a paused instance whose
 * claim passed, and the instance that took the job over) apply every item exactly once; an
 * erasure between submit and run (EVENTS.md §1.3) anonymises the user's items.
 */
import { assert, describe } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { deleteUser, getScopedHistory, JobRepository, runItem, scopeOf } from "@notiflows/domain"
import type { EventRepository } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { createUser, freshProject, freshUserId } from "./internal/fixtures.js"
import { allItems, drain, eventsOf, submit, testExecutor } from "./internal/jobsFixtures.js"
import { pid } from "./internal/modelHarness.js"

type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepository, true>

export const jobsConcurrencyCases = (it: It): void => {
  describe("concurrency", () => {
    it.effect("two runners of one job (a zombie and its successor) apply every item once", () =>
      Effect.gen(function* () {
        yield* drain()
        const projectId = pid((yield* freshProject).id)
        const users = Array.from({ length: 24 }, () => freshUserId("race"))
        for (const u of users) yield* createUser(projectId, u)
        const job = yield* submit(projectId, { user_ids: users, preferences: { channel_types: { sms: false, email: false } } })
        const repo = yield* JobRepository
        const claimed = Option.getOrThrow(yield* repo.claim({ owner: "zombie", claimMs: 60_000, at: new Date() })).job
        const pending = yield* repo.pending(projectId, job.id, 100)
        assert.strictEqual(pending.length, users.length)
        const options = testExecutor()
        yield* Effect.all(
          [
            Effect.forEach(pending, (item) => runItem(claimed, item, options), { concurrency: 6, discard: true }),
            Effect.forEach([...pending].reverse(), (item) => runItem(claimed, item, options), { concurrency: 6, discard: true })
          ],
          { concurrency: 2, discard: true }
        )
        const done = yield* allItems(projectId, job.id)
        assert.deepStrictEqual(done.job.counts, { total: users.length, pending: 0, updated: users.length, unchanged: 0, failed: 0 })
        assert.isTrue(done.items.every((i) => i.version === 1))
        for (const u of users) assert.strictEqual((yield* getScopedHistory(projectId, u, scopeOf(null), "admin", { limit: 10 })).items.length, 1)
        const events = yield* eventsOf(projectId, "preferences.updated", users.length)
        assert.strictEqual(events.length, users.length)
        yield* repo.release(projectId, job.id, "zombie")
        yield* drain()
        assert.strictEqual((yield* allItems(projectId, job.id)).job.status, "completed")
      }))

    it.effect("erasure: the user's items lose their user id; a pending one fails as an unknown user; settled ones keep their result", () =>
      Effect.gen(function* () {
        yield* drain()
        const projectId = pid((yield* freshProject).id)
        const [a, b] = [freshUserId("erased"), freshUserId("erased")]
        for (const u of [a, b]) yield* createUser(projectId, u)
        const done = yield* submit(projectId, { user_ids: [a], preferences: { channel_types: { sms: false } } })
        yield* drain()
        const queued = yield* submit(projectId, { user_ids: [a, b], preferences: { channel_types: { email: false } } })
        yield* deleteUser(projectId, a)
        yield* drain()
        const first = yield* allItems(projectId, done.id)
        assert.deepStrictEqual(first.items.map((i) => [i.userId, i.status, i.version]), [[null, "updated", 1]])
        const second = yield* allItems(projectId, queued.id)
        assert.strictEqual(second.job.status, "completed")
        assert.deepStrictEqual(second.items.map((i) => [i.userId, i.status, i.failure?.reason ?? null]), [
          [null, "failed", "user_not_found"],
          [b, "updated", null]
        ])
      }))
  })
}
