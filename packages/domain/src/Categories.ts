/**
 * Categories (MODEL.md §1, §5): catalog entities that group notiflows, their upsert (a merge
 * patch like a notiflow's) and a notiflow's ordered `categories` list.
 */
import * as Schema from "effect/Schema"
import { NotiflowName, mergeChannels, sameChannels } from "./Catalog.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, reason, says, stable, unknownKeys, withIssues } from "./Issues.js"
import { NullableBoolean, ChannelPatchSchema } from "./PreferencePatch.js"
import { ChannelChoices, isNotiflowId, ReadOnlyField, Timestamp } from "./Preferences.js"

/** Live categories per project (M§8). */
export const MAX_CATEGORIES = 1000

/** Whether two id lists (a notiflow's category memberships) hold the same ids in the same order. */
export const sameIds = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => a.length === b.length && a.every((id, i) => id === b[i])
/** Categories per notiflow (M§8). */
export const MAX_NOTIFLOW_CATEGORIES = 20

const CATEGORY_ID_MESSAGE = "category ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word"

/** True when `s` is a well-formed category id (the notiflow id rules; its own namespace). */
export const isCategoryId: (s: string) => boolean = isNotiflowId

/** The text of a category id (used as a record key too). */
export const CategoryKey = Schema.String.annotations(says("must be a category id string")).pipe(
  Schema.filter(isCategoryId, {
    ...reason("invalid_format", CATEGORY_ID_MESSAGE),
    jsonSchema: { pattern: "^[A-Za-z0-9_:-]{1,64}$", not: { enum: ["__proto__", "constructor", "prototype"] } }
  })
)

/** A category id: 1–64 of `A-Za-z0-9_:-`, not a reserved word. */
export const CategoryId = CategoryKey.pipe(Schema.brand("CategoryId"))
export type CategoryId = typeof CategoryId.Type

/** A category in a project's catalog. */
export const CategoryCatalogEntry = Schema.Struct({
  id: CategoryId,
  name: Schema.String,
  include_in_preferences: Schema.Boolean,
  default_enabled: Schema.Boolean,
  default_channel_types: ChannelChoices,
  deleted: Schema.Boolean
})
export type CategoryCatalogEntry = typeof CategoryCatalogEntry.Type

/** A stored category. `revision` grows with every write (optimistic concurrency). */
export const StoredCategory = Schema.Struct({
  ...CategoryCatalogEntry.fields,
  revision: Schema.NonNegativeInt,
  created_at: Schema.DateFromSelf,
  updated_at: Schema.DateFromSelf
})
export type StoredCategory = typeof StoredCategory.Type

