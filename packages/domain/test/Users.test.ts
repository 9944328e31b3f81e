import { assert, describe, it } from "@effect/vitest"
import type { CustomFields, UserPatch } from "../src/Users.js"
import { applyUserPatch, decodeUserPatch, emptyProfile, mergeCustomFields } from "../src/Users.js"
import {
  assertPrototypeClean,
  contextOf,
  deepFreeze,
  expectIssues,
  expectOk,
  notiflow,
  prototypeSnapshot,
  summary
} from "./fixtures.js"

const PATH_ID = "user_12345"
const N = "01HQXYZ123456789ABCDEFGHIJ"
const decode = (body: unknown) => decodeUserPatch(body, PATH_ID, contextOf([notiflow(N)]))
const accepts = (body: unknown): UserPatch => expectOk(decode(body))
const rejects = (body: unknown): ReadonlyArray<string> => summary(expectIssues(decode(body)))

describe("decodeUserPatch: profile fields", () => {
  it("accepts a full valid body", () => {
    const body = {
      email: "ada@example.com",
      phone: "+14155550123",
      first_name: "Ada",
      last_name: "Lovelace",
      avatar: "https://example.com/a.png",
      locale: "en-GB",
      timezone: "Europe/London",
      custom_fields: { plan: "pro" }
    }
    const { custom_fields, ...profile } = body
    assert.deepStrictEqual(accepts(body), { profile, custom_fields })
  })

  it("email", () => {
    for (const ok of ["a@b.co", "first.last+tag@sub.example.org"]) assert.strictEqual(accepts({ email: ok }).profile.email, ok)
    for (const bad of ["", "plain", "a@b", "@b.co", "a b@c.de", "a@b c.de"]) assert.deepStrictEqual(rejects({ email: bad }), ["email|invalid_format"])
  })

  it("phone is E.164", () => {
    for (const ok of ["+14155550123", "+442071838750", "+123456789012345"]) {
      assert.strictEqual(accepts({ phone: ok }).profile.phone, ok)
    }
    for (const bad of ["14155550123", "+0123456", "+1 415 555 0123", "+1-415-555-0123", "+", "", "+1415555012a"]) {
      assert.deepStrictEqual(rejects({ phone: bad }), ["phone|invalid_format"])
    }
    // 16 digits: longer than E.164 allows.
    const issues = expectIssues(decode({ phone: "+1234567890123456" }))
    assert.strictEqual(issues.length, 1)
    assert.strictEqual(issues[0]?.field, "phone")
  })

  it("avatar is an http or https URL", () => {
    for (const ok of ["http://example.com/a.png", "https://cdn.example.com/x?y=1#z"]) assert.strictEqual(accepts({ avatar: ok }).profile.avatar, ok)
    for (const bad of ["ftp://example.com/a.png", "javascript:alert(1)", "data:image/png;base64,AAAA", "example.com/a.png", "", "https://"]) {
      assert.deepStrictEqual(rejects({ avatar: bad }), ["avatar|invalid_format"])
    }
  })

  it("locale is a BCP 47 tag", () => {
    for (const ok of ["en", "en-US", "zh-Hant-TW", "fr-CA", "de-DE-u-co-phonebk"]) assert.strictEqual(accepts({ locale: ok }).profile.locale, ok)
    for (const bad of ["en_US", "", "12", "en--US", "english-language-tag-that-is-not"]) {
      assert.deepStrictEqual(rejects({ locale: bad }), ["locale|invalid_format"])
    }
  })

  it("timezone is an IANA zone", () => {
    for (const ok of ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires", "Asia/Kolkata"]) {
      assert.strictEqual(accepts({ timezone: ok }).profile.timezone, ok)
    }
    for (const bad of ["Mars/Olympus", "+01:00", "GMT+1", "", "Europe/Nowhere"]) {
      assert.deepStrictEqual(rejects({ timezone: bad }), ["timezone|invalid_format"])
    }
  })

  it("too_long for over-long values", () => {
    assert.deepStrictEqual(rejects({ first_name: "x".repeat(256) }), ["first_name|too_long"])
    assert.strictEqual(accepts({ first_name: "x".repeat(255) }).profile.first_name, "x".repeat(255))
    assert.deepStrictEqual(rejects({ last_name: "y".repeat(1000) }), ["last_name|too_long"])
    assert.deepStrictEqual(rejects({ email: `${"a".repeat(250)}@example.com` }), ["email|too_long"])
    assert.deepStrictEqual(rejects({ avatar: `https://example.com/${"a".repeat(3000)}` }), ["avatar|too_long"])
  })

  it("non-strings are invalid_type; null clears", () => {
    assert.deepStrictEqual(rejects({ email: 1, first_name: {}, phone: ["+12"], timezone: true }), [
      "email|invalid_type",
      "first_name|invalid_type",
      "phone|invalid_type",
      "timezone|invalid_type"
    ])
    assert.deepStrictEqual(accepts({ email: null, avatar: null }).profile, { email: null, avatar: null })
  })
})

