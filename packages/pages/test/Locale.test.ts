import { describe, expect, it } from "vitest"
import { acceptLanguageRanges, resolveLocale } from "../src/index.js"

describe("resolveLocale (LINKS.md §6)", () => {
  it("takes the user's locale first, exactly or by primary subtag", () => {
    expect(resolveLocale("de", "fr")).toBe("de")
    expect(resolveLocale("fr-CA", "de")).toBe("fr")
    expect(resolveLocale("ES-mx", null)).toBe("es")
  })
  it("falls through an unmatched user locale to Accept-Language by q, then en", () => {
    expect(resolveLocale("ja", "it;q=0.9, de;q=0.8, fr;q=0.5")).toBe("de")
    expect(resolveLocale(null, "fr;q=0.4, es-ES;q=0.7")).toBe("es")
    expect(resolveLocale(null, "fr;q=0, ja")).toBe("en")
    expect(resolveLocale(null, null)).toBe("en")
    expect(resolveLocale(null, "*")).toBe("en")
  })
  it("keeps header order on equal q and drops malformed ranges", () => {
    expect(acceptLanguageRanges("de, fr")).toEqual(["de", "fr"])
    expect(acceptLanguageRanges("de;q=2, fr;q=abc, es;q=0.3, en-US")).toEqual(["en-US", "es"])
    expect(acceptLanguageRanges("x".repeat(5000))).toEqual([])
  })
})
