/**
 * Conformance of erasure (EVENTS.md §1.3): in one go the user, its sets (global and tenant) and
 * ledger, and the idempotency records naming it are gone; its earlier events keep their id, type,
 * time and place with `data: {"redacted": true}`; one `user.deleted` follows; other users are
 * untouched; the external id later starts afresh. Run by {@link eventsSuite} on every adapter.
 */
import { assert, describe } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { EventRepository, ExternalUserId, ProjectId, UserId } from "@notiflows/domain"
import { deleteUser, globalScope, IdempotencyRepository, scopeOf, ScopedPreferenceRepository, upsertUserV2, UserRepository } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { admin, flipFailure, freshId, freshProject, freshUserId } from "./internal/fixtures.js"
import { dataOf, drain, put, settle } from "./internal/feed.js"
import { pid, tenant } from "./internal/modelHarness.js"

type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepository | IdempotencyRepository, true>

const upsert = (projectId: ProjectId, externalId: ExternalUserId, body: unknown) =>
  Effect.map(upsertUserV2({ projectId, externalId, body, context: admin() }), (r) => r.user)

/** Claims a key (never completed), as a request in flight or one whose outcome is kept. */
const claim = (projectId: ProjectId, scope: string, key: string, subjects: ReadonlyArray<string>) =>
  Effect.flatMap(IdempotencyRepository, (repo) =>
    repo.claim({
      projectId,
      scope,
      key,
      fingerprint: "fp",
      subjects,
      now: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
      lockedUntil: new Date(Date.now() + 3_600_000)
    })
  )

export const erasureCases = (it: It): void => {
  describe("erasure", () => {
    it.effect("removes user, sets, ledger and idempotency records; redacts its events in place; writes one user.deleted", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const a = freshUserId()
        const b = freshUserId()
        const t = tenant()
        const userA = yield* upsert(project, a, { email: `${a}@example.com`, custom_fields: { plan: `plan-${a}` }, preferences: { channel_types: { sms: false } } })
        yield* put(project, a, scopeOf(t), { channel_types: { email: false } })
        yield* upsert(project, b, { email: `${b}@example.com`, preferences: { channel_types: { sms: false } } })
        const k = freshId("key")
        yield* claim(project, `user:${a}`, `${k}-scope`, [])
        yield* claim(project, "admin", `${k}-path`, [a])
        yield* claim(project, "admin", `${k}-other`, [b])
        yield* settle
        const before = yield* drain(project, 7)
        assert.strictEqual(before.events.length, 5)

        const by = admin("req_erase")
        yield* deleteUser(project, a, by)
        yield* settle
        const after = yield* drain(project, 3)
        // Same events, same order, then the notice.
        assert.deepStrictEqual(after.events.slice(0, 5).map((e) => e["id"]), before.events.map((e) => e["id"]))
        assert.strictEqual(after.events.length, 6)
        for (const [i, e] of before.events.entries()) {
          const now = after.stored[i]!
          const aboutA = before.stored[i]!.userId === userA.id
          if (aboutA) {
            assert.strictEqual(
              now.payload,
              JSON.stringify({ id: e["id"], type: e["type"], occurred_at: e["occurred_at"], project_id: project, data: { redacted: true } })
            )
            assert.notInclude(now.orderingKey, a)
          } else {
            assert.strictEqual(now.payload, before.stored[i]!.payload)
          }
        }
        assert.strictEqual(before.stored.filter((e) => e.userId === userA.id).length, 3)
        const notice = after.events[5]!
        assert.strictEqual(notice["type"], "user.deleted")
        assert.deepStrictEqual(dataOf(notice), { user_id: a, id: userA.id, actor: by.actor, source: "admin_api", request_id: "req_erase" })
        assert.strictEqual(after.stored[5]!.orderingKey, `user:${a}`)

        // Independent reads: no user, no set, no ledger entry under the old internal id.
        assert.ok(Option.isNone(yield* Effect.flatMap(UserRepository, (u) => u.find(project, a))))
        const sets = yield* ScopedPreferenceRepository
        assert.ok(Option.isNone(yield* sets.load(project, a, globalScope)))
        for (const scope of [globalScope, scopeOf(t)]) {
          assert.deepStrictEqual((yield* sets.history(project, userA.id as UserId, scope, { limit: 10 })).items, [])
        }
        // The records naming A are gone (claimable again); B's stays.
        assert.strictEqual((yield* claim(project, `user:${a}`, `${k}-scope`, []))._tag, "Claimed")
        assert.strictEqual((yield* claim(project, "admin", `${k}-path`, [a]))._tag, "Claimed")
        assert.strictEqual((yield* claim(project, "admin", `${k}-other`, [b]))._tag, "InProgress")
        // B is untouched.
        assert.ok(Option.isSome(yield* sets.load(project, b, globalScope)))
      }))

    it.effect("an unknown user is UserNotFound and writes nothing; the external id starts afresh", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const a = freshUserId()
        assert.strictEqual((yield* flipFailure(deleteUser(project, a)))._tag, "UserNotFound")
        const first = yield* upsert(project, a, { preferences: { channel_types: { sms: false } } })
        yield* deleteUser(project, a)
        assert.strictEqual((yield* flipFailure(deleteUser(project, a)))._tag, "UserNotFound")
        const again = yield* upsert(project, a, { preferences: { channel_types: { email: false } } })
        assert.notStrictEqual(again.id, first.id)
        yield* settle
        const { events } = yield* drain(project, 100)
        assert.deepStrictEqual(
          events.map((e) => [e["type"], dataOf(e)["version"] ?? null]),
          [
            ["user.created", null],
            ["preferences.updated", null],
            ["user.deleted", null],
            ["user.created", null],
            ["preferences.updated", 1]
          ]
        )
        assert.deepStrictEqual(dataOf(events[4]!)["preferences"], { channel_types: { email: false }, categories: {}, notiflows: {} })
      }))
  })
}
