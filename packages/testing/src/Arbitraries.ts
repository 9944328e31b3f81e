/**
 * fast-check arbitraries derived from the domain schemas: catalogs, explicit choices whose ids
 * come from a catalog, valid wire patches (absent / `true` / `false` / `null` at every level),
 * and hostile inputs for the decoder.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as fc from "fast-check"
import type { Audience, ChannelChoices, ChannelType, NotiflowCatalogEntry, NotiflowChoice, PreferenceChoices, PreferenceSet, ProjectDefaults } from "@notiflows/domain"
import { CHANNEL_TYPES, ChannelChoices as ChannelChoicesSchema, ProjectDefaults as ProjectDefaultsSchema, isConfigurable, isNotiflowId } from "@notiflows/domain"

/** Explicit per-channel choices, straight from the schema. */
export const channelChoices: fc.Arbitrary<ChannelChoices> = Arbitrary.make(ChannelChoicesSchema)

/** Project defaults, straight from the schema. */
export const projectDefaults: fc.Arbitrary<ProjectDefaults> = Arbitrary.make(ProjectDefaultsSchema)

/** One of the six channel types. */
export const channelType: fc.Arbitrary<ChannelType> = fc.constantFrom(...CHANNEL_TYPES)

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:-"

/**
 * A well-formed notiflow id. Includes names of `Object.prototype` members (`toString`,
 * `hasOwnProperty`), which are valid ids and must be handled as own keys only.
 */
