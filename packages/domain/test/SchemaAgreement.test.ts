/**
 * The document says what the decoders enforce (issue 9): for generated valid and hostile bodies,
 * a request Schema's decoding verdict equals Ajv's verdict against the JSON Schema generated
 * from that same Schema. The second passes (catalog ids, the id in the path) are outside the
 * Schemas and outside this test, as are the checks JSON Schema cannot state (URL parsing, BCP 47
 * and IANA names, lone surrogates, custom_fields nesting over 16 levels): the generators keep to
 * values where those checks cannot differ.
 */
import { describe, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { DefaultsPatchSchema, NotiflowUpsertSchema } from "../src/Catalog.js"
import { BatchEvaluateRequest, EvaluateRequest } from "../src/EvaluationService.js"
import { decoderFor } from "../src/Issues.js"
import { PreferencePatchSchema } from "../src/PreferencePatch.js"
import { CHANNEL_TYPES } from "../src/Preferences.js"
import { UserUpsertSchema } from "../src/Users.js"

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false })

/** Bodies every run checks, besides the generated ones: NUL in values and keys at each level. */
const NUL_EXAMPLES: ReadonlyArray<unknown> = [
  { name: "\u0000" },
  { first_name: "a\u0000b" },
  { custom_fields: { "a\u0000": 1 } },
  { custom_fields: { a: { "\u0000": [1] } } },
  { custom_fields: { a: ["x\u0000"] } },
  { notiflows: { "a\u0000": null } },
  { channel_types: { "\u0000": true } },
  { notiflow_id: "n\u0000", user_ids: ["u\u0000"] }
]

const agree = <A, I>(schema: Schema.Schema<A, I, never>, body: fc.Arbitrary<unknown>, runs = 400) => {
  const decode = decoderFor(schema)
  const validate = ajv.compile(JSONSchema.make(schema, { target: "jsonSchema2020-12" }) as object)
  fc.assert(
    fc.property(body, (input) => {
      const server = decode(input).ok
      const document = validate(input) === true
      if (server !== document) {
        throw new Error(`server ${server ? "accepts" : "refuses"}, document ${document ? "accepts" : "refuses"}: ${JSON.stringify(input)}`)
      }
    }),
    { numRuns: runs, examples: NUL_EXAMPLES.map((e) => [e]) }
  )
}

/** An object with own keys only (`__proto__` included, as JSON.parse makes it). */
const object = (entries: fc.Arbitrary<ReadonlyArray<readonly [string, unknown]>>) => entries.map((e) => Object.fromEntries(e))
const someOf = (fields: Record<string, fc.Arbitrary<unknown>>, extra: fc.Arbitrary<readonly [string, unknown]>) =>
  fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.array(extra, { maxLength: 2 }))
    .map(([known, more]) => Object.fromEntries([...Object.entries(known), ...more]))

const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("", " ", "a\u0000b", "\u0000", "Zoë 😀", "x".repeat(255), "😀".repeat(255), "x".repeat(256), "😀".repeat(256))
)
const junk = fc.oneof(fc.constantFrom(null, true, false, 0, 1.5, "x", [], {}, [1], { a: 1 }), text)
const reservedOrOdd = fc.constantFrom("__proto__", "constructor", "prototype", "", "has space", "x".repeat(65), "a\u0000")
const nullableBoolean = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(true, false, null) }, { weight: 1, arbitrary: junk })
const channelKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CHANNEL_TYPES) }, { weight: 1, arbitrary: fc.constantFrom("fax", "Email", "__proto__") })
const channelPatch = fc.oneof(
  { weight: 8, arbitrary: object(fc.array(fc.tuple(channelKey, nullableBoolean), { maxLength: 4 })) },
  { weight: 1, arbitrary: junk }
)
const notiflowKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("n1", "order_updates", "a:b-c", "toString", "x".repeat(64)) }, { weight: 1, arbitrary: reservedOrOdd })
const notiflowEntry = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: someOf(
      { enabled: nullableBoolean, channel_types: channelPatch, name: fc.oneof(text, junk) },
      fc.tuple(fc.constantFrom("muted", "replace", "__proto__"), junk)
    )
  },
  { weight: 1, arbitrary: junk }
)
const patch = fc.oneof(
  {
    weight: 10,
    arbitrary: someOf(
      {
        channel_types: channelPatch,
        notiflows: fc.oneof({ weight: 8, arbitrary: object(fc.array(fc.tuple(notiflowKey, notiflowEntry), { maxLength: 4 })) }, { weight: 1, arbitrary: junk })
      },
      fc.tuple(fc.constantFrom("version", "workflows", "__proto__"), junk)
    )
  },
  { weight: 1, arbitrary: junk }
)

