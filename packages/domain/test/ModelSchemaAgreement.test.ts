/**
 * The v2 request Schemas' verdicts equal Ajv's against the JSON Schemas generated from them (as
 * SchemaAgreement.test.ts does for v1), so /openapi.json states exactly what the decoders enforce.
 */
import { describe, it } from "@effect/vitest"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { CategoryUpsertSchema } from "../src/Categories.js"
import { NotiflowUpsertV2Schema } from "../src/CategoryService.js"
import { decoderFor } from "../src/Issues.js"
import { UserUpsertV2Schema } from "../src/UserServiceV2.js"
import { CHANNEL_TYPES } from "../src/Preferences.js"
import { PreferencePatchV2Schema, TenantDefaultsPatchSchema } from "../src/PreferencesV2.js"

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false })

const agree = <A, I>(schema: Schema.Schema<A, I, never>, body: fc.Arbitrary<unknown>, runs = 1000) => {
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
    { numRuns: runs }
  )
}

const object = (entries: fc.Arbitrary<ReadonlyArray<readonly [string, unknown]>>) => entries.map((e) => Object.fromEntries(e))
const someOf = (fields: Record<string, fc.Arbitrary<unknown>>, extra: fc.Arbitrary<readonly [string, unknown]>) =>
  fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.array(extra, { maxLength: 2 }))
    .map(([known, more]) => Object.fromEntries([...Object.entries(known), ...more]))
const junk = fc.constantFrom(null, true, false, 0, 1.5, "x", [], {}, [1], { a: 1 }, ["a", "b"], "a\u0000")
const nullableBoolean = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(true, false, null) }, { weight: 1, arbitrary: junk })
const channelKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CHANNEL_TYPES) }, { weight: 1, arbitrary: fc.constantFrom("fax", "__proto__") })
const channelPatch = fc.oneof({ weight: 8, arbitrary: object(fc.array(fc.tuple(channelKey, nullableBoolean), { maxLength: 4 })) }, { weight: 1, arbitrary: junk })
const idKey = fc.constantFrom("n1", "marketing", "a:b-c", "toString", "x".repeat(64), "__proto__", "constructor", "", "has space", "x".repeat(65))
const readOnly = { name: fc.oneof(fc.string({ maxLength: 4 }), junk), categories: fc.oneof(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), junk), locked: junk }
const entry = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 6, arbitrary: someOf({ enabled: nullableBoolean, channel_types: channelPatch, ...fields }, fc.tuple(fc.constantFrom("replace", "required"), junk)) },
    { weight: 1, arbitrary: junk }
  )
const entries = (e: fc.Arbitrary<unknown>) => fc.oneof({ weight: 8, arbitrary: object(fc.array(fc.tuple(idKey, e), { maxLength: 3 })) }, { weight: 1, arbitrary: junk })
const categoryEntry = entry({ name: readOnly.name, locked: readOnly.locked })
const notiflowEntry = entry(readOnly)
const v2Patch = fc.oneof(
  { weight: 10, arbitrary: someOf({ channel_types: channelPatch, categories: entries(categoryEntry), notiflows: entries(notiflowEntry), locked: junk }, fc.tuple(fc.constantFrom("version", "locks"), junk)) },
  { weight: 1, arbitrary: junk }
)
const locks = someOf({ channel_types: channelPatch, categories: entries(entry({})), notiflows: entries(entry({})) }, fc.tuple(fc.constantFrom("locked", "name"), junk))
const categoryIds = fc.oneof(fc.array(fc.oneof(idKey, junk), { maxLength: 4 }), fc.array(fc.constantFrom("a", "b"), { minLength: 21, maxLength: 22 }).map((xs) => xs.map((x, i) => `${x}${i}`)), junk)

describe("the v2 Schemas' verdicts equal their JSON Schemas' (Ajv)", () => {
  it("v2 preference patch", () => agree(PreferencePatchV2Schema, v2Patch, 2000))
  it("tenant defaults patch", () =>
    agree(
      TenantDefaultsPatchSchema,
      someOf({ channel_types: channelPatch, categories: entries(categoryEntry), notiflows: entries(notiflowEntry), locks: fc.oneof(locks, junk) }, fc.tuple(fc.constantFrom("x"), junk))
    ))
  it("category upsert", () =>
    agree(
      CategoryUpsertSchema,
      someOf(
        { name: fc.oneof(fc.string({ maxLength: 6 }), junk), include_in_preferences: nullableBoolean, default_enabled: nullableBoolean, default_channel_types: channelPatch, id: junk },
        fc.tuple(fc.constantFrom("required", "created_at"), junk)
      )
    ))
  it("user upsert with a v2 preferences patch", () =>
    agree(UserUpsertV2Schema, someOf({ email: fc.constantFrom("ada@example.com", "nope", null), preferences: v2Patch }, fc.tuple(fc.constantFrom("x", "tenant_id"), junk))))
  it("notiflow upsert with categories", () => agree(NotiflowUpsertV2Schema, someOf({ name: fc.string({ maxLength: 6 }), categories: categoryIds }, fc.tuple(fc.constantFrom("x"), junk))))
})
