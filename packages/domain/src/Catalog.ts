/**
 * The notiflow catalog and project defaults: upsert bodies as merge patches (API.md §5).
 */
import * as Schema from "effect/Schema"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, reason, says, unknownKeys, withIssues } from "./Issues.js"
import type { ChannelType, NotiflowCatalogEntry, ProjectDefaults } from "./Preferences.js"
import { CHANNEL_TYPES, ChannelChoices, NotiflowCatalogEntry as NotiflowCatalogEntrySchema, NotiflowId, ReadOnlyField, Text, Timestamp } from "./Preferences.js"
import type { ChannelPatch } from "./PreferencePatch.js"
import { ChannelPatchSchema, NullableBoolean } from "./PreferencePatch.js"
import { EffectiveChannelTypes, effectiveDefaults } from "./View.js"

/** A stored catalog entry. `revision` grows with every write (optimistic concurrency). */
export const StoredNotiflow = Schema.Struct({
  ...NotiflowCatalogEntrySchema.fields,
  revision: Schema.NonNegativeInt,
  created_at: Schema.DateFromSelf,
  updated_at: Schema.DateFromSelf
})
export type StoredNotiflow = typeof StoredNotiflow.Type

/** The notiflow object of the API. */
export const NotiflowJson = Schema.Struct({
  id: NotiflowId,
  name: Schema.String,
  include_in_preferences: Schema.Boolean,
  required: Schema.Boolean,
  default_enabled: Schema.Boolean,
  default_channel_types: ChannelChoices,
  created_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Notiflow" })

/** The API representation of a stored notiflow (Schema encoding; other stored fields are dropped). */
export const notiflowToJson: (n: StoredNotiflow) => typeof NotiflowJson.Encoded = Schema.encodeSync(NotiflowJson)

/** The notiflow object of the API in v2: `categories` (live ids, stored order) after the settings. */
export const NotiflowJsonV2 = Schema.Struct({
  ...NotiflowJson.fields,
  categories: Schema.Array(Schema.String)
}).annotations({ identifier: "NotiflowV2" })

const encodeNotiflow = Schema.encodeSync(NotiflowJsonV2)
/** The API representation of a notiflow with its live categories. */
export const notiflowToJsonV2 = (n: StoredNotiflow, categories: ReadonlyArray<string>) => encodeNotiflow({ ...n, categories })

const MAX_NAME = 255

/** A notiflow's name: text, not blank, at most 255 characters. */
export const NotiflowName = Text.pipe(
  Schema.filter((s) => s.trim().length > 0, { ...reason("required", "must not be blank"), jsonSchema: { pattern: "\\S" } }),
  Schema.filter((s) => s.length <= MAX_NAME || [...s].length <= MAX_NAME, {
    ...reason("too_long", `at most ${MAX_NAME} characters`),
    jsonSchema: { maxLength: MAX_NAME }
  })
)

/** A notiflow upsert (a merge patch): `null` returns a setting to its built-in default. */
export const NotiflowUpsertSchema = Schema.Struct({
  name: Schema.optionalWith(NotiflowName, { exact: true }).annotations({ description: "required when creating or restoring" }),
  include_in_preferences: Schema.optionalWith(NullableBoolean, { exact: true }),
  required: Schema.optionalWith(NullableBoolean, { exact: true }),
  default_enabled: Schema.optionalWith(NullableBoolean, { exact: true }),
  default_channel_types: Schema.optionalWith(ChannelPatchSchema, { exact: true }),
  id: Schema.optionalWith(ReadOnlyField("read-only; accepted when equal to the notiflow id in the path"), { exact: true }),
  created_at: Schema.optionalWith(ReadOnlyField("read-only; accepted and ignored"), { exact: true }),
  updated_at: Schema.optionalWith(ReadOnlyField("read-only; accepted and ignored"), { exact: true })
}).annotations({ identifier: "NotiflowUpsert", ...says("the body must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })
export type NotiflowUpsert = typeof NotiflowUpsertSchema.Type

/** Catalog settings a new (or restored) notiflow starts from. */
export const newNotiflow = (id: NotiflowId, name: string): NotiflowCatalogEntry => ({
  id,
  name,
  include_in_preferences: true,
  required: false,
  default_enabled: true,
  default_channel_types: {},
  deleted: false
})

const builtIn = { include_in_preferences: true, required: false, default_enabled: true } as const

/** Applies a channel-type merge patch to explicit choices. */
export const mergeChannels = (base: ChannelChoices, patch: ChannelPatch): ChannelChoices => {
  const out: Array<[ChannelType, boolean]> = []
  for (const c of CHANNEL_TYPES) {
    const v = patch[c] === undefined ? base[c] : patch[c]
    if (v !== undefined && v !== null) out.push([c, v])
  }
  return Object.fromEntries(out) as ChannelChoices
}

/** True when two channel maps hold the same entries (key order aside). */
export const sameChannels = (a: ChannelChoices, b: ChannelChoices): boolean => CHANNEL_TYPES.every((c) => a[c] === b[c])

/** True when two catalog entries have the same settings. */
export const sameEntry = (a: NotiflowCatalogEntry, b: NotiflowCatalogEntry): boolean =>
  a.id === b.id &&
  a.name === b.name &&
  a.include_in_preferences === b.include_in_preferences &&
  a.required === b.required &&
  a.default_enabled === b.default_enabled &&
  a.deleted === b.deleted &&
  sameChannels(a.default_channel_types, b.default_channel_types)

const decodeUpsert = decoderFor(NotiflowUpsertSchema)

const setting = (value: boolean | null | undefined, current: boolean, fallback: boolean): boolean =>
  value === undefined ? current : value === null ? fallback : value

/** The entry a decoded upsert produces from the live entry (or from the built-in defaults). */
export const applyNotiflowUpsert = (upsert: NotiflowUpsert, entry: NotiflowCatalogEntry): NotiflowCatalogEntry => ({
  ...entry,
  name: upsert.name ?? entry.name,
  include_in_preferences: setting(upsert.include_in_preferences, entry.include_in_preferences, builtIn.include_in_preferences),
  required: setting(upsert.required, entry.required, builtIn.required),
  default_enabled: setting(upsert.default_enabled, entry.default_enabled, builtIn.default_enabled),
  default_channel_types:
    upsert.default_channel_types === undefined ? entry.default_channel_types : mergeChannels(entry.default_channel_types, upsert.default_channel_types),
  deleted: false
})

/**
 * Validates a notiflow upsert and returns the entry it produces. `existing` is the live entry,
 * or `undefined` when creating or restoring a deleted one (then `name` is required and settings
 * start from the built-in defaults). The checks against the path and the state follow the Schema's.
 */
export const decodeNotiflowUpsert = (
  input: unknown,
  id: NotiflowId,
  existing: NotiflowCatalogEntry | undefined
): Decoded<NotiflowCatalogEntry> => {
  const checked = withIssues(decodeUpsert(input), notiflowPathIssues(input, id, existing))
  return checked.ok ? { ok: true, value: applyNotiflowUpsert(checked.value, existing ?? newNotiflow(id, "")) } : checked
}

/** The checks against the path and the state: `id` equals the path's, `name` is sent on creation. */
export const notiflowPathIssues = (input: unknown, id: string, existing: NotiflowCatalogEntry | undefined): ReadonlyArray<FieldIssue> => {
  if (!isJsonObject(input)) return []
  const out: Array<FieldIssue> = []
  if (Object.hasOwn(input, "id") && input["id"] !== id) out.push(issue("id", "invalid_format", "must equal the notiflow id in the path"))
  if (existing === undefined && !Object.hasOwn(input, "name")) out.push(issue("name", "required", "name is required when creating a notiflow"))
  return out
}

/** The project defaults object of the API: all six effective values. */
export const DefaultsJson = Schema.Struct({ channel_types: EffectiveChannelTypes }).annotations({ identifier: "ProjectDefaults" })
export type DefaultsJson = typeof DefaultsJson.Type

export const DefaultsPatchSchema = Schema.Struct({
  channel_types: Schema.optionalWith(ChannelPatchSchema, { exact: true })
}).annotations({
  identifier: "ProjectDefaultsPatch",
  ...says("the body must be a JSON object"),
  ...unknownKeys("unknown_field", "unknown field; expected channel_types")
})

/** The API representation of the defaults: the effective value of every channel type. */
export const defaultsToJson = (d: ProjectDefaults): DefaultsJson => ({ channel_types: effectiveDefaults(d) })

/**
 * `GET /admin/preferences/defaults/explicit`: the stored defaults only (a type absent = never set,
 * so the built-in `true` applies with `source: "default"`; a stored `true` answers
 * `source: "project_default"`). What a copy of the project's state needs (the replica, exports).
 */
export const ExplicitDefaultsJson = Schema.Struct({ channel_types: ChannelChoices }).annotations({ identifier: "ProjectDefaultsExplicit" })
export type ExplicitDefaultsJson = typeof ExplicitDefaultsJson.Type

/** The stored defaults as the explicit route answers them (channel types in the contract's order). */
export const defaultsToExplicitJson = (d: ProjectDefaults): ExplicitDefaultsJson => ({
  channel_types: Object.fromEntries(CHANNEL_TYPES.flatMap((c) => (d.channel_types[c] === undefined ? [] : [[c, d.channel_types[c]]]))) as ChannelChoices
})

const decodeDefaults = decoderFor(DefaultsPatchSchema)

/** Validates a defaults patch and returns the new explicit defaults. */
export const decodeDefaultsPatch = (input: unknown, current: ProjectDefaults): Decoded<ProjectDefaults> => {
  const decoded = decodeDefaults(input)
  if (!decoded.ok) return decoded
  const patch = decoded.value.channel_types
  return { ok: true, value: { channel_types: patch === undefined ? current.channel_types : mergeChannels(current.channel_types, patch) } }
}