describe("decodeUserPatch: other fields", () => {
  it("external_id must equal the path id", () => {
    assert.deepStrictEqual(accepts({ external_id: PATH_ID }), { profile: {} })
    assert.deepStrictEqual(rejects({ external_id: "someone_else" }), ["external_id|invalid_format"])
    assert.deepStrictEqual(rejects({ external_id: "USER_12345" }), ["external_id|invalid_format"])
    assert.strictEqual(expectIssues(decode({ external_id: 12345 }))[0]?.field, "external_id")
    // Not equal to the path, whatever its type: one invalid_format (API.md §5).
    assert.deepStrictEqual(rejects({ external_id: 12345 }), ["external_id|invalid_format"])
    assert.deepStrictEqual(rejects({ external_id: null }), ["external_id|invalid_format"])
  })

  it("read-only fields are ignored; unknown fields are unknown_field", () => {
    assert.deepStrictEqual(accepts({ id: "0190-x", created_at: "2020-01-01T00:00:00Z", updated_at: 5 }), { profile: {} })
    assert.deepStrictEqual(rejects({ nickname: "x", Email: "a@b.co" }), ["Email|unknown_field", "nickname|unknown_field"])
  })

  it("preferences: a patch decoded in the same body; null is 422", () => {
    assert.deepStrictEqual(accepts({ preferences: { channel_types: { sms: false } } }), {
      profile: {},
      preferences: { channel_types: { sms: false } }
    })
    assert.deepStrictEqual(rejects({ preferences: null }), ["preferences|invalid_type"])
  })

  it("preferences issues are prefixed with `preferences.`", () => {
    assert.deepStrictEqual(
      rejects({
        preferences: { channel_types: { fax: true }, notiflows: { [N]: { enabled: "x" }, nope: {} }, other: 1 }
      }),
      [
        "preferences.channel_types.fax|unknown_channel_type",
        `preferences.notiflows.${N}.enabled|invalid_type`,
        "preferences.notiflows.nope|unknown_notiflow",
        "preferences.other|unknown_field"
      ]
    )
    // A non-object patch is reported on `preferences` itself, not on "".
    assert.deepStrictEqual(rejects({ preferences: "sms off" }), ["preferences|invalid_type"])
    assert.deepStrictEqual(rejects({ preferences: [] }), ["preferences|invalid_type"])
  })

  it("reports every problem at once", () => {
    assert.deepStrictEqual(rejects({ email: "nope", phone: "123", custom_fields: 3, preferences: null, external_id: "x", zzz: 1 }), [
      "custom_fields|invalid_type",
      "email|invalid_format",
      "external_id|invalid_format",
      "phone|invalid_format",
      "preferences|invalid_type",
      "zzz|unknown_field"
    ])
  })

  it("a body that is not an object is invalid_type on the body", () => {
    for (const body of [null, [], "x", 1]) assert.deepStrictEqual(rejects(body), ["|invalid_type"])
  })

  it("custom_fields: object or null, prototype keys refused at any depth", () => {
    assert.deepStrictEqual(accepts({ custom_fields: null }), { profile: {}, custom_fields: null })
    assert.deepStrictEqual(rejects({ custom_fields: "x" }), ["custom_fields|invalid_type"])
    assert.deepStrictEqual(rejects({ custom_fields: [1] }), ["custom_fields|invalid_type"])
    const before = prototypeSnapshot()
    const issues = expectIssues(decode(JSON.parse(`{"custom_fields":{"a":{"__proto__":{"polluted":true}},"b":[{"constructor":1}]}}`)))
    assert.deepStrictEqual(issues.map((i) => i.field).sort(), ["custom_fields.a.__proto__", "custom_fields.b.0.constructor"])
    assertPrototypeClean(before)
  })

  it("custom_fields: a number JSON cannot hold (1e400 parses to Infinity) is invalid_format at its path", () => {
    const issues = expectIssues(decode(JSON.parse(`{"custom_fields":{"n":1e400,"list":[1,-1e400],"deep":{"x":1.5}}}`)))
    assert.deepStrictEqual(
      issues.map((i) => `${i.field}|${i.reason}|${i.message}`).sort(),
      ["custom_fields.list.1|invalid_format|must be a finite number", "custom_fields.n|invalid_format|must be a finite number"]
    )
    assert.deepStrictEqual(accepts({ custom_fields: { n: 1e308, m: -0.5 } }), { profile: {}, custom_fields: { n: 1e308, m: -0.5 } })
  })
})