/** The category object of the API. */
export const CategoryJson = Schema.Struct({
  id: CategoryId,
  name: Schema.String,
  include_in_preferences: Schema.Boolean,
  default_enabled: Schema.Boolean,
  default_channel_types: ChannelChoices,
  created_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Category" })

/** The API representation of a stored category (Schema encoding; other stored fields are dropped). */
export const categoryToJson: (c: StoredCategory) => typeof CategoryJson.Encoded = Schema.encodeSync(CategoryJson)

/** A category upsert (a merge patch): `null` returns a setting to its built-in default. `required` is unknown. */
export const CategoryUpsertSchema = Schema.Struct({
  name: Schema.optionalWith(NotiflowName, { exact: true }).annotations({ description: "required when creating or restoring" }),
  include_in_preferences: Schema.optionalWith(NullableBoolean, { exact: true }),
  default_enabled: Schema.optionalWith(NullableBoolean, { exact: true }),
  default_channel_types: Schema.optionalWith(ChannelPatchSchema, { exact: true }),
  id: Schema.optionalWith(ReadOnlyField("read-only; accepted when equal to the category id in the path"), { exact: true }),
  created_at: Schema.optionalWith(ReadOnlyField("read-only; accepted and ignored"), { exact: true }),
  updated_at: Schema.optionalWith(ReadOnlyField("read-only; accepted and ignored"), { exact: true })
}).annotations({ identifier: "CategoryUpsert", ...says("the body must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })
export type CategoryUpsert = typeof CategoryUpsertSchema.Type

const builtIn = { include_in_preferences: true, default_enabled: true } as const

/** Settings a new (or restored) category starts from. */
export const newCategory = (id: CategoryId, name: string): CategoryCatalogEntry => ({
  id,
  name,
  include_in_preferences: builtIn.include_in_preferences,
  default_enabled: builtIn.default_enabled,
  default_channel_types: {},
  deleted: false
})

const setting = (value: boolean | null | undefined, current: boolean, fallback: boolean): boolean =>
  value === undefined ? current : value === null ? fallback : value

/** The entry a decoded upsert produces from the live entry (or from the built-in defaults). */
export const applyCategoryUpsert = (upsert: CategoryUpsert, entry: CategoryCatalogEntry): CategoryCatalogEntry => ({
  ...entry,
  name: upsert.name ?? entry.name,
  include_in_preferences: setting(upsert.include_in_preferences, entry.include_in_preferences, builtIn.include_in_preferences),
  default_enabled: setting(upsert.default_enabled, entry.default_enabled, builtIn.default_enabled),
  default_channel_types:
    upsert.default_channel_types === undefined ? entry.default_channel_types : mergeChannels(entry.default_channel_types, upsert.default_channel_types),
  deleted: false
})

/** True when two category entries have the same settings. */
export const sameCategory = (a: CategoryCatalogEntry, b: CategoryCatalogEntry): boolean =>
  a.id === b.id &&
  a.name === b.name &&
  a.include_in_preferences === b.include_in_preferences &&
  a.default_enabled === b.default_enabled &&
  a.deleted === b.deleted &&
  sameChannels(a.default_channel_types, b.default_channel_types)

const decodeUpsert = decoderFor(CategoryUpsertSchema)

const pathIssues = (input: unknown, id: string, existing: CategoryCatalogEntry | undefined): ReadonlyArray<FieldIssue> => {
  if (!isJsonObject(input)) return []
  const out: Array<FieldIssue> = []
  if (Object.hasOwn(input, "id") && input["id"] !== id) out.push(issue("id", "invalid_format", "must equal the category id in the path"))
  if (existing === undefined && !Object.hasOwn(input, "name")) out.push(issue("name", "required", "name is required when creating a category"))
  return out
}

/**
 * Validates a category upsert and returns the entry it produces. `existing` is the live entry, or
 * `undefined` when creating or restoring (then `name` is required and settings start from the defaults).
 */
export const decodeCategoryUpsert = (
  input: unknown,
  id: CategoryId,
  existing: CategoryCatalogEntry | undefined
): Decoded<CategoryCatalogEntry> => {
  const checked = withIssues(decodeUpsert(input), pathIssues(input, id, existing))
  return checked.ok ? { ok: true, value: applyCategoryUpsert(checked.value, existing ?? newCategory(id, "")) } : checked
}

/**
 * A notiflow's `categories` in an upsert: 0–20 distinct category ids (`null` = `[]`). Whether
 * each is live is the catalog pass's (`unknown_category`).
 */
export const NotiflowCategoriesSchema = Schema.NullOr(
  Schema.Array(CategoryId.annotations(says("must be a category id string"))).pipe(
    Schema.filter(
      (list) => {
        const at = list.findIndex((c, i) => list.indexOf(c) !== i)
        return at < 0 || { path: [at], message: "category ids must be distinct" }
      },
      { ...reason("invalid_format"), title: "categories", jsonSchema: { uniqueItems: true } }
    ),
    Schema.filter((list) => list.length <= MAX_NOTIFLOW_CATEGORIES || `at most ${MAX_NOTIFLOW_CATEGORIES} categories per notiflow`, {
      ...stable,
      ...reason("too_many"),
      title: "categories",
      jsonSchema: { maxItems: MAX_NOTIFLOW_CATEGORIES }
    })
  )
).annotations({
  description: `0-${MAX_NOTIFLOW_CATEGORIES} distinct live category ids, in order; null sets []`,
  ...says("must be an array of category ids or null")
})
export type NotiflowCategories = typeof NotiflowCategoriesSchema.Type

/**
 * The stored membership list after a PUT of `categories`: the given live ids, then the kept
 * memberships of deleted categories (in their stored order, without repeats).
 */
export const nextMemberships = (
  given: ReadonlyArray<CategoryId>,
  stored: ReadonlyArray<CategoryId>,
  isDeleted: (id: CategoryId) => boolean
): ReadonlyArray<CategoryId> => [...given, ...stored.filter((id) => isDeleted(id) && !given.includes(id))]
