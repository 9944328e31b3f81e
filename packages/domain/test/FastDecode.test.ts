/**
 * The hand-written fast decoders (`src/FastDecode.ts`, and `fastImportLine` in `src/ImportLine.ts`)
 * against the Schemas they stand in for: whatever they accept, the Schema accepts with the same
 * value (keys in the same order); and the common valid shapes do take the fast path (else it would
 * be dead code that only looks fast).
 * Inputs come from generators of near-valid JSON: valid shapes with noise at every level.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fastPatchV2 } from "../src/FastDecode.js"
import {
  CHANNEL_TYPES,
  DECODE_OPTIONS,
  decodeImportLine,
  decodeImportLineBySchema,
  fastImportLine,
  isNotiflowId,
  PreferencePatchV2Schema,
  PROFILE_FIELDS,
  RESERVED_IDS
} from "../src/index.js"

const RUNS = 3000

/** Values a decoder must refuse or treat with care, beside fast-check's `anything`. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(true, false, null, 0, -0, 1.5, "", "x", Number.NaN, Number.POSITIVE_INFINITY, undefined, [], {}, [true], { a: 1 }),
  fc.constant(Object.create(null) as unknown),
  fc.anything()
)
/** `value` nine times in ten, an odd value otherwise. */
const noisy = <T,>(value: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: value, weight: 9 }, { arbitrary: oddValue, weight: 1 })
const key = (good: fc.Arbitrary<string>, bad: ReadonlyArray<string>) => fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: fc.constantFrom(...bad), weight: 1 })
/** The same object with its keys in a random order (the Schemas order their output themselves). */
const shuffled = <T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  arb.chain((o) => {
    const entries = Object.entries(o)
    return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }).map((e) => Object.fromEntries(e) as T)
  })
const BAD_IDS = ["", "bad id", "a".repeat(65), "__proto__", "constructor", "prototype", "é", "locked"]
const id = key(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_:-]{1,8}$/), fc.constantFrom("flow_1", "2", "10", "a".repeat(64))), BAD_IDS)

const leaf = noisy(fc.constantFrom(true, false, null))
const channels = (clean: boolean) =>
  fc.dictionary(clean ? fc.constantFrom(...CHANNEL_TYPES) : key(fc.constantFrom(...CHANNEL_TYPES), ["fax", "", "Email", "__proto__"]), clean ? fc.constantFrom(true, false, null) : leaf, {
    maxKeys: 4
  })
const readOnly = { name: fc.string(), locked: fc.dictionary(fc.string(), fc.jsonValue()), categories: fc.array(fc.string()), bogus: fc.jsonValue() }
const entry = (clean: boolean) =>
  fc.oneof(
    fc.constant(null),
    clean
      ? shuffled(fc.record({ enabled: fc.constantFrom(true, false, null), channel_types: channels(true) }, { requiredKeys: [] }))
      : fc.oneof(
          { arbitrary: fc.record({ enabled: leaf, channel_types: noisy(channels(false)) }, { requiredKeys: [] }), weight: 8 },
          { arbitrary: fc.record({ enabled: leaf, channel_types: noisy(channels(false)), ...readOnly }, { requiredKeys: [] }), weight: 2 }
        )
  )
const entries = (clean: boolean) => fc.dictionary(clean ? fc.stringMatching(/^[A-Za-z0-9_:-]{1,8}$/).filter(isNotiflowId) : id, clean ? entry(true) : noisy(entry(false)), { maxKeys: 5 })
const patch = (clean: boolean): fc.Arbitrary<unknown> => {
  const fields = { channel_types: channels(clean), categories: entries(clean), notiflows: entries(clean) }
  if (clean) return shuffled(fc.record(fields, { requiredKeys: [] }))
  return fc.oneof(
    { arbitrary: shuffled(fc.record({ channel_types: noisy(fields.channel_types), categories: noisy(fields.categories), notiflows: noisy(fields.notiflows) }, { requiredKeys: [] })), weight: 8 },
    { arbitrary: fc.record({ ...fields, locked: fc.dictionary(fc.string(), fc.jsonValue()), extra: fc.jsonValue() }, { requiredKeys: [] }), weight: 2 }
  )
}

