/**
 * Users: the profile fields of API.md §5 and the validation of an upsert body.
 */
import * as Schema from "effect/Schema"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, stable, isJsonObject, issue, reason, says, unknownKeys, withIssues } from "./Issues.js"
import type { PatchContext, PreferencePatch } from "./PreferencePatch.js"
import { catalogIssues, PreferencePatchSchema, withCatalogIssues } from "./PreferencePatch.js"
import { ExternalUserId, isStorableText, ReadOnlyField, RESERVED_IDS, Text, TextUpTo, Timestamp, UserId } from "./Preferences.js"

/** A JSON value (custom fields). */
export type JsonValue = null | boolean | number | string | ReadonlyArray<JsonValue> | { readonly [key: string]: JsonValue }

const KEY_MESSAGE = "keys are valid Unicode text without NUL characters, and not __proto__, constructor or prototype"

/** A key inside custom fields: storable text, never a reserved id (effect's Record decoding assigns keys). */
const JsonKey = Schema.String.pipe(
  Schema.filter((k) => !RESERVED_IDS.has(k) && isStorableText(k), { jsonSchema: { pattern: "^[^\\u0000]*$", not: { enum: [...RESERVED_IDS] } } })
)

const JsonObject = <V extends Schema.Schema.Any>(value: V) =>
  Schema.Record({ key: JsonKey, value }).annotations(unknownKeys("invalid_format", KEY_MESSAGE))

/** Any JSON value whose strings and keys PostgreSQL can store (issue 10). */
export const JsonValue: Schema.Schema<JsonValue> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  // `1e400` parses to Infinity, which JSON cannot hold (it would be stored, and answered, as null).
  Schema.Finite.annotations(reason("invalid_format", "must be a finite number")),
  Text,
  Schema.Array(Schema.suspend(() => JsonValue)),
  JsonObject(Schema.suspend(() => JsonValue))
).annotations({ identifier: "JsonValue", ...says("must be a JSON value") })

/** Custom fields as stored and answered. */
export const CustomFields = Schema.Record({ key: Schema.String, value: JsonValue })
export type CustomFields = typeof CustomFields.Type

/** How deep custom fields nest (the top-level map is depth 0). */
export const MAX_CUSTOM_DEPTH = 16

/** The path of the first value nested deeper than {@link MAX_CUSTOM_DEPTH} levels, if any. */
const tooDeep = (value: unknown, path: ReadonlyArray<string>, depth: number): ReadonlyArray<string> | undefined => {
  if (depth > MAX_CUSTOM_DEPTH) return path
  if (typeof value !== "object" || value === null) return undefined
  for (const [k, v] of Object.entries(value)) {
    const found = tooDeep(v, [...path, k], depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/** A custom-fields patch: deep-merged; `null` removes a key; arrays are replaced. */
const CustomFieldsPatch = JsonObject(JsonValue).pipe(
  Schema.filter((fields) => {
    const path = tooDeep(fields, [], 0)
    return path === undefined || { path, message: `custom_fields nest at most ${MAX_CUSTOM_DEPTH} levels` }
  }, { ...stable, ...reason("too_long") })
)

/** The editable profile; `null` = not set. */
export const UserProfile = Schema.Struct({
  email: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  first_name: Schema.NullOr(Schema.String),
  last_name: Schema.NullOr(Schema.String),
  avatar: Schema.NullOr(Schema.String),
  locale: Schema.NullOr(Schema.String),
  timezone: Schema.NullOr(Schema.String),
  custom_fields: CustomFields
})
export type UserProfile = typeof UserProfile.Type

export const PROFILE_FIELDS = ["email", "phone", "first_name", "last_name", "avatar", "locale", "timezone"] as const
export type ProfileField = (typeof PROFILE_FIELDS)[number]

export const emptyProfile: UserProfile = {
  email: null,
  phone: null,
  first_name: null,
  last_name: null,
  avatar: null,
  locale: null,
  timezone: null,
  custom_fields: {}
}

/** A stored user. `revision` grows with every profile write (optimistic concurrency). */
export const User = Schema.Struct({
  id: UserId,
  external_id: ExternalUserId,
  ...UserProfile.fields,
  created_at: Schema.DateFromSelf,
  updated_at: Schema.DateFromSelf,
  revision: Schema.NonNegativeInt
})
export type User = typeof User.Type

/** The user object of the API. */
export const UserJson = Schema.Struct({
  id: Schema.String,
  external_id: Schema.String,
  ...UserProfile.fields,
  created_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "User" })

/** The API representation of a user (Schema encoding; `revision` is dropped). */
export const userToJson: (user: User) => typeof UserJson.Encoded = Schema.encodeSync(UserJson)

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const E164 = /^\+[1-9][0-9]{1,14}$/

/**
 * Remembers a pure check's answers for a bounded number of inputs: `Intl.DateTimeFormat` costs
 * tens of µs per call, and imports check the same few time zones and locales millions of times.
 */
const memoized = (check: (s: string) => boolean, max = 1024): ((s: string) => boolean) => {
  const seen = new Map<string, boolean>()
  return (s) => {
    const known = seen.get(s)
    if (known !== undefined) return known
    const answer = check(s)
    if (seen.size >= max) seen.clear()
    seen.set(s, answer)
    return answer
  }
}

const validLocale = memoized((s: string): boolean => {
  try {
    return Intl.getCanonicalLocales(s).length === 1
  } catch {
    return false
  }
})

const validTimezone = memoized((s: string): boolean => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: s })
    return s.length > 0
  } catch {
    return false
  }
})

