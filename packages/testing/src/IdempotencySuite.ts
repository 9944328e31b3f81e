/**
 * Conformance: idempotency records. Claims are exclusive, responses replay, a different
 * request under the same key is a mismatch, released and expired records can be claimed again,
 * a claim whose process died is taken over after its lock, and concurrent claims yield one owner.
 */
import type { Vitest } from "@effect/vitest"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { ClaimInput, IdempotentOutcome } from "@notiflows/domain"
import { IdempotencyRepository } from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { freshId } from "./internal/fixtures.js"
import { runSuite } from "./internal/harness.js"
import { randomProjectId } from "./Ids.js"

const HOUR = 3_600_000
// An opaque payload: stores keep it byte-identical, whatever the transport encoded in it.
const outcome: IdempotentOutcome = {
  requestId: "req_1",
  payload: '{"status":200,"headers":{"etag":"\\"abc\\""},"body":"{\\"name\\":\\"Zoë 🚀 \\\\u0000\\"}"}'
}

const claimAt = (now: number, overrides: Partial<ClaimInput> = {}): ClaimInput => ({
  projectId: randomProjectId(),
  scope: "admin",
  key: freshId("key"),
  fingerprint: "f1",
  now: new Date(now),
  expiresAt: new Date(now + 24 * HOUR),
  lockedUntil: new Date(now + 60_000),
  ...overrides
})

/** The idempotency cases, for an `it` that provides the port. */
export const idempotencyCases = (it: Vitest.MethodsNonLive<IdempotencyRepository, true>): void => {
  it.effect("claims once, replays the completed response, and refuses another request under the key", () =>
    Effect.gen(function* () {
      const repo = yield* IdempotencyRepository
      const input = claimAt(Date.now())
      assert.deepStrictEqual(yield* repo.claim(input), { _tag: "Claimed" })
      assert.deepStrictEqual(yield* repo.claim(input), { _tag: "InProgress" })
      assert.deepStrictEqual(yield* repo.claim({ ...input, fingerprint: "f2" }), { _tag: "Mismatch" })
      yield* repo.complete(input, input.fingerprint, outcome)
      assert.deepStrictEqual(yield* repo.claim(input), { _tag: "Completed", outcome })
      assert.deepStrictEqual(yield* repo.claim({ ...input, fingerprint: "f2" }), { _tag: "Mismatch" })
    }))

  it.effect("scopes keys by project and scope", () =>
    Effect.gen(function* () {
      const repo = yield* IdempotencyRepository
      const input = claimAt(Date.now())
      assert.strictEqual((yield* repo.claim(input))._tag, "Claimed")
      assert.strictEqual((yield* repo.claim({ ...input, projectId: randomProjectId() }))._tag, "Claimed")
      assert.strictEqual((yield* repo.claim({ ...input, scope: "user:someone" }))._tag, "Claimed")
    }))

  it.effect("a released claim may be claimed again; releasing or completing with another fingerprint does nothing", () =>
    Effect.gen(function* () {
      const repo = yield* IdempotencyRepository
      const input = claimAt(Date.now())
      yield* repo.claim(input)
      yield* repo.release(input, "other")
      yield* repo.complete(input, "other", outcome)
      assert.strictEqual((yield* repo.claim(input))._tag, "InProgress")
      yield* repo.release(input, input.fingerprint)
      assert.strictEqual((yield* repo.claim(input))._tag, "Claimed")
    }))

  it.effect("a stale claim of the same request is taken over after its lock; another request still mismatches", () =>
    Effect.gen(function* () {
      const repo = yield* IdempotencyRepository
      const t0 = Date.now()
      const input = claimAt(t0)
      yield* repo.claim(input)
      const later = { ...input, now: new Date(t0 + 61_000), lockedUntil: new Date(t0 + 121_000) }
      assert.strictEqual((yield* repo.claim({ ...later, fingerprint: "f2" }))._tag, "Mismatch")
      assert.strictEqual((yield* repo.claim(later))._tag, "Claimed")
    }))

  it.effect("expired records count as absent and are purged", () =>
    Effect.gen(function* () {
      const repo = yield* IdempotencyRepository
      const t0 = Date.now()
      const input = claimAt(t0)
      yield* repo.claim(input)
      yield* repo.complete(input, input.fingerprint, outcome)
      const dayLater = new Date(t0 + 24 * HOUR)
      assert.isAtLeast(yield* repo.purgeExpired(dayLater), 1)
      const again = { ...input, fingerprint: "f2", now: dayLater, expiresAt: new Date(t0 + 48 * HOUR) }
      assert.strictEqual((yield* repo.claim(again))._tag, "Claimed")
      // A record expired but not yet purged is absent too.
      const other = claimAt(t0)
      yield* repo.claim(other)
      const claimLater = { ...other, fingerprint: "f9", now: new Date(t0 + 25 * HOUR), expiresAt: new Date(t0 + 49 * HOUR) }
      assert.strictEqual((yield* repo.claim(claimLater))._tag, "Claimed")
    }))

  it.effect("20 concurrent claims of one key yield exactly one owner", () =>
    Effect.gen(function* () {
      const repo = yield* IdempotencyRepository
      const input = claimAt(Date.now())
      const results = yield* Effect.all(
        Array.from({ length: 20 }, () => repo.claim(input)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.filter((r) => r._tag === "Claimed").length, 1)
      assert.strictEqual(results.filter((r) => r._tag === "InProgress").length, 19)
    }))
}

/** The idempotency cases alone, against a layer providing the port (built once). Also part of `conformanceSuite`. */
export const idempotencySuite = (name: string, layer_: Layer.Layer<IdempotencyRepository, unknown>, options?: SuiteOptions): void =>
  runSuite(name, layer_, options, idempotencyCases)
