/**
 * The domain's idempotency policy over the reference store: scopes, lifetimes from the Clock,
 * and keep-or-release at the end of a request.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { IdempotentRequest } from "@notiflows/domain"
import { claimIdempotent, DEFAULT_IDEMPOTENCY_POLICY, finishIdempotent, IdempotencyRepository, idempotencyScope } from "@notiflows/domain"
import { Ids, InMemory } from "@notiflows/testing"

const request = (key: string): IdempotentRequest => ({
  projectId: Ids.randomProjectId(),
  scope: idempotencyScope({ api: "user", externalUserId: "ada" }),
  key,
  fingerprint: "f1"
})

describe("IdempotencyService", () => {
  it("scopes keys to the Admin API or to one user", () => {
    assert.strictEqual(idempotencyScope({ api: "admin" }), "admin")
    assert.strictEqual(idempotencyScope({ api: "user", externalUserId: "ada" }), "user:ada")
  })

  it.effect("a final outcome is replayed until the record expires (24 h by the Clock), then the key is free", () =>
    Effect.gen(function* () {
      const r = request("k1")
      assert.strictEqual((yield* claimIdempotent(r))._tag, "Claimed")
      yield* finishIdempotent(r, { _tag: "Final", outcome: { requestId: "req_1", payload: "{}" } })
      yield* TestClock.adjust(DEFAULT_IDEMPOTENCY_POLICY.ttlMs - 1)
      assert.deepStrictEqual(yield* claimIdempotent(r), { _tag: "Completed", outcome: { requestId: "req_1", payload: "{}" } })
      yield* TestClock.adjust(1)
      assert.strictEqual((yield* claimIdempotent({ ...r, fingerprint: "f2" }))._tag, "Claimed")
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("a retryable failure releases the key; a claim left running is taken over after its lock", () =>
    Effect.gen(function* () {
      const r = request("k2")
      yield* claimIdempotent(r)
      yield* finishIdempotent(r, { _tag: "Retryable" })
      assert.strictEqual((yield* claimIdempotent(r))._tag, "Claimed")
      assert.strictEqual((yield* claimIdempotent(r))._tag, "InProgress")
      yield* TestClock.adjust(DEFAULT_IDEMPOTENCY_POLICY.lockMs)
      assert.strictEqual((yield* claimIdempotent(r))._tag, "Claimed")
      // A custom policy and an explicit time are honoured.
      const at = new Date(0)
      const short = { ttlMs: 1_000, lockMs: 10 }
      const other = request("k3")
      yield* claimIdempotent(other, short, at)
      assert.strictEqual((yield* claimIdempotent(other, short, new Date(9)))._tag, "InProgress")
      assert.strictEqual((yield* claimIdempotent(other, short, new Date(10)))._tag, "Claimed")
      // Expiry follows the custom lifetime too (taken over at 10: expires at 1,010).
      assert.strictEqual(yield* Effect.flatMap(IdempotencyRepository, (repo) => repo.purgeExpired(new Date(1_010))), 1)
    }).pipe(Effect.provide(InMemory.layer)))
})
