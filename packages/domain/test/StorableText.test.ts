/**
 * Issue 10, defect 2: every string the API stores must be valid Unicode PostgreSQL can hold.
 * NUL (U+0000) and lone surrogates are refused with `invalid_format` at their path, in every
 * stored string field; well-formed text (astral characters included) is accepted.
 */
import { assert, describe, it } from "@effect/vitest"
import { decodeNotiflowUpsert } from "../src/Catalog.js"
import { NotiflowId } from "../src/Preferences.js"
import { decodeUserPatch } from "../src/Users.js"
import { contextOf, expectIssues, expectOk, notiflow, summary } from "./fixtures.js"

const decodeUser = (body: unknown) => decodeUserPatch(body, "user_1", contextOf([notiflow("n1")]))
const BAD = ["a\u0000b", "\u0000", "\ud800", "x\udfff", "\udc00\ud800"]

describe("storable text: user profile", () => {
  it("refuses NUL and lone surrogates in every profile field", () => {
    for (const bad of BAD) {
      for (const field of ["first_name", "last_name", "locale", "timezone"]) {
        assert.deepStrictEqual(summary(expectIssues(decodeUser({ [field]: bad }))), [`${field}|invalid_format`], `${field}: ${JSON.stringify(bad)}`)
      }
      assert.deepStrictEqual(summary(expectIssues(decodeUser({ email: `a${bad}@example.com` }))), ["email|invalid_format"])
      assert.deepStrictEqual(summary(expectIssues(decodeUser({ avatar: `https://example.com/${bad}` }))), ["avatar|invalid_format"])
    }
  })

  it("refuses them in custom_fields values and keys, at any depth", () => {
    for (const bad of BAD) {
      assert.deepStrictEqual(summary(expectIssues(decodeUser({ custom_fields: { k: bad } }))), ["custom_fields.k|invalid_format"])
      assert.deepStrictEqual(summary(expectIssues(decodeUser({ custom_fields: { a: [1, { b: ["ok", bad] }] } }))), [
        "custom_fields.a.1.b.1|invalid_format"
      ])
      assert.deepStrictEqual(summary(expectIssues(decodeUser({ custom_fields: { [`k${bad}`]: 1 } }))), [`custom_fields.k${bad}|invalid_format`])
      assert.deepStrictEqual(summary(expectIssues(decodeUser({ custom_fields: { a: { [bad]: true } } }))), [`custom_fields.a.${bad}|invalid_format`])
    }
  })

  it("accepts well-formed text, astral characters included", () => {
    const text = "Zoë 😀 𝄞 漢字"
    const patch = expectOk(decodeUser({ first_name: text, custom_fields: { [text]: [text, { [text]: text }] } }))
    assert.strictEqual(patch.profile.first_name, text)
    assert.deepStrictEqual(patch.custom_fields, { [text]: [text, { [text]: text }] })
  })
})

describe("storable text: notiflow name", () => {
  it("refuses NUL and lone surrogates in the name", () => {
    for (const bad of BAD) {
      assert.deepStrictEqual(summary(expectIssues(decodeNotiflowUpsert({ name: `Orders ${bad}` }, NotiflowId.make("n1"), undefined))), ["name|invalid_format"])
    }
    assert.strictEqual(expectOk(decodeNotiflowUpsert({ name: "Commandes 📦" }, NotiflowId.make("n1"), undefined)).name, "Commandes 📦")
  })
})
