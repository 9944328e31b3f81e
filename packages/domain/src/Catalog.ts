/**
 * The notiflow catalog and project defaults: upsert bodies as merge patches (API.md §5).
 */
import * as Schema from "effect/Schema"
import type { Decoded, FieldIssue } from "./Issues.js"
import { issue, isJsonObject, joinPath, typeName } from "./Issues.js"
import type { ChannelChoices, ChannelType, NotiflowCatalogEntry, ProjectDefaults } from "./Preferences.js"
import { CHANNEL_TYPES, ChannelChoices as ChannelChoicesSchema, isChannelType } from "./Preferences.js"
import type { ChannelPatch } from "./PreferencePatch.js"
import { ChannelPatchSchema } from "./PreferencePatch.js"
import { EffectiveChannelTypes, effectiveDefaults } from "./View.js"

/** A stored catalog entry. `revision` grows with every write (optimistic concurrency). */
export interface StoredNotiflow extends NotiflowCatalogEntry {
  readonly revision: number
  readonly created_at: Date
  readonly updated_at: Date
}

/** The notiflow object of the API. */
export const NotiflowJson = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  include_in_preferences: Schema.Boolean,
  required: Schema.Boolean,
  default_enabled: Schema.Boolean,
  default_channel_types: ChannelChoicesSchema,
  created_at: Schema.String,
  updated_at: Schema.String
}).annotations({ identifier: "Notiflow" })
export type NotiflowJson = typeof NotiflowJson.Type

export const notiflowToJson = (n: StoredNotiflow): NotiflowJson => ({
  id: n.id,
  name: n.name,
  include_in_preferences: n.include_in_preferences,
  required: n.required,
  default_enabled: n.default_enabled,
  default_channel_types: n.default_channel_types,
  created_at: n.created_at.toISOString(),
  updated_at: n.updated_at.toISOString()
})

/** Wire schema of a notiflow upsert (a merge patch), for documentation and OpenAPI. */
export const NotiflowUpsertSchema = Schema.Struct({
  name: Schema.optionalWith(Schema.String, { exact: true, description: "required when creating" }),
  include_in_preferences: Schema.optionalWith(Schema.NullOr(Schema.Boolean), { exact: true }),
  required: Schema.optionalWith(Schema.NullOr(Schema.Boolean), { exact: true }),
  default_enabled: Schema.optionalWith(Schema.NullOr(Schema.Boolean), { exact: true }),
  default_channel_types: Schema.optionalWith(ChannelPatchSchema, { exact: true })
}).annotations({ identifier: "NotiflowUpsert" })

/** Catalog settings a new (or restored) notiflow starts from. */
export const newNotiflow = (id: string, name: string): NotiflowCatalogEntry => ({
  id: id as NotiflowCatalogEntry["id"],
  name,
  include_in_preferences: true,
  required: false,
  default_enabled: true,
  default_channel_types: {},
  deleted: false
})

const BOOLEAN_FIELDS = ["include_in_preferences", "required", "default_enabled"] as const
const builtIn: { readonly [K in (typeof BOOLEAN_FIELDS)[number]]: boolean } = {
  include_in_preferences: true,
  required: false,
  default_enabled: true
}

/** Validates a channel-type merge patch (`null` removes a type); a `null` map is refused. */
export const decodeChannelMapPatch = (input: unknown, path: string, issues: Array<FieldIssue>): ChannelPatch | undefined => {
  if (!isJsonObject(input)) {
    issues.push(issue(path, "invalid_type", `must be an object, got ${typeName(input)}; send null per channel type to remove one`))
    return undefined
  }
  const out: Array<[ChannelType, boolean | null]> = []
  for (const [key, value] of Object.entries(input)) {
    if (!isChannelType(key)) issues.push(issue(joinPath(path, key), "unknown_channel_type", `unknown channel type; expected one of ${CHANNEL_TYPES.join(", ")}`))
    else if (value !== null && typeof value !== "boolean") issues.push(issue(joinPath(path, key), "invalid_type", `must be true, false or null, got ${typeName(value)}`))
    else out.push([key, value])
  }
  return Object.fromEntries(out) as ChannelPatch
}

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

