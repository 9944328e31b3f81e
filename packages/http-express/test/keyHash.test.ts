/**
 * Authentication hashes presented keys with node:crypto (hot path); minting stores the domain's
 * Web Crypto hash. A key minted by the domain must be found by the hash the router computes.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import { apiKeyKindOf, hashApiKey, mintApiKey } from "@notiflows/domain"
import { hashPresentedKey, sameKeyHash } from "../src/internal/KeyHash.js"

describe("API key hash", () => {
  it.effect("a minted key's stored hash is the hash authentication computes", () =>
    Effect.gen(function* () {
      for (const kind of ["public", "secret"] as const) {
        const minted = yield* mintApiKey(kind)
        assert.strictEqual(apiKeyKindOf(minted.key), kind)
        assert.strictEqual(hashPresentedKey(minted.key), minted.hash)
      }
    }))

  it("the domain's and the transport's hashes agree on any string (Unicode included)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.fullUnicodeString({ maxLength: 64 }), async (s) => {
        assert.strictEqual(await Effect.runPromise(hashApiKey(s)), hashPresentedKey(s))
      }),
      { numRuns: 300 }
    )
  })

  it("sameKeyHash is string equality, for hashes and for any strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 70 }), fc.string({ unit: "binary", maxLength: 70 }), (a, b) => {
        assert.strictEqual(sameKeyHash(a, b), a === b)
        assert.isTrue(sameKeyHash(a, a))
        assert.strictEqual(sameKeyHash(hashPresentedKey(a), hashPresentedKey(b)), hashPresentedKey(a) === hashPresentedKey(b))
      }),
      { numRuns: 500 }
    )
    // Lone surrogates too (UTF-8 would encode both as U+FFFD).
    assert.isFalse(sameKeyHash("\ud800", "\udc00"))
  })
})
