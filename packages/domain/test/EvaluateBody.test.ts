import { assert, describe, expect, it } from "@effect/vitest"
import { decodeEvaluateBody, MAX_BATCH_USERS } from "../src/EvaluationService.js"
import { CHANNEL_TYPES, ExternalUserId } from "../src/Preferences.js"
import { assertPrototypeClean, expectIssues, expectOk, prototypeSnapshot, summary } from "./fixtures.js"

const N = "01HQXYZ123456789ABCDEFGHIJ"
const batch = (body: unknown) => decodeEvaluateBody(body, true)
const single = (body: unknown) => decodeEvaluateBody(body, false)

describe("decodeEvaluateBody: single", () => {
  it("defaults to all six channel types", () => {
    assert.deepStrictEqual(expectOk(single({ notiflow_id: N })), { notiflow_id: N, channel_types: CHANNEL_TYPES, user_ids: [] })
  })

  it("keeps the requested channel types in order", () => {
    assert.deepStrictEqual(expectOk(single({ notiflow_id: N, channel_types: ["sms", "email"] })).channel_types, ["sms", "email"])
  })

  it("a repeated channel type is invalid_format", () => {
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: N, channel_types: ["sms", "email", "sms"] }))), [
      "channel_types.2|invalid_format"
    ])
  })

  it("unknown and non-string channel types, non-array channel_types", () => {
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: N, channel_types: ["fax", 3] }))), [
      "channel_types.0|unknown_channel_type",
      "channel_types.1|invalid_type"
    ])
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: N, channel_types: "sms" }))), ["channel_types|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: N, channel_types: null }))), ["channel_types|invalid_type"])
  })

  it("notiflow_id: required, a string, well formed", () => {
    assert.deepStrictEqual(summary(expectIssues(single({}))), ["notiflow_id|required"])
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: 5 }))), ["notiflow_id|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: "bad id" }))), ["notiflow_id|invalid_format"])
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: "__proto__" }))), ["notiflow_id|invalid_format"])
  })

  it("user_ids is not part of the single form", () => {
    assert.deepStrictEqual(summary(expectIssues(single({ notiflow_id: N, user_ids: ["a"] }))), ["user_ids|unknown_field"])
  })

  it("a body that is not an object is invalid_type on the body", () => {
    for (const body of [null, [], "x", 0]) assert.deepStrictEqual(summary(expectIssues(single(body))), ["|invalid_type"])
  })
})

describe("decodeEvaluateBody: batch", () => {
  it("accepts 1 to 1000 user ids, in input order, duplicates kept", () => {
    assert.deepStrictEqual(expectOk(batch({ notiflow_id: N, user_ids: ["b", "a", "b"] })).user_ids, ["b", "a", "b"].map((id) => ExternalUserId.make(id)))
    const many = Array.from({ length: MAX_BATCH_USERS }, (_, i) => `u${i}`)
    assert.strictEqual(expectOk(batch({ notiflow_id: N, user_ids: many })).user_ids.length, MAX_BATCH_USERS)
  })

  it("an empty user_ids is required", () => {
    assert.deepStrictEqual(summary(expectIssues(batch({ notiflow_id: N, user_ids: [] }))), ["user_ids|required"])
    assert.deepStrictEqual(summary(expectIssues(batch({ notiflow_id: N }))), ["user_ids|required"])
  })

  it(`more than ${MAX_BATCH_USERS} user ids is too_many`, () => {
    const many = Array.from({ length: MAX_BATCH_USERS + 1 }, (_, i) => `u${i}`)
    assert.deepStrictEqual(summary(expectIssues(batch({ notiflow_id: N, user_ids: many }))), ["user_ids|too_many"])
  })

  it("non-array and non-string user ids are invalid_type", () => {
    assert.deepStrictEqual(summary(expectIssues(batch({ notiflow_id: N, user_ids: "a" }))), ["user_ids|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(batch({ notiflow_id: N, user_ids: ["a", 1, null] }))), [
      "user_ids.1|invalid_type",
      "user_ids.2|invalid_type"
    ])
  })

  it("a repeated channel type is invalid_format here too, and every problem is listed", () => {
    assert.deepStrictEqual(
      summary(expectIssues(batch({ notiflow_id: 1, user_ids: [], channel_types: ["chat", "chat"], extra: true }))),
      ["channel_types.1|invalid_format", "extra|unknown_field", "notiflow_id|invalid_type", "user_ids|required"]
    )
  })

  it("prototype keys are unknown fields and leave Object.prototype alone", () => {
    const before = prototypeSnapshot()
    const body: unknown = JSON.parse(`{"notiflow_id":"${N}","user_ids":["a"],"__proto__":{"channel_types":["sms"]}}`)
    assert.deepStrictEqual(summary(expectIssues(batch(body))), ["__proto__|unknown_field"])
    assertPrototypeClean(before)
  })
})

describe("decodeEvaluateBody: ids and empty lists", () => {
  it("rejects malformed user ids and an empty channel list", () => {
    const result = decodeEvaluateBody({ notiflow_id: "n1", user_ids: ["ok", "", "bad\u0000id"], channel_types: [] }, true)
    assert.isFalse(result.ok)
    if (result.ok) return
    expect(result.issues.map((i) => [i.field, i.reason])).toEqual([
      ["channel_types", "required"],
      ["user_ids.1", "invalid_format"],
      ["user_ids.2", "invalid_format"]
    ])
  })
})
