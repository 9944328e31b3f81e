import { assert, describe, it } from "@effect/vitest"
import { applyPatch, decodePatch } from "../src/PreferencePatch.js"
import { emptyPreferenceSet } from "../src/Preferences.js"
import { view } from "../src/View.js"
import { contextOf, expectOk, notiflow, SEED_ID } from "./fixtures.js"

// The request body of ../shared/seed/update-user-preferences.txt.
const SEED_BODY = `{"channel_types":{"sms":false},"notiflows":{"01HQXYZ123456789ABCDEFGHIJ":{"channel_types":{"email":false},"enabled":true}}}`

// API.md §4.1: the computed response (the seed page's `email: true` is a static example).
const EXPECTED = `{"channel_types":{"chat":true,"email":true,"in_app":true,"mobile_push":true,"sms":false,"web_push":true},"notiflows":{"01HQXYZ123456789ABCDEFGHIJ":{"enabled":true,"channel_types":{"email":false},"name":"Order Updates"}}}`

describe("the seed example", () => {
  it("applied to an empty set gives the §4.1 view, byte for byte", () => {
    const catalog = [notiflow(SEED_ID, { name: "Order Updates" })]
    const patch = expectOk(decodePatch(JSON.parse(SEED_BODY), contextOf(catalog, "admin")))
    const set = applyPatch(emptyPreferenceSet, patch)
    const result = view(set, catalog, { channel_types: {} }, "admin")
    assert.deepStrictEqual(result, JSON.parse(EXPECTED))
    assert.strictEqual(JSON.stringify(result), EXPECTED)
  })

  it("stores only the explicit choices, and the same request again changes nothing", () => {
    const catalog = [notiflow(SEED_ID, { name: "Order Updates" })]
    const patch = expectOk(decodePatch(JSON.parse(SEED_BODY), contextOf(catalog, "admin")))
    const set = applyPatch(emptyPreferenceSet, patch)
    assert.deepStrictEqual(set, {
      version: 0,
      channel_types: { sms: false },
      notiflows: { [SEED_ID]: { enabled: true, channel_types: { email: false } } }
    })
    assert.strictEqual(applyPatch(set, patch), set)
    assert.deepStrictEqual(emptyPreferenceSet, { version: 0, channel_types: {}, notiflows: {} })
  })

  it("the user audience sees the same result for a configurable notiflow", () => {
    const catalog = [notiflow(SEED_ID, { name: "Order Updates" })]
    const patch = expectOk(decodePatch(JSON.parse(SEED_BODY), contextOf(catalog, "user")))
    const result = view(applyPatch(emptyPreferenceSet, patch), catalog, { channel_types: {} }, "user")
    assert.strictEqual(JSON.stringify(result), EXPECTED)
  })
})
