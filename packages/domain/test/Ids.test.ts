import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import {
  CHANNEL_TYPES,
  ChannelType,
  ExternalUserId,
  isChannelType,
  isConfigurable,
  isExternalUserId,
  isNotiflowId,
  isVisible,
  NotiflowId,
  own,
  PreferenceSet,
  ProjectId,
  RESERVED_IDS
} from "../src/Preferences.js"
import { notiflow, SEED_ID } from "./fixtures.js"

const decodes = <A, I>(schema: Schema.Schema<A, I>, u: unknown): boolean => Either.isRight(Schema.decodeUnknownEither(schema)(u))

describe("ChannelType", () => {
  it("is exactly the six types", () => {
    assert.deepStrictEqual([...CHANNEL_TYPES], ["chat", "email", "in_app", "mobile_push", "sms", "web_push"])
    for (const c of CHANNEL_TYPES) {
      assert.isTrue(isChannelType(c))
      assert.isTrue(decodes(ChannelType, c))
    }
    for (const bad of ["fax", "Email", "push", "", "toString", "__proto__"]) {
      assert.isFalse(isChannelType(bad))
      assert.isFalse(decodes(ChannelType, bad))
    }
  })
})

describe("NotiflowId", () => {
  it("accepts 1-64 characters of A-Za-z0-9_:-", () => {
    for (const ok of [SEED_ID, "a", "x".repeat(64), "order_updates", "billing:invoice-paid", "toString", "hasOwnProperty", "__defineGetter__"]) {
      assert.isTrue(isNotiflowId(ok), ok)
      assert.isTrue(decodes(NotiflowId, ok), ok)
    }
  })

  it("rejects the reserved ids, bad characters and bad lengths", () => {
    for (const bad of ["__proto__", "constructor", "prototype", "", "x".repeat(65), "a.b", "a b", "é", "a/b", "a\n", 5, null]) {
      if (typeof bad === "string") assert.isFalse(isNotiflowId(bad), bad)
      assert.isFalse(decodes(NotiflowId, bad), String(bad))
    }
    assert.deepStrictEqual([...RESERVED_IDS].sort(), ["__proto__", "constructor", "prototype"])
  })

  it("is case sensitive", () => {
    assert.isTrue(isNotiflowId("Prototype") && isNotiflowId("CONSTRUCTOR"))
  })
})

describe("ExternalUserId", () => {
  it("accepts 1-255 code points, any but control characters, exactly as given", () => {
    for (const ok of ["user_12345", "a", "x".repeat(255), "😀".repeat(255), "Ünïcødé name", "with space", "a\u00a0b", "e\u0301"]) {
      assert.isTrue(isExternalUserId(ok), ok)
      assert.isTrue(decodes(ExternalUserId, ok), ok)
    }
    // No case folding or normalisation: these are different, each valid as is.
    assert.strictEqual(Schema.decodeSync(ExternalUserId)("User"), "User")
    assert.strictEqual(Schema.decodeSync(ExternalUserId)("e\u0301"), "e\u0301")
  })

  it("rejects empty, too long, control characters and lone surrogates", () => {
    for (const bad of ["", "x".repeat(256), "😀".repeat(256), "a\u0000", "\u001f", "a\u007fb", "\u0085", "\u009f", "tab\there", "\ud800", "a\udc00b"]) {
      assert.isFalse(isExternalUserId(bad), JSON.stringify(bad))
      assert.isFalse(decodes(ExternalUserId, bad), JSON.stringify(bad))
    }
  })
})

describe("ProjectId", () => {
  it("is a UUID", () => {
    assert.isTrue(decodes(ProjectId, "0190a3c4-7d1e-7000-8000-000000000001"))
    assert.isFalse(decodes(ProjectId, "project-1"))
  })
})

describe("PreferenceSet schema", () => {
  it("accepts explicit choices and refuses reserved or malformed notiflow keys", () => {
    const ok = { version: 2, channel_types: { sms: false }, notiflows: { [SEED_ID]: { enabled: true, channel_types: { email: false } } } }
    assert.isTrue(decodes(PreferenceSet, ok))
    assert.isFalse(decodes(PreferenceSet, { ...ok, version: -1 }))
    assert.isFalse(decodes(PreferenceSet, { ...ok, version: 1.5 }))
  })

  it("never keeps a malformed or reserved notiflow key (dropped by default, refused when strict)", () => {
    const strict = Schema.decodeUnknownEither(PreferenceSet, { onExcessProperty: "error" })
    for (const json of [
      `{"version":0,"channel_types":{},"notiflows":{"a b":{"enabled":true}}}`,
      `{"version":0,"channel_types":{},"notiflows":{"__proto__":{"enabled":true}}}`,
      `{"version":0,"channel_types":{},"notiflows":{"constructor":{"enabled":true}}}`
    ]) {
      const input: unknown = JSON.parse(json)
      assert.isTrue(Either.isLeft(strict(input)), json)
      const lenient = Schema.decodeUnknownSync(PreferenceSet)(input)
      assert.deepStrictEqual(Object.keys(lenient.notiflows), [])
      assert.strictEqual(Object.getPrototypeOf(lenient.notiflows), Object.prototype)
    }
  })
})

describe("audience helpers", () => {
  it("configurable = included in preferences and not required", () => {
    assert.isTrue(isConfigurable(notiflow("a")))
    assert.isFalse(isConfigurable(notiflow("a", { include_in_preferences: false })))
    assert.isFalse(isConfigurable(notiflow("a", { required: true })))
  })

  it("visible: live, and configurable for users", () => {
    assert.isTrue(isVisible(notiflow("a", { required: true }), "admin"))
    assert.isFalse(isVisible(notiflow("a", { required: true }), "user"))
    assert.isFalse(isVisible(notiflow("a", { deleted: true }), "admin"))
    assert.isFalse(isVisible(notiflow("a", { deleted: true }), "user"))
    assert.isTrue(isVisible(notiflow("a"), "user"))
  })

  it("own never reads through the prototype", () => {
    const record: Record<string, number> = { a: 1 }
    assert.strictEqual(own(record, "a"), 1)
    assert.isUndefined(own(record, "toString"))
    assert.isUndefined(own(record, "__proto__"))
    assert.strictEqual(own({ toString: 3 }, "toString"), 3)
  })
})