const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -2.5),
    text,
    fc.array(tie("value"), { maxLength: 3 }),
    object(fc.array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.string({ maxLength: 4 }) }, { weight: 1, arbitrary: reservedOrOdd }), tie("value")), { maxLength: 3 }))
  )
})).value

const fromPool = <A>(valid: ReadonlyArray<A>, invalid: ReadonlyArray<unknown>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(null, 5, [], ...invalid) })

describe("the Schemas' verdicts equal their JSON Schemas' (Ajv)", () => {
  it("preference patch", () => agree(PreferencePatchSchema, patch, 2000))

  it("project defaults patch", () =>
    agree(DefaultsPatchSchema, fc.oneof(someOf({ channel_types: channelPatch }, fc.tuple(fc.constantFrom("notiflows", "__proto__"), junk)), junk)))

  it("notiflow upsert", () =>
    agree(
      NotiflowUpsertSchema,
      fc.oneof(
        someOf(
          {
            name: fc.oneof(text, junk),
            include_in_preferences: nullableBoolean,
            required: nullableBoolean,
            default_enabled: nullableBoolean,
            default_channel_types: channelPatch,
            id: junk,
            created_at: junk,
            updated_at: junk
          },
          fc.tuple(fc.constantFrom("colour", "deleted", "__proto__"), junk)
        ),
        junk
      )
    ))

  it("user upsert", () =>
    agree(
      UserUpsertSchema,
      fc.oneof(
        someOf(
          {
            email: fromPool(["a@b.co", "first.last+tag@sub.example.org"], ["plain", "a@b", "a b@c.de", "a\u0000@b.co", `${"a".repeat(250)}@example.com`]),
            phone: fromPool(["+14155550123", "+123456789012345"], ["14155550123", "+0123", "+1234567890123456", "+1 415"]),
            first_name: fc.oneof(text, junk),
            last_name: fc.oneof(text, junk),
            avatar: fromPool(["https://example.com/a.png", "http://x.org/"], ["ftp://example.com/a", "example.com/a.png", `https://example.com/${"a".repeat(3000)}`]),
            locale: fromPool(["en", "en-GB", "zh-Hant-TW"], ["x".repeat(65)]),
            timezone: fromPool(["UTC", "Europe/Paris"], ["x".repeat(65)]),
            custom_fields: fc.oneof(fc.constant(null), object(fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), reservedOrOdd), jsonValue), { maxLength: 3 })), junk),
            preferences: patch,
            external_id: fc.oneof(text, junk),
            id: junk,
            created_at: junk,
            updated_at: junk
          },
          fc.tuple(fc.constantFrom("nickname", "Email", "__proto__", "revision"), junk)
        ),
        junk
      ),
      2000
    ))

  const notiflowId = fromPool(["n1", "order_updates", "x".repeat(64)], ["bad id", "__proto__", "", "x".repeat(65)])
  const channelList = fc.oneof(
    { weight: 6, arbitrary: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CHANNEL_TYPES) }, { weight: 1, arbitrary: fc.constantFrom("fax", 3, null) }), { maxLength: 7 }) },
    { weight: 1, arbitrary: junk }
  )
  const userIds = fc.oneof(
    { weight: 6, arbitrary: fc.array(fromPool(["u1", "josé", "x".repeat(255), "😀".repeat(255)], ["", "a\u0000b", "a\u001fb", "x".repeat(256)]), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(Array.from({ length: 1000 }, (_, i) => `u${i}`), Array.from({ length: 1001 }, (_, i) => `u${i}`)) },
    { weight: 1, arbitrary: junk }
  )
  const extra = fc.tuple(fc.constantFrom("extra", "__proto__", "user_id"), junk)

  it("evaluate request", () =>
    agree(EvaluateRequest, fc.oneof(someOf({ notiflow_id: notiflowId, channel_types: channelList }, extra), junk)))

  it("batch evaluate request", () =>
    agree(BatchEvaluateRequest, fc.oneof(someOf({ notiflow_id: notiflowId, channel_types: channelList, user_ids: userIds }, extra), junk), 300))
})