describe("custom fields deep merge", () => {
  it("objects merge, null removes, arrays and scalars replace", () => {
    const base: CustomFields = deepFreeze({ a: { b: 1, c: 2, deep: { x: 1 } }, list: [1, 2, 3], s: "x", n: 1, keep: true })
    const patch: CustomFields = { a: { b: null, z: 3, deep: { y: 2 } }, list: [9], s: null, n: { now: "object" }, fresh: { k: null, v: 1 } }
    assert.deepStrictEqual(mergeCustomFields(base, patch), {
      a: { c: 2, deep: { x: 1, y: 2 }, z: 3 },
      list: [9],
      n: { now: "object" },
      keep: true,
      fresh: { v: 1 }
    })
  })

  it("an object replaced by a scalar or array, and removal of a missing key", () => {
    assert.deepStrictEqual(mergeCustomFields({ a: { b: 1 } }, { a: [1, { b: 2 }] }), { a: [1, { b: 2 }] })
    assert.deepStrictEqual(mergeCustomFields({ a: { b: 1 } }, { a: 5, missing: null }), { a: 5 })
    assert.deepStrictEqual(mergeCustomFields({}, {}), {})
  })

  it("never touches Object.prototype", () => {
    const before = prototypeSnapshot()
    const merged = mergeCustomFields({}, JSON.parse(`{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true}}}`))
    assertPrototypeClean(before)
    assert.isTrue(Object.hasOwn(merged, "__proto__"))
  })
})

describe("applyUserPatch", () => {
  const current = () =>
    deepFreeze({ ...emptyProfile, email: "a@b.co", first_name: "Ada", locale: "en", custom_fields: { plan: "pro", seats: 3 } })

  it("absent fields stay, given ones change, null clears", () => {
    const patch = accepts({ first_name: "Grace", email: null, custom_fields: { seats: null, team: "core" } })
    assert.deepStrictEqual(applyUserPatch(current(), patch), {
      ...emptyProfile,
      email: null,
      first_name: "Grace",
      locale: "en",
      custom_fields: { plan: "pro", team: "core" }
    })
  })

  it("custom_fields null clears them all; absent keeps them", () => {
    assert.deepStrictEqual(applyUserPatch(current(), accepts({ custom_fields: null })).custom_fields, {})
    assert.deepStrictEqual(applyUserPatch(current(), accepts({ timezone: "UTC" })).custom_fields, { plan: "pro", seats: 3 })
  })

  it("an empty body changes nothing", () => {
    assert.deepStrictEqual(applyUserPatch(current(), accepts({})), current())
  })
})
