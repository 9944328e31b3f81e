/**
 * The link token's bytes (LINKS.md §1): 99 bytes, base64url without padding (132 characters).
 *
 * | bytes | field |
 * |---|---|
 * | 0 | version `0x01` |
 * | 1–16, 17–20 | project UUID, key id |
 * | 21–36 | the internal user id, one AES-256 block under a key derived (HKDF-SHA256) from the link key |
 * | 37 | purpose (1 unsubscribe, 2 preference center, 3 undo ticket) |
 * | 38–45 | scope record id (all zero: none) |
 * | 46–49, 50–53 | `iat`, `exp`: unsigned 32-bit Unix seconds, big-endian |
 * | 54–65, 66 | `jti` (12 random bytes), `prev` (tickets: 0 no explicit choice, 1 `true`) |
 * | 67–98 | HMAC-SHA256 over bytes 0–66 with the link key |
 *
 * Only this module touches the bytes and node:crypto; what the claims mean is the domain's.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto"

export const TOKEN_BYTES = 99
export const TOKEN_CHARS = 132
const SIGNED = 67
/** Where the `jti` (bytes 54–65) starts in the token's characters: 54 / 3 × 4. */
const JTI_CHARS = 72
const VERSION = 1
const HKDF_INFO = Buffer.from("notiflows link user id v1")

/** What a token says, the user id still encrypted. */
export interface TokenFields {
  /** The project's UUID, lowercase with dashes. */
  readonly project: string
  /** 8 lowercase hex digits. */
  readonly kid: string
  readonly purpose: number
  /** 16 lowercase hex digits. */
  readonly scope: string
  readonly iat: number
  readonly exp: number
  /** 16 base64url characters. */
  readonly jti: string
  readonly prev: number
}

/** A decoded token (check 1 passed): its fields and what the MAC and decryption need. */
export interface ParsedToken extends TokenFields {
  readonly bytes: Buffer
}

/** What sealing needs besides the fields: the key and the user id in clear. */
export interface SealInput extends Omit<TokenFields, "jti"> {
  readonly jti?: string
  readonly userId: string
  readonly secret: Uint8Array
}

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/

const uuidBytes = (uuid: string): Buffer => {
  if (!UUID.test(uuid)) throw new Error("not a UUID")
  return Buffer.from(uuid.length === 32 ? uuid : uuid.replace(/-/g, ""), "hex")
}

