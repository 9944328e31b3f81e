import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { API_KEY_PREFIX_LENGTH, apiKeyKindOf, apiKeyPrefix, hashApiKey, mintApiKey } from "@notiflows/domain"

describe("API keys", () => {
  it.effect("a minted key has its kind's prefix, 32 base62 characters, its visible prefix and its SHA-256", () =>
    Effect.gen(function* () {
      for (const [kind, tag] of [["public", "pk_"], ["secret", "sk_"]] as const) {
        const minted = yield* mintApiKey(kind)
        assert.match(minted.key, new RegExp(`^${tag}[0-9A-Za-z]{32}$`))
        assert.strictEqual(minted.kind, kind)
        assert.strictEqual(minted.prefix, minted.key.slice(0, API_KEY_PREFIX_LENGTH))
        assert.strictEqual(minted.prefix, apiKeyPrefix(minted.key))
        assert.strictEqual(minted.hash, yield* hashApiKey(minted.key))
        assert.strictEqual(apiKeyKindOf(minted.key), kind)
      }
    }))

  it.effect("the hash is the hex SHA-256 of the key's UTF-8 bytes", () =>
    Effect.gen(function* () {
      // FIPS 180-2 test vector.
      assert.strictEqual(yield* hashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }))

  it.effect("1,000 keys are distinct and use the whole alphabet", () =>
    Effect.gen(function* () {
      const keys = yield* Effect.all(Array.from({ length: 1_000 }, () => mintApiKey("secret")))
      assert.strictEqual(new Set(keys.map((k) => k.key)).size, 1_000)
      const seen = new Set(keys.flatMap((k) => [...k.key.slice(3)]))
      assert.strictEqual(seen.size, 62)
    }))

  it("a key's shape names its kind; anything else is none", () => {
    assert.strictEqual(apiKeyKindOf("pk_abcdefgh"), "public")
    assert.strictEqual(apiKeyKindOf("sk_abc-def_gh"), "secret")
    for (const bad of ["", "sk_", "sk_short", "xk_abcdefgh", "sk_abcdefgh!", " sk_abcdefgh"]) assert.isUndefined(apiKeyKindOf(bad))
  })
})
