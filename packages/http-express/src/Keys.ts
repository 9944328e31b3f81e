/**
 * API keys (API.md §2): `pk_`/`sk_` + random base62, shown once, stored only as a SHA-256 hash
 * and a short visible prefix. Shared with the CLI, which creates and revokes keys.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import type { ApiKeyKind } from "@notiflows/domain"

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** Random characters after the kind prefix: 32 base62 characters ≈ 190 bits (≥ 128 required). */
export const API_KEY_RANDOM_LENGTH = 32

/** Characters of the key kept visible (`sk_` + 8) so people can tell keys apart in listings. */
export const API_KEY_PREFIX_LENGTH = 11

const KIND_PREFIX: { readonly [K in ApiKeyKind]: string } = { public: "pk_", secret: "sk_" }

/** A key as created: the key itself (show it once), its visible prefix and its stored hash. */
export interface GeneratedApiKey {
  readonly key: string
  readonly prefix: string
  readonly hash: string
}

/** Uniform random base62 (rejection sampling: no modulo bias). */
const randomBase62 = (length: number): string => {
  let out = ""
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes at or above it would bias the distribution.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]
    }
  }
  return out
}

/** Hex SHA-256 of the whole key: what storage holds and lookups use. */
export const hashApiKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex")

/** A new random key of a kind with its prefix and hash. */
export const generateApiKey = (kind: ApiKeyKind): GeneratedApiKey => {
  const key = `${KIND_PREFIX[kind]}${randomBase62(API_KEY_RANDOM_LENGTH)}`
  return { key, prefix: key.slice(0, API_KEY_PREFIX_LENGTH), hash: hashApiKey(key) }
}

// Lenient on length so keys configured from the environment (NOTIFLOWS_*_KEY) keep working.
const KEY_SHAPE = /^(pk|sk)_[A-Za-z0-9_-]{8,200}$/

/** The kind a key's shape claims, or `undefined` when it cannot be one of our keys. */
export const apiKeyKindOf = (key: string): ApiKeyKind | undefined => {
  const m = KEY_SHAPE.exec(key)
  return m === null ? undefined : m[1] === "pk" ? "public" : "secret"
}

/** Constant-time string equality (lengths may differ: compared over hashes of equal size). */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const ha = createHash("sha256").update(a, "utf8").digest()
  const hb = createHash("sha256").update(b, "utf8").digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}
