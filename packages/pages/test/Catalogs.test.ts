import { CHANNEL_TYPES } from "@notiflows/domain"
import { describe, expect, it } from "vitest"
import { CATALOGS, LOCALES, type MessageKey, placeholdersOf, translator } from "../src/index.js"

const reference = CATALOGS.en
const keys = Object.keys(reference).sort()

describe("message catalogs (LINKS.md §6)", () => {
  it.each(LOCALES)("%s has exactly the reference keys", (locale) => {
    expect(Object.keys(CATALOGS[locale]).sort()).toEqual(keys)
  })

  it.each(LOCALES)("%s uses, per key, exactly the reference {placeholders}", (locale) => {
    const catalog = CATALOGS[locale]
    for (const key of keys as Array<MessageKey>) {
      expect(placeholdersOf(catalog[key]), `${locale} ${key}`).toEqual(placeholdersOf(reference[key]))
    }
  })

  it.each(LOCALES)("%s has no empty, untrimmed or brace-broken message", (locale) => {
    for (const [key, message] of Object.entries(CATALOGS[locale])) {
      expect(message.trim(), `${locale} ${key}`).toBe(message)
      expect(message.length, `${locale} ${key}`).toBeGreaterThan(0)
      expect(message.replace(/\{[a-z]+\}/g, ""), `${locale} ${key}`).not.toMatch(/[{}]/)
    }
  })

  it("translates every channel label, in and out of sentences", () => {
    for (const type of CHANNEL_TYPES) {
      expect(keys).toContain(`channel.${type}`)
      expect(keys).toContain(`channelLabel.${type}`)
    }
    expect(new Set(LOCALES.map((l) => CATALOGS[l]["channelLabel.email"])).size).toBeGreaterThan(1)
  })

  it("gives every catalog distinct titles per page state", () => {
    for (const locale of LOCALES) {
      const titles = keys.filter((k) => k.startsWith("title.")).map((k) => CATALOGS[locale][k as MessageKey])
      const errorTitles = keys.filter((k) => /^error\.\d+\.heading$/.test(k)).map((k) => CATALOGS[locale][k as MessageKey])
      expect(new Set([...titles, ...errorTitles]).size, locale).toBe(titles.length + errorTitles.length)
    }
  })

  it("fills placeholders with the values as given (the template library escapes them later)", () => {
    expect(translator("de")("confirm.heading.entryChannel", { name: "A & <B>", channel: "E-Mail" })).toBe(
      "Von „A & <B>“ per E-Mail abmelden?"
    )
    expect(translator("en")("footer.reference", { id: "$& {id}" })).toBe("Reference: $& {id}")
  })
})