const validUrl = (s: string): boolean => {
  try {
    const url = new URL(s)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/** A profile field: storable text of at most `max` characters passing `check`, or `null`. */
const profileText = (max: number, check?: (s: string) => boolean, hint?: string, jsonSchema: object = {}) =>
  Schema.NullOr(
    check === undefined
      ? TextUpTo(max)
      : TextUpTo(max).pipe(Schema.filter(check, { ...reason("invalid_format", `must be ${hint ?? "well formed"}`), jsonSchema }))
  ).annotations(says("must be a string or null"))

const optional = <S extends Schema.Schema.All>(s: S, description?: string) =>
  description === undefined ? Schema.optionalWith(s, { exact: true }) : Schema.optionalWith(s, { exact: true }).annotations({ description })

/**
 * Each profile field's rule: storable text of at most `max` characters passing `check` (when it
 * has one). The upsert Schema below and the hand-written fast decoders (`FastDecode.ts`) read it.
 */
export const PROFILE_RULES: { readonly [K in ProfileField]: { readonly max: number; readonly check?: (s: string) => boolean } } = {
  email: { max: 254, check: (s) => EMAIL.test(s) },
  phone: { max: 16, check: (s) => E164.test(s) },
  first_name: { max: 255 },
  last_name: { max: 255 },
  avatar: { max: 2048, check: validUrl },
  locale: { max: 64, check: validLocale },
  timezone: { max: 64, check: validTimezone }
}
const R = PROFILE_RULES

/** A user upsert (API.md §5): absent fields stay as they are; `null` clears. */
export const UserUpsertSchema = Schema.Struct({
  email: optional(profileText(R.email.max, R.email.check, "an email address", { format: "email", pattern: EMAIL.source })),
  phone: optional(profileText(R.phone.max, R.phone.check, "an E.164 number such as +14155550123", { pattern: E164.source }), "E.164, e.g. +14155550123"),
  first_name: optional(profileText(R.first_name.max)),
  last_name: optional(profileText(R.last_name.max)),
  avatar: optional(profileText(R.avatar.max, R.avatar.check, "an http or https URL", { format: "uri", pattern: "^[Hh][Tt][Tt][Pp][Ss]?:" }), "http or https URL"),
  locale: optional(profileText(R.locale.max, R.locale.check, "a BCP 47 language tag", { minLength: 1 }), "BCP 47 tag"),
  timezone: optional(profileText(R.timezone.max, R.timezone.check, "an IANA time zone such as Europe/Paris", { minLength: 1 }), "IANA time zone"),
  custom_fields: optional(
    Schema.NullOr(CustomFieldsPatch).annotations(says("must be an object or null")),
    "deep-merged; null removes a key; arrays are replaced; null for the whole map removes every key"
  ),
  preferences: optional(PreferencePatchSchema, "a preference patch applied in the same write"),
  external_id: optional(Schema.String.annotations(says("must be a string")), "accepted when equal to the user id in the path"),
  id: optional(ReadOnlyField("read-only; accepted and ignored")),
  created_at: optional(ReadOnlyField("read-only; accepted and ignored")),
  updated_at: optional(ReadOnlyField("read-only; accepted and ignored"))
}).annotations({ identifier: "UserUpsert", ...says("the body must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })
export type UserUpsert = typeof UserUpsertSchema.Type

/** A decoded upsert body. Absent fields stay as they are; `null` clears. */
export interface UserPatch {
  readonly profile: { readonly [K in ProfileField]?: string | null }
  readonly custom_fields?: CustomFields | null
  readonly preferences?: PreferencePatch
}

const decodeUpsert = decoderFor(UserUpsertSchema)

const toUserPatch = (u: UserUpsert): UserPatch => ({
  profile: Object.fromEntries(PROFILE_FIELDS.flatMap((f) => (u[f] === undefined ? [] : [[f, u[f]]]))),
  ...(u.custom_fields !== undefined ? { custom_fields: u.custom_fields } : {}),
  ...(u.preferences !== undefined ? { preferences: u.preferences } : {})
})

/** The checks against the path and the catalog, after the Schema's. */
const contextIssues = (input: unknown, externalId: string, context: PatchContext): ReadonlyArray<FieldIssue> => {
  if (!isJsonObject(input)) return []
  const out: Array<FieldIssue> = []
  // API.md §5: anything but the path's id is `invalid_format` (this issue replaces the Schema's).
  if (Object.hasOwn(input, "external_id") && input["external_id"] !== externalId) {
    out.push(issue("external_id", "invalid_format", "must equal the user id in the path"))
  }
  return Object.hasOwn(input, "preferences") ? [...out, ...catalogIssues(input["preferences"], context, "preferences")] : out
}

/**
 * Validates a user upsert body (API.md §5). `preferences` is decoded as a preference patch
 * with the given (admin) context. Every problem is reported at once.
 */
export const decodeUserPatch = (input: unknown, externalId: string, context: PatchContext): Decoded<UserPatch> => {
  const decoded = withCatalogIssues(decodeUpsert(input), contextIssues(input, externalId, context))
  return decoded.ok ? { ok: true, value: toUserPatch(decoded.value) } : decoded
}

/** Deep merge for custom fields: objects merge, `null` removes a key, arrays and scalars replace. */
export const mergeCustomFields = (base: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): CustomFields => {
  const out = new Map<string, unknown>(Object.entries(base))
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) out.delete(key)
    else {
      const current = out.get(key)
      out.set(key, isJsonObject(value) && isJsonObject(current) ? mergeCustomFields(current, value) : stripNulls(value))
    }
  }
  // Both sides are JSON values (decoded or stored), so the merge is one too.
  return Object.fromEntries(out) as CustomFields
}

// A new object under a key carries no "removal" meaning: its nulls are dropped like RFC 7396 does.
const stripNulls = (value: unknown): unknown =>
  isJsonObject(value) ? mergeCustomFields({}, value) : value

/** The profile after a patch. */
export const applyUserPatch = (profile: UserProfile, patch: UserPatch): UserProfile => ({
  ...profile,
  ...patch.profile,
  custom_fields:
    patch.custom_fields === undefined
      ? profile.custom_fields
      : patch.custom_fields === null
        ? {}
        : mergeCustomFields(profile.custom_fields, patch.custom_fields)
})

/** The editable part of a stored user. */
export const profileOf = (user: UserProfile): UserProfile => ({
  email: user.email,
  phone: user.phone,
  first_name: user.first_name,
  last_name: user.last_name,
  avatar: user.avatar,
  locale: user.locale,
  timezone: user.timezone,
  custom_fields: user.custom_fields
})