/** Custom fields nested `depth` levels around a scalar (the limit is 16). */
const nested = fc.tuple(fc.integer({ min: 14, max: 18 }), fc.jsonValue({ maxDepth: 0 }), fc.boolean()).map(([depth, inner, arrays]) => {
  let v: unknown = inner
  for (let i = 0; i < depth; i++) v = arrays && i % 2 === 0 ? [v] : { k: v }
  return { deep: v }
})
const customFields = (clean: boolean) => {
  const storable = fc.jsonValue({ maxDepth: 3 }).filter((v) => !/"(__proto__|constructor|prototype)":|\\u0000/.test(JSON.stringify(v)))
  const plain = fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => !RESERVED_IDS.has(k) && !k.includes("\u0000")), storable, { maxKeys: 4 })
  if (clean) return fc.oneof(fc.constant(null), plain)
  return noisy(fc.oneof(fc.constant(null), plain, nested, fc.constantFrom({ "__proto__": 1 } as unknown, { "a\u0000": 1 }, { a: "\uD800" }, { a: [1, "\u0000"] }, JSON.parse('{"__proto__": {"x": 1}}') as unknown)))
}
const profileValues = fc.constantFrom(
  null, "a@b.co", "nope", "+14155550123", "+0", "https://x.example/a.png", "ftp://x", "fr-FR", "en", "!!", "Europe/Paris", "Mars/Base",
  "a".repeat(300), "😀".repeat(200), "\u0000", "\uD800", "Ada"
)
const line = (clean: boolean): fc.Arbitrary<unknown> => {
  const externalId = clean ? fc.constantFrom("user_1", "ü", "😀".repeat(200)) : noisy(fc.constantFrom("user_1", "", "\u0001x", "a".repeat(256), "😀".repeat(200), "😀".repeat(256), "\uD800"))
  const valid = { email: "a@b.co", phone: "+14155550123", first_name: "Ada", last_name: "", avatar: "https://x.example/a.png", locale: "fr-FR", timezone: "Europe/Paris" }
  const profile = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, clean ? fc.constantFrom(null, valid[f]) : fc.oneof({ arbitrary: fc.constantFrom(null, valid[f]), weight: 9 }, { arbitrary: profileValues, weight: 1 })]))
  const tenants = fc.dictionary(clean ? fc.constantFrom("acme", "t-2", "10") : id, patch(clean), { maxKeys: 3 })
  const fields = { ...profile, custom_fields: customFields(clean), preferences: patch(clean), tenants: clean ? tenants : noisy(tenants) }
  const body = clean
    ? fc.record(fields, { requiredKeys: [] })
    : fc.oneof({ arbitrary: fc.record(fields, { requiredKeys: [] }), weight: 8 }, { arbitrary: fc.record({ ...fields, extra: fc.jsonValue(), id: fc.string() }, { requiredKeys: [] }), weight: 2 })
  return shuffled(fc.tuple(externalId, body, fc.integer({ min: 0, max: 9 })).map(([external_id, rest, n]) => (clean || n > 0 ? { external_id, ...rest } : rest)))
}

const patchBySchema = (input: unknown) => {
  const d = Schema.decodeUnknownEither(PreferencePatchV2Schema, DECODE_OPTIONS)(input)
  return Either.isRight(d) ? { ok: true as const, value: d.right } : { ok: false as const }
}

/**
 * The soundness law: over `inputs`, whatever `fast` accepts, `bySchema` accepts with a strictly
 * equal value and the same JSON text (key order). Answers how many inputs took the fast path.
 */
const acceptsOnlyWhatTheSchemaAccepts = (
  inputs: fc.Arbitrary<unknown>,
  fast: (input: unknown) => unknown,
  bySchema: (input: unknown) => { readonly ok: boolean; readonly value?: unknown }
): number => {
  let taken = 0
  fc.assert(
    fc.property(inputs, (input) => {
      const quick = fast(input)
      if (quick === undefined) return
      taken++
      const slow = bySchema(input)
      expect(slow.ok, JSON.stringify(input)).toBe(true)
      if (!slow.ok) return
      expect(JSON.stringify(quick)).toBe(JSON.stringify(slow.value))
      expect(quick).toStrictEqual(slow.value)
    }),
    { numRuns: RUNS }
  )
  return taken
}

