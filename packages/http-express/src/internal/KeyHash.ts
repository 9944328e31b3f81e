/**
 * Checking a presented API key on the hot path. The policy (shape, hash, minting) is the
 * domain's `ApiKeys`; its `hashApiKey` goes through Web Crypto's asynchronous digest, which costs
 * ~20 µs of CPU per call against ~1.3 µs for `node:crypto` here (Node 20, measured), and every
 * authenticated request hashes its key. So the transport computes the same hex SHA-256
 * synchronously; test/keyHash.test.ts proves the two agree.
 */
import { createHash, timingSafeEqual } from "node:crypto"

/** Hex SHA-256 of the whole key (UTF-8): identical to the domain's `hashApiKey`. */
export const hashPresentedKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex")

/**
 * Constant-time equality of two key hashes (hex text, as {@link hashPresentedKey} writes and the
 * store keeps). Their length is public (64 for every key), so unequal lengths answer at once;
 * equal ones are compared byte for byte in constant time, without hashing them again.
 */
export const sameKeyHash = (a: string, b: string): boolean => {
  // UTF-16 code units as bytes: one-to-one for any string, so equal bytes are equal strings.
  return a.length === b.length && timingSafeEqual(Buffer.from(a, "utf16le"), Buffer.from(b, "utf16le"))
}
