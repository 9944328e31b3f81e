/**
 * Preference model v2 (MODEL.md §1, §2, §5): sets with `categories`, their merge patch with
 * read-only `name`/`categories`/`locked`, and tenant defaults with their `false`-only locks.
 */
import * as Schema from "effect/Schema"
import { CategoryKey } from "./Categories.js"
import { reason, says, stable, unknownKeys } from "./Issues.js"
import type { NotiflowPatch } from "./PreferencePatch.js"
import { ChannelPatchSchema, MAX_PATCH_NOTIFLOWS, NotiflowPatchType, NullableBoolean } from "./PreferencePatch.js"
import type { PreferenceChoices } from "./Preferences.js"
import { ChannelChoices, NotiflowChoice, NotiflowKey, ReadOnlyField } from "./Preferences.js"

/** The most category entries one patch (or one `locks` map) may carry. */
export const MAX_PATCH_CATEGORIES = 1000

/** Explicit choices for one category (the shape of a notiflow's). Never stored empty. */
export const CategoryChoice = NotiflowChoice
export type CategoryChoice = typeof CategoryChoice.Type

/** A set's explicit choices in v2: `categories` beside `channel_types` and `notiflows`. */
export const PreferenceChoicesV2 = Schema.Struct({
  channel_types: ChannelChoices,
  categories: Schema.Record({ key: CategoryKey, value: CategoryChoice }),
  notiflows: Schema.Record({ key: NotiflowKey, value: NotiflowChoice })
})
export type PreferenceChoicesV2 = typeof PreferenceChoicesV2.Type

/** A stored v2 set: its choices and its own version (per user and scope). */
export const PreferenceSetV2 = Schema.Struct({ version: Schema.NonNegativeInt, ...PreferenceChoicesV2.fields })
export type PreferenceSetV2 = typeof PreferenceSetV2.Type

export const emptyChoicesV2: PreferenceChoicesV2 = { channel_types: {}, categories: {}, notiflows: {} }
export const emptySetV2: PreferenceSetV2 = { version: 0, ...emptyChoicesV2 }

/** A v1 set is a v2 set without category choices. */
export const fromV1 = (c: PreferenceChoices): PreferenceChoicesV2 => ({ channel_types: c.channel_types, categories: {}, notiflows: c.notiflows })
/** The v1 part of a v2 set (category choices dropped). */
export const toV1 = (c: PreferenceChoicesV2): PreferenceChoices => ({ channel_types: c.channel_types, notiflows: c.notiflows })

/**
 * Tenant defaults: stored values of the v2 shape plus `locks` of the same shape, where a leaf
 * holds `true` when locked (unlocked leaves are absent). Every lock's leaf holds the value `false`.
 */
export const TenantDefaults = Schema.Struct({ ...PreferenceChoicesV2.fields, locks: PreferenceChoicesV2 })
export type TenantDefaults = typeof TenantDefaults.Type

export const emptyTenantDefaults: TenantDefaults = { ...emptyChoicesV2, locks: emptyChoicesV2 }

/** The body of `GET /tenants/{tenant_id}/preferences/defaults` (every map present). */
export const TenantDefaultsJson = TenantDefaults.annotations({ identifier: "TenantDefaults" })

// --- patches -------------------------------------------------------------------------------

const optional = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })

const readOnly = (what: string, description: string) => ({
  ...says(`${what} is read-only; if sent it must be ${description}`),
  jsonSchema: { readOnly: true, description: "read-only; accepted and ignored" }
})
const ReadOnlyName = Schema.String.annotations(readOnly("name", "a string"))
const ReadOnlyCategories = Schema.Array(Schema.String).annotations(readOnly("categories", "an array of strings"))
const ReadOnlyLocked = Schema.Record({ key: Schema.String, value: ReadOnlyField("any JSON value") }).annotations(readOnly("locked", "an object"))

const entryFields = { enabled: optional(NullableBoolean), channel_types: optional(ChannelPatchSchema) }

/** An entry of a patch as sent, with its read-only keys; decoding drops them. */
const entryPatch = (identifier: string, readOnlyFields: Schema.Struct.Fields, expected: string) =>
  Schema.transform(
    Schema.Struct({ ...entryFields, ...readOnlyFields }).annotations({
      identifier,
      ...unknownKeys("unknown_field", `unknown field; expected ${expected}`)
    }),
    Schema.typeSchema(NotiflowPatchType),
    {
      strict: false,
      decode: (wire: { readonly enabled?: boolean | null; readonly channel_types?: unknown }) => ({
        ...(wire.enabled !== undefined ? { enabled: wire.enabled } : {}),
        ...(wire.channel_types !== undefined ? { channel_types: wire.channel_types } : {})
      }),
      encode: ({ replace: _replace, ...patch }) => patch
    }
  )