/**
 * Validates a notiflow upsert and returns the entry it produces. `existing` is the live entry,
 * or `undefined` when creating or restoring a deleted one (then `name` is required and settings
 * start from the built-in defaults).
 */
export const decodeNotiflowUpsert = (
  input: unknown,
  id: string,
  existing: NotiflowCatalogEntry | undefined
): Decoded<NotiflowCatalogEntry> => {
  if (!isJsonObject(input)) {
    return { ok: false, issues: [issue("", "invalid_type", `the body must be a JSON object, got ${typeName(input)}`)] }
  }
  const issues: Array<FieldIssue> = []
  let entry: NotiflowCatalogEntry = existing ?? newNotiflow(id, "")
  let named = existing !== undefined
  for (const [key, value] of Object.entries(input)) {
    if (key === "name") {
      if (typeof value !== "string") issues.push(issue(key, "invalid_type", `must be a string, got ${typeName(value)}`))
      else if (value.trim().length === 0) issues.push(issue(key, "required", "must not be blank"))
      else if ([...value].length > 255) issues.push(issue(key, "too_long", "at most 255 characters"))
      else {
        entry = { ...entry, name: value }
        named = true
      }
    } else if ((BOOLEAN_FIELDS as ReadonlyArray<string>).includes(key)) {
      const field = key as (typeof BOOLEAN_FIELDS)[number]
      if (value === null) entry = { ...entry, [field]: builtIn[field] }
      else if (typeof value === "boolean") entry = { ...entry, [field]: value }
      else issues.push(issue(key, "invalid_type", `must be true, false or null, got ${typeName(value)}`))
    } else if (key === "default_channel_types") {
      const patch = decodeChannelMapPatch(value, key, issues)
      if (patch !== undefined) entry = { ...entry, default_channel_types: mergeChannels(entry.default_channel_types, patch) }
    } else if (key === "id") {
      if (value !== id) issues.push(issue(key, "invalid_format", "must equal the notiflow id in the path"))
    } else if (key === "created_at" || key === "updated_at") {
      // read-only
    } else {
      issues.push(issue(key, "unknown_field", "unknown field"))
    }
  }
  if (!named && !issues.some((i) => i.field === "name")) issues.push(issue("name", "required", "name is required when creating a notiflow"))
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, value: { ...entry, deleted: false } }
}

/** The project defaults object of the API: all six effective values. */
export const DefaultsJson = Schema.Struct({ channel_types: EffectiveChannelTypes }).annotations({ identifier: "ProjectDefaults" })
export type DefaultsJson = typeof DefaultsJson.Type

export const DefaultsPatchSchema = Schema.Struct({
  channel_types: Schema.optionalWith(ChannelPatchSchema, { exact: true })
}).annotations({ identifier: "ProjectDefaultsPatch" })

export const defaultsToJson = (d: ProjectDefaults): DefaultsJson => ({ channel_types: effectiveDefaults(d) })

/** Validates a defaults patch and returns the new explicit defaults. */
export const decodeDefaultsPatch = (input: unknown, current: ProjectDefaults): Decoded<ProjectDefaults> => {
  if (!isJsonObject(input)) {
    return { ok: false, issues: [issue("", "invalid_type", `the body must be a JSON object, got ${typeName(input)}`)] }
  }
  const issues: Array<FieldIssue> = []
  let channelTypes = current.channel_types
  for (const [key, value] of Object.entries(input)) {
    if (key === "channel_types") {
      const patch = decodeChannelMapPatch(value, key, issues)
      if (patch !== undefined) channelTypes = mergeChannels(channelTypes, patch)
    } else issues.push(issue(key, "unknown_field", "unknown field; expected channel_types"))
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { channel_types: channelTypes } }
}
