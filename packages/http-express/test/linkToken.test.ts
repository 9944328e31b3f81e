/**
 * The link token's bytes (LINKS.md §1): round trip, any bit flip fails verification, the length
 * is fixed whatever the ids, and nothing personal is decodable.
 */
import { randomBytes, randomUUID } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { macValid, newJti, parse, seal, TOKEN_CHARS, userIdOf } from "../src/links/LinkToken.js"

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString("hex"))
const u32 = fc.integer({ min: 0, max: 0xffffffff })

const input = fc.record({
  project: fc.uuid(),
  userId: fc.uuid(),
  kid: hex(4),
  scope: hex(8),
  purpose: fc.constantFrom(1, 2, 3),
  iat: u32,
  exp: u32,
  prev: fc.constantFrom(0, 1),
  secret: fc.uint8Array({ minLength: 32, maxLength: 32 })
})

describe("link tokens", () => {
  it("round trip: every field reads back, the MAC holds, the user id decrypts; 132 URL-safe characters whatever the ids", () => {
    fc.assert(
      fc.property(input, (i) => {
        const { token, jti } = seal(i)
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
        expect(token.length).toBe(TOKEN_CHARS)
        expect(jti).toMatch(/^[A-Za-z0-9_-]{16}$/)
        const t = parse(token)
        expect(t).toBeDefined()
        expect({ project: t!.project, kid: t!.kid, purpose: t!.purpose, scope: t!.scope, iat: t!.iat, exp: t!.exp, prev: t!.prev, jti: t!.jti }).toEqual({
          project: i.project.toLowerCase(),
          kid: i.kid,
          purpose: i.purpose,
          scope: i.scope,
          iat: i.iat,
          exp: i.exp,
          prev: i.prev,
          jti
        })
        expect(macValid(t!, i.secret)).toBe(true)
        expect(userIdOf(t!, i.secret)).toBe(i.userId.toLowerCase())
      }),
      { numRuns: 300 }
    )
  })

  it("any single bit flip makes the token malformed or its MAC fail", () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 99 * 8 - 1 }), (i, bit) => {
        const { token } = seal(i)
        const bytes = Buffer.from(token, "base64url")
        bytes[bit >> 3]! ^= 1 << (bit & 7)
        const t = parse(bytes.toString("base64url"))
        expect(t === undefined || !macValid(t, i.secret)).toBe(true)
      }),
      { numRuns: 1000 }
    )
  })

  it("another key's MAC fails; a ticket can repeat its link's jti", () => {
    const secret = randomBytes(32)
    const base = { project: randomUUID(), userId: randomUUID(), kid: "0a0b0c0d", scope: "0000000000000000", purpose: 1, iat: 1, exp: 2, prev: 0, secret }
    const { token, jti } = seal(base)
    expect(macValid(parse(token)!, randomBytes(32))).toBe(false)
    const ticket = seal({ ...base, purpose: 3, prev: 1, jti })
    expect(parse(ticket.token)!.jti).toBe(jti)
  })

  it("the user id is not readable: the same user under two keys gives unrelated bytes, and no byte run of the UUID appears", () => {
    const userId = randomUUID()
    const base = { project: randomUUID(), userId, kid: "00000001", scope: "0000000000000000", purpose: 2, iat: 1, exp: 2, prev: 0 }
    const a = Buffer.from(seal({ ...base, secret: randomBytes(32) }).token, "base64url")
    const b = Buffer.from(seal({ ...base, secret: randomBytes(32) }).token, "base64url")
    expect(a.subarray(21, 37).equals(b.subarray(21, 37))).toBe(false)
    const raw = Buffer.from(userId.replace(/-/g, ""), "hex")
    expect(a.includes(raw.subarray(0, 6))).toBe(false)
  })

  it("kept cipher contexts: interleaved keys and projects, sealed and opened in any order, each user id decrypts under its own key only", () => {
    const keys = Array.from({ length: 4 }, () => ({ secret: new Uint8Array(randomBytes(32)), project: randomUUID() }))
    const sealed = Array.from({ length: 400 }, (_, i) => {
      const key = keys[i % keys.length]!
      const userId = randomUUID()
      const { token } = seal({ project: key.project, kid: "0000abcd", secret: key.secret, userId, purpose: 1, scope: "0000000000000001", iat: 1, exp: 2, prev: 0 })
      return { key, userId, token }
    })
    for (const { key, userId, token } of sealed.reverse()) {
      const parsed = parse(token)!
      expect(userIdOf(parsed, key.secret)).toBe(userId)
      const other = keys.find((k) => k !== key)!
      expect(userIdOf(parsed, other.secret)).not.toBe(userId)
    }
  })

  it("jti: 12 fresh random bytes each (pooled draws never repeat across pool refills)", () => {
    const jtis = Array.from({ length: 3000 }, () => newJti())
    expect(new Set(jtis).size).toBe(jtis.length)
    for (const j of jtis) expect(Buffer.from(j, "base64url")).toHaveLength(12)
  })

  it("check 1 refuses wrong lengths, characters and versions", () => {
    const { token } = seal({ project: randomUUID(), userId: randomUUID(), kid: "00000001", scope: "0000000000000000", purpose: 1, iat: 1, exp: 2, prev: 0, secret: randomBytes(32) })
    expect(parse(token.slice(1))).toBeUndefined()
    expect(parse(`${token}A`)).toBeUndefined()
    expect(parse(`${token.slice(0, 131)}=`)).toBeUndefined()
    expect(parse(`${token.slice(0, 131)}+`)).toBeUndefined()
    const v2 = Buffer.from(token, "base64url")
    v2[0] = 2
    expect(parse(v2.toString("base64url"))).toBeUndefined()
  })
})
