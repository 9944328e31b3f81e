/**
 * Users: the profile fields of API.md §5 and the validation of an upsert body.
 */
import * as Schema from "effect/Schema"
import type { Decoded, FieldIssue } from "./Issues.js"
import { issue, isJsonObject, joinPath, typeName } from "./Issues.js"
import type { PatchContext, PreferencePatch } from "./PreferencePatch.js"
import { decodePatch } from "./PreferencePatch.js"
import { RESERVED_IDS } from "./Preferences.js"

export type CustomFields = { readonly [key: string]: unknown }

/** The editable profile; `null` = not set. */
export interface UserProfile {
  readonly email: string | null
  readonly phone: string | null
  readonly first_name: string | null
  readonly last_name: string | null
  readonly avatar: string | null
  readonly locale: string | null
  readonly timezone: string | null
  readonly custom_fields: CustomFields
}

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
export interface User extends UserProfile {
  readonly id: string
  readonly external_id: string
  readonly created_at: Date
  readonly updated_at: Date
  readonly revision: number
}

const NullableString = Schema.NullOr(Schema.String)

/** The user object of the API. */
export const UserJson = Schema.Struct({
  id: Schema.String,
  external_id: Schema.String,
  email: NullableString,
  phone: NullableString,
  first_name: NullableString,
  last_name: NullableString,
  avatar: NullableString,
  locale: NullableString,
  timezone: NullableString,
  custom_fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  created_at: Schema.String,
  updated_at: Schema.String
}).annotations({ identifier: "User" })
export type UserJson = typeof UserJson.Type

/** The API representation of a user. */
export const userToJson = (user: User): UserJson => ({
  id: user.id,
  external_id: user.external_id,
  ...profileOf(user),
  created_at: user.created_at.toISOString(),
  updated_at: user.updated_at.toISOString()
})

/** Wire schema of a user upsert body, for documentation and OpenAPI. */
export const UserUpsertSchema = Schema.Struct({
  email: Schema.optionalWith(NullableString, { exact: true }),
  phone: Schema.optionalWith(NullableString, { exact: true, description: "E.164, e.g. +14155550123" }),
  first_name: Schema.optionalWith(NullableString, { exact: true }),
  last_name: Schema.optionalWith(NullableString, { exact: true }),
  avatar: Schema.optionalWith(NullableString, { exact: true, description: "http or https URL" }),
  locale: Schema.optionalWith(NullableString, { exact: true, description: "BCP 47 tag" }),
  timezone: Schema.optionalWith(NullableString, { exact: true, description: "IANA time zone" }),
  custom_fields: Schema.optionalWith(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })), {
    exact: true,
    description: "deep-merged; null removes a key; arrays are replaced"
  }),
  preferences: Schema.optionalWith(Schema.Unknown, { exact: true, description: "a preference patch applied in the same write" }),
  external_id: Schema.optionalWith(Schema.String, { exact: true, description: "accepted when equal to the path" })
}).annotations({ identifier: "UserUpsert" })

/** A decoded upsert body. Absent fields stay as they are; `null` clears. */
export interface UserPatch {
  readonly profile: { readonly [K in ProfileField]?: string | null }
  readonly custom_fields?: CustomFields | null
  readonly preferences?: PreferencePatch
}

const MAX_TEXT = 255
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const E164 = /^\+[1-9][0-9]{1,14}$/

const validLocale = (s: string): boolean => {
  try {
    return Intl.getCanonicalLocales(s).length === 1
  } catch {
    return false
  }
}

const validTimezone = (s: string): boolean => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: s })
    return s.length > 0
  } catch {
    return false
  }
}

