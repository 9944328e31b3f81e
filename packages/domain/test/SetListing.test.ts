/**
 * The listing's order and cursor (EVENTS.md §5): code point order is UTF-8 byte order, `null`
 * tenants come first, and cursors round-trip while anything else is refused.
 */
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareCodePoints, compareSetKeys, decodeSetCursor, encodeCursor, encodeSetCursor } from "../src/index.js"

const sign = (n: number) => Math.sign(n)

describe("compareCodePoints", () => {
  it("orders like the strings' UTF-8 bytes (PostgreSQL COLLATE \"C\")", () => {
    fc.assert(
      fc.property(fc.fullUnicodeString(), fc.fullUnicodeString(), (a, b) => {
        expect(sign(compareCodePoints(a, b))).toBe(sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))))
      }),
      { numRuns: 2000 }
    )
    // Where UTF-16 code units disagree: U+FF5E sorts before U+1F600.
    expect(compareCodePoints("\uFF5E", "😀")).toBeLessThan(0)
    expect("\uFF5E" < "😀").toBe(false)
  })

  it("sorts a user's global set before its tenant sets", () => {
    expect(compareSetKeys({ userId: "a", tenantId: null }, { userId: "a", tenantId: "A" })).toBeLessThan(0)
    expect(compareSetKeys({ userId: "a", tenantId: "b" }, { userId: "a", tenantId: "a" })).toBeGreaterThan(0)
    expect(compareSetKeys({ userId: "a", tenantId: "z" }, { userId: "b", tenantId: null })).toBeLessThan(0)
    expect(compareSetKeys({ userId: "a", tenantId: "z" }, { userId: "a", tenantId: "z" })).toBe(0)
  })
})

describe("set cursors", () => {
  it("round-trip every position and the start", () => {
    fc.assert(
      fc.property(
        fc.fullUnicodeString({ minLength: 1, maxLength: 255 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
        fc.option(fc.stringOf(fc.constantFrom(..."abcXYZ09_:-"), { minLength: 1, maxLength: 64 }), { nil: null }),
        (userId, tenantId) => {
          expect(decodeSetCursor(encodeSetCursor({ userId, tenantId }))).toEqual({ userId, tenantId })
        }
      )
    )
    expect(decodeSetCursor(encodeSetCursor(null))).toBeNull()
  })

  it("refuses what is not a cursor of this list", () => {
    for (const raw of ["", "nope", "%%%", encodeCursor("user_1"), encodeCursor("[1,null]"), encodeCursor('["a"]'), encodeCursor('["a","__proto__"]'), encodeCursor('["","t"]'), encodeCursor('["a",null,1]'), encodeCursor("{}")]) {
      expect(decodeSetCursor(raw)).toBeUndefined()
    }
  })
})