export const notiflowId: fc.Arbitrary<NotiflowCatalogEntry["id"]> = fc
  .oneof(
    { weight: 8, arbitrary: fc.stringOf(fc.constantFrom(...ID_CHARS), { minLength: 1, maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom("toString", "hasOwnProperty", "valueOf", "__defineGetter__", "01HQXYZ123456789ABCDEFGHIJ") }
  )
  // fast-check slips `__proto__`/`constructor` into strings on purpose; those are not ids.
  .filter(isNotiflowId)
  .map((s) => s as NotiflowCatalogEntry["id"])

/** A catalog entry with the given id (or any id). */
export const catalogEntry = (id: fc.Arbitrary<NotiflowCatalogEntry["id"]> = notiflowId): fc.Arbitrary<NotiflowCatalogEntry> =>
  fc.record({
    id,
    name: fc.string({ maxLength: 20 }),
    include_in_preferences: fc.boolean(),
    required: fc.boolean(),
    default_enabled: fc.boolean(),
    default_channel_types: channelChoices,
    deleted: fc.boolean()
  })

/** A catalog of 1–`maxLength` entries with distinct ids. */
export const catalog = (maxLength = 6): fc.Arbitrary<ReadonlyArray<NotiflowCatalogEntry>> =>
  fc.uniqueArray(catalogEntry(), { minLength: 1, maxLength, selector: (e) => e.id })

const nonEmptyChannelChoices = channelChoices.filter((c) => Object.keys(c).length > 0)

/** Explicit choices for one notiflow; never empty (the stored form prunes empty objects). */
export const notiflowChoice: fc.Arbitrary<NotiflowChoice> = fc
  .record({ enabled: fc.boolean(), channel_types: nonEmptyChannelChoices }, { requiredKeys: [] })
  .filter((c) => c.enabled !== undefined || c.channel_types !== undefined)

/** A record from entries; `Object.fromEntries` defines own keys, never assigning through `__proto__`. */
const fromEntries = <V>(entries: ReadonlyArray<readonly [string, V]>): Record<string, V> => Object.fromEntries(entries)

const someIds = (ids: ReadonlyArray<string>): fc.Arbitrary<ReadonlyArray<string>> =>
  ids.length === 0 ? fc.constant([]) : fc.subarray([...ids])

/** Explicit choices whose notiflow ids are drawn from `catalog` (deleted ones included). */
export const choicesFor = (entries: ReadonlyArray<NotiflowCatalogEntry>): fc.Arbitrary<PreferenceChoices> =>
  fc.record({
    channel_types: channelChoices,
    notiflows: someIds(entries.map((e) => e.id)).chain((ids) =>
      fc.tuple(...ids.map(() => notiflowChoice)).map((choices) => fromEntries(ids.map((id, i) => [id, choices[i]!] as const)))
    )
  })

/** A stored preference set over `catalog`. */
export const preferenceSetFor = (entries: ReadonlyArray<NotiflowCatalogEntry>): fc.Arbitrary<PreferenceSet> =>
  fc.tuple(fc.nat({ max: 1_000_000 }), choicesFor(entries)).map(([version, c]) => ({ version, ...c }))

/** A wire channel patch: each type absent, `true`, `false` or `null`. */
export const channelPatch: fc.Arbitrary<Record<string, boolean | null>> = fc.record(
  fromEntries(CHANNEL_TYPES.map((c) => [c, fc.constantFrom<boolean | null>(true, false, null)] as const)),
  { requiredKeys: [] }
).map((p) => p as Record<string, boolean | null>)

/** A wire patch of one live notiflow: fields absent/`true`/`false`/`null`, and sometimes a read-only `name`. */
export const notiflowWirePatch: fc.Arbitrary<Record<string, unknown>> = fc.record(
  { enabled: fc.constantFrom<boolean | null>(true, false, null), channel_types: channelPatch, name: fc.string({ maxLength: 8 }) },
  { requiredKeys: [] }
)

/**
 * A valid wire patch against `catalog` for an audience: live (and, for users, configurable)
 * notiflows get object entries or `null`; deleted ones they could configure only `null`.
 */
export const wirePatchFor = (entries: ReadonlyArray<NotiflowCatalogEntry>, audience: Audience = "admin"): fc.Arbitrary<Record<string, unknown>> => {
  const allowed = entries.filter((e) => audience === "admin" || isConfigurable(e))
  const notiflows = someIds(allowed.map((e) => e.id)).chain((ids) =>
    fc
      .tuple(
        ...ids.map((id) => {
          const live = !entries.find((e) => e.id === id)!.deleted
          return live ? fc.oneof({ weight: 4, arbitrary: notiflowWirePatch }, { weight: 1, arbitrary: fc.constant(null) }) : fc.constant(null)
        })
      )
      .map((values) => fromEntries(ids.map((id, i) => [id, values[i]] as const)))
  )
  return fc.record({ channel_types: channelPatch, notiflows }, { requiredKeys: [] })
}

/** A JSON value described as a tree, so it can be serialized with any key (even `__proto__`). */
type JsonTree =
  | { readonly kind: "leaf"; readonly value: null | boolean | number | string }
  | { readonly kind: "array"; readonly items: ReadonlyArray<JsonTree> }
  | { readonly kind: "object"; readonly entries: ReadonlyArray<readonly [string, JsonTree]> }

const serialize = (tree: JsonTree): string =>
  tree.kind === "leaf"
    ? JSON.stringify(tree.value)
    : tree.kind === "array"
      ? `[${tree.items.map(serialize).join(",")}]`
      : `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`

const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "polluted"]
const SCHEMA_KEYS = ["channel_types", "notiflows", "enabled", "name", ...CHANNEL_TYPES, "fax"]

/**
 * Hostile or malformed input, parsed from JSON text like a request body would be: prototype
 * keys as own keys, nulls at every level, unknown keys, non-booleans, non-objects, ids from
 * `catalog` and unknown ones.
 */
export const hostileInput = (entries: ReadonlyArray<NotiflowCatalogEntry>): fc.Arbitrary<unknown> => {
  const key = fc.oneof(
    fc.constantFrom(...SCHEMA_KEYS),
    fc.constantFrom(...HOSTILE_KEYS),
    entries.length > 0 ? fc.constantFrom(...entries.map((e) => e.id as string)) : fc.constant("x"),
    fc.string({ maxLength: 6 })
  )
  const leaf = fc.oneof(
    fc.constantFrom<null | boolean | number | string>(null, true, false, 0, 1, "", "true", "null"),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 6 })
  ).map((value): JsonTree => ({ kind: "leaf", value }))
  const { tree } = fc.letrec<{ tree: JsonTree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.array(tie("tree"), { maxLength: 3 }).map((items): JsonTree => ({ kind: "array", items })),
      fc.array(fc.tuple(key, tie("tree")), { maxLength: 4 }).map((e): JsonTree => ({ kind: "object", entries: e }))
    )
  }))
  const parsed = tree.map((t) => JSON.parse(serialize(t)) as unknown)
  // Valid-looking shapes with one hostile part, so deep branches of the decoder are reached.
  const shaped = fc
    .tuple(tree, tree, key, fc.constantFrom("channel_types", "notiflows", "nested"))
    .map(([a, b, k, where]) => {
      const inner = serialize(a)
      const text =
        where === "channel_types"
          ? `{"channel_types":{${JSON.stringify(k)}:${inner}}}`
          : where === "notiflows"
            ? `{"notiflows":{${JSON.stringify(k)}:${inner}},"channel_types":${serialize(b)}}`
            : `{"notiflows":{${JSON.stringify(k)}:{"channel_types":${inner},"enabled":${serialize(b)}}}}`
      return JSON.parse(text) as unknown
    })
  // Valid patches, half of them with one foreign key (own, as JSON.parse makes it) at some level.
  const nearlyValid = fc
    .tuple(wirePatchFor(entries), fc.option(fc.tuple(fc.constantFrom("top", "channel_types", "notiflow"), key, tree), { freq: 2 }))
    .map(([patch, injection]) => {
      const value = JSON.parse(JSON.stringify(patch)) as Record<string, unknown>
      if (injection === null) return value
      const [where, k, t] = injection
      const firstNotiflow = Object.values((value["notiflows"] ?? {}) as Record<string, unknown>).find((v) => v !== null)
      const target = where === "top" ? value : where === "channel_types" ? value["channel_types"] : firstNotiflow
      const define = (o: unknown) =>
        Object.defineProperty(o, k, { value: JSON.parse(serialize(t)), enumerable: true, writable: true, configurable: true })
      if (typeof target === "object" && target !== null) define(target)
      else define(value)
      return value as unknown
    })
  return fc.oneof(parsed, shaped, nearlyValid, hugePatch(entries))
}

/** A `notiflows` map with more than 1,000 entries (ids from the catalog and made-up ones). */
export const hugePatch = (entries: ReadonlyArray<NotiflowCatalogEntry>): fc.Arbitrary<unknown> =>
  fc.integer({ min: 999, max: 1100 }).map((n) => {
    const ids = [...entries.map((e) => e.id as string), ...Array.from({ length: n }, (_, i) => `bulk_${i}`)].slice(0, n)
    return JSON.parse(`{"notiflows":{${ids.map((id) => `${JSON.stringify(id)}:null`).join(",")}}}`) as unknown
  })