describe("the fast v2 patch decoder", () => {
  it("accepts only what the Schema accepts, with the Schema's value and key order", () => {
    expect(acceptsOnlyWhatTheSchemaAccepts(patch(false), fastPatchV2, patchBySchema)).toBeGreaterThan(RUNS / 10)
  })

  it("takes every valid patch without read-only keys", () => {
    fc.assert(
      fc.property(patch(true), (input) => {
        const slow = patchBySchema(input)
        const quick = fastPatchV2(input)
        expect(slow.ok).toBe(true)
        expect(quick).toBeDefined()
        if (slow.ok) expect(JSON.stringify(quick)).toBe(JSON.stringify(slow.value))
      }),
      { numRuns: RUNS }
    )
  })

  it("leaves odd inputs to the Schema", () => {
    for (const input of [null, [], "x", { locked: {} }, { notiflows: { n: { name: "N" } } }, Object.create(null), { channel_types: { email: undefined } }, { notiflows: { __proto__: null } }]) {
      expect(fastPatchV2(input)).toBeUndefined()
    }
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`n${i}`, null]))
    expect(fastPatchV2({ notiflows: many })).toBeUndefined()
    expect(patchBySchema({ notiflows: many }).ok).toBe(false)
  })
})

describe("the fast import line decoder", () => {
  it("accepts only what the Schema accepts, with the Schema's value and key order", () => {
    // Most noisy lines carry some noise; the clean lines' law below covers acceptance.
    expect(acceptsOnlyWhatTheSchemaAccepts(line(false), fastImportLine, decodeImportLineBySchema)).toBeGreaterThan(RUNS / 300)
  })

  it("takes every valid line without read-only keys, and decodeImportLine answers the Schema's verdict", () => {
    fc.assert(
      fc.property(line(true), (input) => {
        const slow = decodeImportLineBySchema(input)
        const quick = fastImportLine(input)
        expect(slow.ok).toBe(true)
        expect(quick).toBeDefined()
        if (slow.ok) expect(quick).toStrictEqual(slow.value)
      }),
      { numRuns: RUNS }
    )
    fc.assert(
      fc.property(line(false), (input) => {
        const d = decodeImportLine(input)
        const slow = decodeImportLineBySchema(input)
        expect(d.ok).toBe(slow.ok)
        if (!d.ok && !slow.ok) expect(d.issues).toEqual(slow.issues)
      }),
      { numRuns: RUNS }
    )
  })

  it("leaves hidden and symbol keys, holes and extra array properties to the Schema (it sees every own key)", () => {
    const hidden = <T extends object>(o: T, key: string, value: unknown): T => Object.defineProperty(o, key, { value, enumerable: false })
    const extra = Object.assign([1], { extra: "x" })
    const cases: ReadonlyArray<unknown> = [
      hidden({ external_id: "u" }, "email", "not an email"),
      { external_id: "u", preferences: { channel_types: hidden({ chat: true }, "email", 42) } },
      { external_id: "u", preferences: hidden({}, "notiflows", 1) },
      { external_id: "u", preferences: { notiflows: { n: hidden({ enabled: true }, "x", 1) } } },
      { external_id: "u", preferences: { notiflows: hidden({}, "bad id", null) } },
      { external_id: "u", tenants: hidden({}, "bad id", {}) },
      { external_id: "u", [Symbol("x")]: 1 },
      { external_id: "u", custom_fields: hidden({ a: 1 }, "b\u0000", 1) },
      { external_id: "u", custom_fields: { a: extra } },
      { external_id: "u", custom_fields: { a: [1, , 2] } }
    ]
    for (const input of cases) {
      expect(fastImportLine(input)).toBeUndefined()
      const d = decodeImportLine(input)
      const slow = decodeImportLineBySchema(input)
      expect(d.ok).toBe(slow.ok)
      if (d.ok && slow.ok) expect(d.value).toStrictEqual(slow.value)
    }
  })

  it("refuses custom fields nested deeper than 16 levels, as the Schema does", () => {
    const deep = (n: number) => {
      let v: unknown = 1
      for (let i = 0; i < n; i++) v = { k: v }
      return { external_id: "u", custom_fields: v }
    }
    expect(fastImportLine(deep(16))).toBeDefined()
    expect(decodeImportLineBySchema(deep(16)).ok).toBe(true)
    expect(fastImportLine(deep(17))).toBeUndefined()
    expect(decodeImportLineBySchema(deep(17)).ok).toBe(false)
  })
})