const uuidOf = (bytes: Buffer): string => {
  const h = bytes.toString("hex")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * One AES-256-ECB cipher and decipher per (link key, project), kept: HKDF costs ~30 µs and a new
 * cipher context ~4 µs, against ~0.5 µs for a block through a kept one — a batch of 1,000 users
 * with two links seals 2,000 tokens, and every one-click verifies one (docs/performance.md). ECB
 * carries no state between blocks and every call passes exactly one block with padding off, so a
 * kept context returns each block at once and holds nothing back. Bounded: link keys are few per
 * project; the map is cleared when it reaches `MAX_KEYS` (a rotation storm costs a re-derivation).
 */
interface UserCipher {
  readonly encrypt: (block: Buffer) => Buffer
  readonly decrypt: (block: Buffer) => Buffer
}

const MAX_KEYS = 1024
const ciphers = new Map<string, UserCipher>()

const blockCipher = (c: { setAutoPadding(on: boolean): unknown; update(data: Buffer): Buffer }) => {
  c.setAutoPadding(false)
  return (block: Buffer): Buffer => c.update(block)
}

/** The last one used (a batch seals every token with one key and project). */
let last: { readonly secret: Uint8Array; readonly project: Buffer; readonly cipher: UserCipher } | undefined

/** The AES key of a link key (HKDF-SHA256, salt = the project's UUID bytes), as kept contexts. */
const userCipher = (secret: Uint8Array, project: Buffer): UserCipher => {
  if (last !== undefined && last.secret === secret && project.equals(last.project)) return last.cipher
  const cipher = keptCipher(secret, project)
  last = { secret, project: Buffer.from(project), cipher }
  return cipher
}

const keptCipher = (secret: Uint8Array, project: Buffer): UserCipher => {
  const id = `${Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString("base64")}/${project.toString("hex")}`
  const kept = ciphers.get(id)
  if (kept !== undefined) return kept
  const key = Buffer.from(hkdfSync("sha256", secret, project, HKDF_INFO, 32))
  const made = {
    encrypt: blockCipher(createCipheriv("aes-256-ecb", key, null)),
    decrypt: blockCipher(createDecipheriv("aes-256-ecb", key, null))
  }
  if (ciphers.size >= MAX_KEYS) ciphers.clear()
  ciphers.set(id, made)
  return made
}

const mac = (secret: Uint8Array, signed: Buffer): Buffer => createHmac("sha256", secret).update(signed).digest()

/** Random bytes for `jti`s, drawn 3 KiB at a time (one call into the CSPRNG per 256 tokens, not per token). */
const POOL = 12 * 256
let pool = Buffer.alloc(0)
let used = POOL

/** 12 fresh random bytes: their offset in `pool`. */
const drawJti = (): number => {
  if (used + 12 > pool.length) {
    pool = randomBytes(POOL)
    used = 0
  }
  used += 12
  return used - 12
}

/** A new `jti`: 12 random bytes as 16 base64url characters. */
export const newJti = (): string => {
  const at = drawJti()
  return pool.toString("base64url", at, at + 12)
}

/** The token for `input`; a fresh `jti` unless one is given (tickets repeat their link's). */
export const seal = (input: SealInput): { readonly token: string; readonly jti: string } => {
  const jti = input.jti ?? newJti()
  const b = Buffer.alloc(TOKEN_BYTES)
  const project = uuidBytes(input.project)
  b[0] = VERSION
  project.copy(b, 1)
  Buffer.from(input.kid, "hex").copy(b, 17)
  userCipher(input.secret, project).encrypt(uuidBytes(input.userId)).copy(b, 21)
  b[37] = input.purpose
  Buffer.from(input.scope, "hex").copy(b, 38)
  b.writeUInt32BE(input.iat, 46)
  b.writeUInt32BE(input.exp, 50)
  Buffer.from(jti, "base64url").copy(b, 54)
  b[66] = input.prev
  mac(input.secret, b.subarray(0, SIGNED)).copy(b, SIGNED)
  return { token: b.toString("base64url"), jti }
}

/** What changes between the tokens of one {@link batchSealer}. */
export interface BatchSealInput {
  readonly userId: string
  readonly purpose: number
  readonly scope: string
  readonly iat: number
  readonly exp: number
}

/**
 * Seals many tokens under one link key and project (a batch evaluation's links, LINKS.md §2.2):
 * the same bytes as {@link seal} with a fresh `jti` and `prev` 0, but the version, project and
 * key id are written once into one buffer, the `jti` is copied from the random pool without a
 * base64url round trip, and a user id is encrypted once for consecutive tokens of that user (a
 * batch asks for up to two per user). Synchronous: each call's token is complete when it returns.
 */
export const batchSealer = (project: string, kid: string, secret: Uint8Array) => {
  const b = Buffer.alloc(TOKEN_BYTES)
  const signed = b.subarray(0, SIGNED)
  const projectBytes = uuidBytes(project)
  const cipher = userCipher(secret, projectBytes)
  b[0] = VERSION
  projectBytes.copy(b, 1)
  Buffer.from(kid, "hex").copy(b, 17)
  let lastUser: string | undefined
  let lastScope: string | undefined
  return (input: BatchSealInput): { readonly token: string; readonly jti: string } => {
    if (input.userId !== lastUser) {
      cipher.encrypt(uuidBytes(input.userId)).copy(b, 21)
      lastUser = input.userId
    }
    b[37] = input.purpose
    if (input.scope !== lastScope) {
      b.fill(0, 38, 46)
      Buffer.from(input.scope, "hex").copy(b, 38)
      lastScope = input.scope
    }
    b.writeUInt32BE(input.iat, 46)
    b.writeUInt32BE(input.exp, 50)
    const at = drawJti()
    pool.copy(b, 54, at, at + 12)
    b[66] = 0
    mac(secret, signed).copy(b, SIGNED)
    const token = b.toString("base64url")
    // Bytes 54–65 start on a 3-byte boundary: their base64url is the token's characters 72–87.
    return { token, jti: token.slice(JTI_CHARS, JTI_CHARS + 16) }
  }
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{132}$/

/** Check 1 (§1): 132 base64url characters decoding to 99 bytes of version 1; `undefined` otherwise. */
export const parse = (token: string): ParsedToken | undefined => {
  if (!TOKEN_SHAPE.test(token)) return undefined
  const bytes = Buffer.from(token, "base64url")
  // 132 chars are exactly 99 bytes; re-encoding rejects non-canonical trailing bits.
  if (bytes.length !== TOKEN_BYTES || bytes.toString("base64url") !== token || bytes[0] !== VERSION) return undefined
  return {
    bytes,
    project: uuidOf(bytes.subarray(1, 17)),
    kid: bytes.subarray(17, 21).toString("hex"),
    purpose: bytes[37] ?? 0,
    scope: bytes.subarray(38, 46).toString("hex"),
    iat: bytes.readUInt32BE(46),
    exp: bytes.readUInt32BE(50),
    jti: bytes.subarray(54, 66).toString("base64url"),
    prev: bytes[66] ?? 0
  }
}

/** Check 3: the MAC, compared in constant time. */
export const macValid = (t: ParsedToken, secret: Uint8Array): boolean =>
  timingSafeEqual(mac(secret, t.bytes.subarray(0, SIGNED)), t.bytes.subarray(SIGNED))

/** The internal user id of a token whose MAC holds. */
export const userIdOf = (t: ParsedToken, secret: Uint8Array): string =>
  uuidOf(userCipher(secret, t.bytes.subarray(1, 17)).decrypt(t.bytes.subarray(21, 37)))
