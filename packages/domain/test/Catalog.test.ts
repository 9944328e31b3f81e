import { assert, describe, it } from "@effect/vitest"
import {
  decodeDefaultsPatch,
  decodeNotiflowUpsert,
  defaultsToJson,
  mergeChannels,
  newNotiflow,
  sameEntry
} from "../src/Catalog.js"
import type { NotiflowCatalogEntry, ProjectDefaults } from "../src/Preferences.js"
import { NotiflowId } from "../src/Preferences.js"
import { assertPrototypeClean, deepFreeze, expectIssues, expectOk, notiflow, prototypeSnapshot, summary } from "./fixtures.js"

const ID = NotiflowId.make("order_updates")
const create = (body: unknown) => decodeNotiflowUpsert(body, ID, undefined)
const existing = (): NotiflowCatalogEntry =>
  deepFreeze(
    notiflow(ID, {
      name: "Order Updates",
      include_in_preferences: false,
      required: true,
      default_enabled: false,
      default_channel_types: { email: false, sms: false }
    })
  )
const update = (body: unknown) => decodeNotiflowUpsert(body, ID, existing())

describe("decodeNotiflowUpsert: create", () => {
  it("name is required on create, and settings start from the built-in defaults", () => {
    assert.deepStrictEqual(summary(expectIssues(create({}))), ["name|required"])
    assert.deepStrictEqual(summary(expectIssues(create({ required: true }))), ["name|required"])
    assert.deepStrictEqual(expectOk(create({ name: "Order Updates" })), {
      id: ID,
      name: "Order Updates",
      include_in_preferences: true,
      required: false,
      default_enabled: true,
      default_channel_types: {},
      deleted: false
    } as NotiflowCatalogEntry)
    assert.deepStrictEqual(expectOk(create({ name: "Order Updates" })), newNotiflow(ID, "Order Updates"))
  })

  it("accepts every setting on create", () => {
    const entry = expectOk(
      create({
        name: "Security",
        include_in_preferences: false,
        required: true,
        default_enabled: false,
        default_channel_types: { email: true, sms: false, chat: null }
      })
    )
    assert.deepStrictEqual(entry, {
      ...newNotiflow(ID, "Security"),
      include_in_preferences: false,
      required: true,
      default_enabled: false,
      default_channel_types: { email: true, sms: false }
    })
  })

  it("name must be a non-blank string of at most 255 characters", () => {
    assert.deepStrictEqual(summary(expectIssues(create({ name: "   " }))), ["name|required"])
    assert.deepStrictEqual(summary(expectIssues(create({ name: 5 }))), ["name|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(create({ name: null }))), ["name|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(create({ name: "n".repeat(256) }))), ["name|too_long"])
    assert.strictEqual(expectOk(create({ name: "😀".repeat(255) })).name, "😀".repeat(255))
  })
})

describe("decodeNotiflowUpsert: update (merge patch)", () => {
  it("absent fields stay; name is optional", () => {
    assert.deepStrictEqual(expectOk(update({})), existing())
    assert.deepStrictEqual(expectOk(update({ name: "Orders" })), { ...existing(), name: "Orders" })
  })

  it("null resets each boolean to its built-in default", () => {
    assert.deepStrictEqual(expectOk(update({ include_in_preferences: null, required: null, default_enabled: null })), {
      ...existing(),
      include_in_preferences: true,
      required: false,
      default_enabled: true
    })
  })

  it("default_channel_types merges per type, null removing a type", () => {
    const entry = expectOk(update({ default_channel_types: { sms: null, mobile_push: true, email: false } }))
    assert.deepStrictEqual(entry.default_channel_types, { email: false, mobile_push: true })
    const cleared = expectOk(update({ default_channel_types: { sms: null, email: null } }))
    assert.deepStrictEqual(cleared.default_channel_types, {})
  })

  it("restoring a deleted notiflow gives a live entry", () => {
    const restored = expectOk(decodeNotiflowUpsert({ name: "Back" }, ID, undefined))
    assert.isFalse(restored.deleted)
  })

  it("reports every problem at once", () => {
    assert.deepStrictEqual(
      summary(
        expectIssues(
          update({
            colour: "red",
            required: "yes",
            default_enabled: 0,
            default_channel_types: { fax: true, email: "no" },
            id: "another"
          })
        )
      ),
      [
        "colour|unknown_field",
        "default_channel_types.email|invalid_type",
        "default_channel_types.fax|unknown_channel_type",
        "default_enabled|invalid_type",
        "id|invalid_format",
        "required|invalid_type"
      ]
    )
  })

  it("a null or non-object default_channel_types is invalid_type", () => {
    assert.deepStrictEqual(summary(expectIssues(update({ default_channel_types: null }))), ["default_channel_types|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(update({ default_channel_types: ["email"] }))), [
      "default_channel_types|invalid_type"
    ])
  })

  it("id equal to the path and read-only timestamps are accepted", () => {
    assert.deepStrictEqual(expectOk(update({ id: ID, created_at: "x", updated_at: "y" })), existing())
  })

  it("a body that is not an object is invalid_type on the body", () => {
    for (const body of [null, [], "x"]) assert.deepStrictEqual(summary(expectIssues(update(body))), ["|invalid_type"])
  })

  it("prototype keys are unknown and leave Object.prototype alone", () => {
    const before = prototypeSnapshot()
    const issues = expectIssues(update(JSON.parse(`{"__proto__":{"required":false},"default_channel_types":{"__proto__":true}}`)))
    assert.deepStrictEqual(summary(issues), ["__proto__|unknown_field", "default_channel_types.__proto__|unknown_channel_type"])
    assertPrototypeClean(before)
  })

  it("sameEntry detects any settings change", () => {
    assert.isTrue(sameEntry(existing(), expectOk(update({ name: "Order Updates" }))))
    assert.isFalse(sameEntry(existing(), expectOk(update({ default_channel_types: { chat: true } }))))
    assert.isFalse(sameEntry(existing(), expectOk(update({ required: false }))))
    assert.isFalse(sameEntry(existing(), { ...existing(), deleted: true }))
  })
})

describe("project defaults", () => {
  const current = (): ProjectDefaults => deepFreeze({ channel_types: { sms: false, email: false } })

  it("merge patch: booleans set, null returns a type to true", () => {
    const next = expectOk(decodeDefaultsPatch({ channel_types: { sms: null, chat: false } }, current()))
    assert.deepStrictEqual(next, { channel_types: { chat: false, email: false } })
    assert.deepStrictEqual(defaultsToJson(next), {
      channel_types: { chat: false, email: false, in_app: true, mobile_push: true, sms: true, web_push: true }
    })
    assert.deepStrictEqual(expectOk(decodeDefaultsPatch({}, current())), current())
  })

  it("rejects unknown fields, unknown types, non-booleans, map-level null and non-objects", () => {
    assert.deepStrictEqual(
      summary(expectIssues(decodeDefaultsPatch({ notiflows: {}, channel_types: { fax: false, sms: "off" } }, current()))),
      ["channel_types.fax|unknown_channel_type", "channel_types.sms|invalid_type", "notiflows|unknown_field"]
    )
    assert.deepStrictEqual(summary(expectIssues(decodeDefaultsPatch({ channel_types: null }, current()))), [
      "channel_types|invalid_type"
    ])
    assert.deepStrictEqual(summary(expectIssues(decodeDefaultsPatch(7, current()))), ["|invalid_type"])
  })

  it("mergeChannels keeps the canonical key order", () => {
    assert.deepStrictEqual(Object.keys(mergeChannels({ web_push: true }, { chat: false, sms: true })), ["chat", "sms", "web_push"])
  })
})