/** A category entry of a v2 patch (`name` and `locked` read-only). */
export const CategoryPatchSchema = entryPatch("CategoryPreferencesPatch", { name: optional(ReadOnlyName), locked: optional(ReadOnlyLocked) }, "enabled or channel_types")
/** A notiflow entry of a v2 patch (`name`, `categories` and `locked` read-only). */
export const NotiflowPatchV2Schema = entryPatch(
  "NotiflowPreferencesPatchV2",
  { name: optional(ReadOnlyName), categories: optional(ReadOnlyCategories), locked: optional(ReadOnlyLocked) },
  "enabled or channel_types"
)
/** A `locks` entry: `true` locks a leaf, `false` or `null` unlocks it; no read-only keys. */
export const LockEntryPatchSchema = Schema.Struct(entryFields).annotations({
  identifier: "LockEntryPatch",
  ...unknownKeys("unknown_field", "unknown field; expected enabled or channel_types")
})

const entryMap = <V extends Schema.Schema.Any>(
  key: Schema.Schema<string, string, never>,
  value: V,
  what: string,
  idMessage: string,
  max: number
) =>
  Schema.Record({ key, value: Schema.NullOr(value).annotations(says("must be an object or null")) })
    .annotations({
      ...says(`must be an object; send null for a single ${what} to remove its choices`),
      ...unknownKeys("invalid_format", idMessage)
    })
    .pipe(
      Schema.filter(
        (map) => {
          const n = Object.keys(map).length
          return n <= max || `at most ${max} ${what}s per request, got ${n}`
        },
        { ...stable, ...reason("too_many"), jsonSchema: { maxProperties: max } }
      )
    )

const CATEGORY_ID_MESSAGE = "category ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word"
const NOTIFLOW_ID_MESSAGE = "notiflow ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word"

const categoryPatches = entryMap(CategoryKey, CategoryPatchSchema, "category", CATEGORY_ID_MESSAGE, MAX_PATCH_CATEGORIES)
const notiflowPatches = entryMap(NotiflowKey, NotiflowPatchV2Schema, "notiflow", NOTIFLOW_ID_MESSAGE, MAX_PATCH_NOTIFLOWS)

const rootFields = {
  channel_types: optional(ChannelPatchSchema),
  categories: optional(categoryPatches),
  notiflows: optional(notiflowPatches)
}

/** A v2 patch as decoded: read-only keys dropped; entries may carry `replace` once composed. */
export interface PreferencePatchV2 {
  readonly channel_types?: typeof ChannelPatchSchema.Type
  readonly categories?: { readonly [id: string]: NotiflowPatch | null }
  readonly notiflows?: { readonly [id: string]: NotiflowPatch | null }
}

const PreferencePatchV2Wire = Schema.Struct({ ...rootFields, locked: optional(ReadOnlyLocked) }).annotations({
  identifier: "PreferencePatchV2",
  ...says("must be a JSON object"),
  ...unknownKeys("unknown_field", "unknown field; expected channel_types, categories or notiflows")
})

/** A v2 preference patch (MODEL.md §2); root `locked` is read-only (decoding drops it). */
export const PreferencePatchV2Schema = Schema.transform(PreferencePatchV2Wire, Schema.typeSchema(Schema.Struct(rootFields)), {
  strict: true,
  decode: ({ locked: _locked, ...patch }) => patch,
  encode: (patch) => patch
})

/** The `locks` of a tenant-defaults patch: same shape, `true` locks, `false`/`null` unlocks. */
export const LocksPatchSchema = Schema.Struct({
  channel_types: optional(ChannelPatchSchema),
  categories: optional(entryMap(CategoryKey, LockEntryPatchSchema, "category", CATEGORY_ID_MESSAGE, MAX_PATCH_CATEGORIES)),
  notiflows: optional(entryMap(NotiflowKey, LockEntryPatchSchema, "notiflow", NOTIFLOW_ID_MESSAGE, MAX_PATCH_NOTIFLOWS))
}).annotations({
  identifier: "TenantLocksPatch",
  ...says("must be an object"),
  ...unknownKeys("unknown_field", "unknown field; expected channel_types, categories or notiflows")
})
export type LocksPatch = typeof LocksPatchSchema.Type

/** `PUT /tenants/{tenant_id}/preferences/defaults`: a merge patch over values and locks (M§5). */
export const TenantDefaultsPatchSchema = Schema.Struct({ ...rootFields, locks: optional(LocksPatchSchema) }).annotations({
  identifier: "TenantDefaultsPatch",
  ...says("the body must be a JSON object"),
  ...unknownKeys("unknown_field", "unknown field; expected channel_types, categories, notiflows or locks")
})
export type TenantDefaultsPatch = typeof TenantDefaultsPatchSchema.Type

const emptyChoices = (c: PreferenceChoicesV2): boolean =>
  Object.keys(c.channel_types).length === 0 && Object.keys(c.categories).length === 0 && Object.keys(c.notiflows).length === 0

/** True when tenant defaults hold at least one value or lock (`has_defaults`). */
export const hasDefaults = (d: TenantDefaults): boolean => !emptyChoices(d) || !emptyChoices(d.locks)