const validUrl = (s: string): boolean => {
  try {
    const url = new URL(s)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

const formats: { readonly [K in ProfileField]: { readonly max: number; readonly check?: (s: string) => boolean; readonly hint?: string } } = {
  email: { max: 254, check: (s) => EMAIL.test(s), hint: "an email address" },
  phone: { max: 16, check: (s) => E164.test(s), hint: "an E.164 number such as +14155550123" },
  first_name: { max: MAX_TEXT },
  last_name: { max: MAX_TEXT },
  avatar: { max: 2048, check: validUrl, hint: "an http or https URL" },
  locale: { max: 64, check: validLocale, hint: "a BCP 47 language tag" },
  timezone: { max: 64, check: validTimezone, hint: "an IANA time zone such as Europe/Paris" }
}

const checkCustomFields = (value: unknown, path: string, depth: number, issues: Array<FieldIssue>): void => {
  if (depth > 16) {
    issues.push(issue(path, "too_long", "custom_fields nest at most 16 levels"))
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkCustomFields(v, joinPath(path, String(i)), depth + 1, issues))
  } else if (isJsonObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (RESERVED_IDS.has(key)) issues.push(issue(joinPath(path, key), "invalid_format", "reserved key"))
      else checkCustomFields(v, joinPath(path, key), depth + 1, issues)
    }
  }
}

/**
 * Validates a user upsert body (API.md §5). `preferences` is decoded as a preference patch
 * with the admin context. Every problem is reported at once.
 */
export const decodeUserPatch = (input: unknown, externalId: string, context: PatchContext): Decoded<UserPatch> => {
  if (!isJsonObject(input)) {
    return { ok: false, issues: [issue("", "invalid_type", `the body must be a JSON object, got ${typeName(input)}`)] }
  }
  const issues: Array<FieldIssue> = []
  const profile: Partial<Record<ProfileField, string | null>> = {}
  let customFields: CustomFields | null | undefined
  let preferences: PreferencePatch | undefined
  for (const [key, value] of Object.entries(input)) {
    if ((PROFILE_FIELDS as ReadonlyArray<string>).includes(key)) {
      const field = key as ProfileField
      const rule = formats[field]
      if (value === null) profile[field] = null
      else if (typeof value !== "string") issues.push(issue(key, "invalid_type", `must be a string or null, got ${typeName(value)}`))
      else if (value.length > rule.max) issues.push(issue(key, "too_long", `at most ${rule.max} characters`))
      else if (rule.check !== undefined && !rule.check(value)) issues.push(issue(key, "invalid_format", `must be ${rule.hint}`))
      else profile[field] = value
    } else if (key === "custom_fields") {
      if (value === null) customFields = null
      else if (!isJsonObject(value)) issues.push(issue(key, "invalid_type", `must be an object or null, got ${typeName(value)}`))
      else {
        checkCustomFields(value, key, 0, issues)
        customFields = value
      }
    } else if (key === "preferences") {
      if (value === null) {
        issues.push(issue(key, "invalid_type", "must be a preference patch object; null is not allowed"))
        continue
      }
      const decoded = decodePatch(value, context)
      if (decoded.ok) preferences = decoded.value
      else for (const i of decoded.issues) issues.push({ ...i, field: joinPath("preferences", i.field) })
    } else if (key === "external_id") {
      if (value !== externalId) issues.push(issue(key, "invalid_format", "must equal the user id in the path"))
    } else if (key === "id" || key === "created_at" || key === "updated_at") {
      // Read-only fields are ignored so a client can send back what it read.
    } else {
      issues.push(issue(key, "unknown_field", "unknown field"))
    }
  }
  if (issues.length > 0) return { ok: false, issues }
  return {
    ok: true,
    value: {
      profile,
      ...(customFields !== undefined ? { custom_fields: customFields } : {}),
      ...(preferences !== undefined ? { preferences } : {})
    }
  }
}

/** Deep merge for custom fields: objects merge, `null` removes a key, arrays and scalars replace. */
export const mergeCustomFields = (base: CustomFields, patch: CustomFields): CustomFields => {
  const out = new Map<string, unknown>(Object.entries(base))
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) out.delete(key)
    else {
      const current = out.get(key)
      out.set(key, isJsonObject(value) && isJsonObject(current) ? mergeCustomFields(current, value) : stripNulls(value))
    }
  }
  return Object.fromEntries(out)
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
