/**
 * API keys (API.md §2), the policy: `pk_`/`sk_` + 32 random base62 characters, shown once,
 * stored only as the hex SHA-256 of the whole key plus a short visible prefix. The CLI and the
 * start-up provisioning mint keys here; authentication hashes a presented key the same way.
 *
 * Randomness and hashing come from Web Crypto (`globalThis.crypto`, global in Node 20 and every
 * browser), so the domain still imports nothing but `effect`. `crypto.subtle.digest` is
 * asynchronous, hence the Effects.
 */
import * as Effect from "effect/Effect"
import type { ApiKeyKind } from "./ProjectRepository.js"

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** Random characters after the kind prefix: 32 base62 characters ≈ 190 bits (≥ 128 required). */
export const API_KEY_RANDOM_LENGTH = 32

/** Characters of the key kept visible (`sk_` + 8) so people can tell keys apart in listings. */
export const API_KEY_PREFIX_LENGTH = 11

const KIND_PREFIX: { readonly [K in ApiKeyKind]: string } = { public: "pk_", secret: "sk_" }

/** A key as minted: the key itself (show it once), its visible prefix and its stored hash. */
export interface MintedApiKey {
  readonly kind: ApiKeyKind
  readonly key: string
  readonly prefix: string
  readonly hash: string
}

/** The part of Web Crypto used here (typed locally: no DOM or Node types in the domain's API). */
interface WebCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T
  readonly subtle: { digest(algorithm: "SHA-256", data: Uint8Array): Promise<ArrayBuffer> }
}
const webCrypto = (): WebCrypto => (globalThis as unknown as { readonly crypto: WebCrypto }).crypto

/** Uniform random base62 (rejection sampling: no modulo bias). */
const randomBase62 = (length: number): string => {
  let out = ""
  while (out.length < length) {
    for (const byte of webCrypto().getRandomValues(new Uint8Array(length * 2))) {
      // 248 = 4 × 62: bytes at or above it would bias the distribution.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]
    }
  }
  return out
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

/** Hex SHA-256 of the whole key (UTF-8): what storage holds and lookups use. */
export const hashApiKey = (key: string): Effect.Effect<string> =>
  Effect.map(
    Effect.promise(() => webCrypto().subtle.digest("SHA-256", new TextEncoder().encode(key))),
    (digest) => Array.from(new Uint8Array(digest), (b) => HEX[b]).join("")
  )

/** The visible prefix of a key (`sk_` + 8 characters). */
export const apiKeyPrefix = (key: string): string => key.slice(0, API_KEY_PREFIX_LENGTH)

/** A new random key of a kind, with its prefix and hash. */
export const mintApiKey = (kind: ApiKeyKind): Effect.Effect<MintedApiKey> =>
  Effect.suspend(() => {
    const key = `${KIND_PREFIX[kind]}${randomBase62(API_KEY_RANDOM_LENGTH)}`
    return Effect.map(hashApiKey(key), (hash) => ({ kind, key, prefix: apiKeyPrefix(key), hash }))
  })

// Lenient on length so keys configured from the environment (NOTIFLOWS_*_KEY) keep working.
const KEY_SHAPE = /^(pk|sk)_[A-Za-z0-9_-]{8,200}$/

/** The kind a key's shape claims, or `undefined` when it cannot be one of our keys. */
export const apiKeyKindOf = (key: string): ApiKeyKind | undefined => {
  const m = KEY_SHAPE.exec(key)
  return m === null ? undefined : m[1] === "pk" ? "public" : "secret"
}
