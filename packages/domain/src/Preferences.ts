/**
 * Identifiers and the preference aggregate: a user's explicit choices only, never defaults.
 */
import * as Schema from "effect/Schema"
import { enumReason, reason, says } from "./Issues.js"

/** The six channel types, in the order every view lists them. */
export const CHANNEL_TYPES = ["chat", "email", "in_app", "mobile_push", "sms", "web_push"] as const

/** A delivery channel type. */
export const ChannelType = Schema.Literal(...CHANNEL_TYPES).annotations(
  enumReason("unknown_channel_type", `unknown channel type; expected one of ${CHANNEL_TYPES.join(", ")}`, "must be a channel type string")
)
export type ChannelType = typeof ChannelType.Type

const channelTypeSet: ReadonlySet<string> = new Set(CHANNEL_TYPES)

/** True when `s` is one of the six channel types. */
export const isChannelType = (s: string): s is ChannelType => channelTypeSet.has(s)

/** Ids that would collide with JavaScript object machinery; never valid as notiflow ids. */
export const RESERVED_IDS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"])

const NOTIFLOW_ID = /^[A-Za-z0-9_:-]{1,64}$/

/** True when `s` is a well-formed notiflow id (API.md §1). */
export const isNotiflowId = (s: string): boolean => NOTIFLOW_ID.test(s) && !RESERVED_IDS.has(s)

const NOTIFLOW_ID_MESSAGE = "notiflow ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word"

/** JSON Schema of a notiflow id (what {@link isNotiflowId} enforces). */
const NOTIFLOW_ID_JSON_SCHEMA = { pattern: NOTIFLOW_ID.source, not: { enum: [...RESERVED_IDS] } }

/** The text of a notiflow id: a string matching the id rules (used as a record key too). */
export const NotiflowKey = Schema.String.annotations(says("must be a notiflow id string")).pipe(
  Schema.filter(isNotiflowId, { ...reason("invalid_format", NOTIFLOW_ID_MESSAGE), jsonSchema: NOTIFLOW_ID_JSON_SCHEMA })
)

/** A notiflow id: 1–64 of `A-Za-z0-9_:-`, not a reserved word. */
export const NotiflowId = NotiflowKey.pipe(Schema.brand("NotiflowId"))
export type NotiflowId = typeof NotiflowId.Type

// Unicode category Cc: C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u

/** True when `s` is a valid external user id: 1–255 code points, none a control character. */
export const isExternalUserId = (s: string): boolean => {
  if (s.length === 0 || CONTROL.test(s)) return false
  let count = 0
  for (const _ of s) {
    if (++count > 255) return false
  }
  // Lone surrogates are not Unicode text; they would not survive a UTF-8 round trip.
  return s.isWellFormed()
}

/** The id of a user in the customer's system; compared exactly. */
export const ExternalUserId = Schema.String.annotations(says("must be a user id string")).pipe(
  Schema.filter(isExternalUserId, {
    ...reason("invalid_format", "user ids are 1-255 characters with no control characters"),
    jsonSchema: { minLength: 1, maxLength: 255, pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]+$" }
  }),
  Schema.brand("ExternalUserId")
)

/** True for text PostgreSQL can store as sent: no NUL character, no lone surrogate (issue 10). */
export const isStorableText = (s: string): boolean => !s.includes("\u0000") && s.isWellFormed()

const STORABLE = "must be valid Unicode text without NUL characters"

/** Any text the API stores: refuses NUL and lone surrogates with `invalid_format`. */
export const Text = Schema.String.annotations(says("must be a string")).pipe(
  // JSON Schema can say "no NUL"; lone surrogates are not expressible there (they are refused all the same).
  Schema.filter(isStorableText, { ...reason("invalid_format", STORABLE), jsonSchema: { pattern: "^[^\\u0000]*$" } })
)

/** True when `s` holds at most `max` code points (what JSON Schema's `maxLength` counts). */
export const withinLength = (s: string, max: number): boolean => s.length <= max || [...s].length <= max

/** Text of at most `max` code points (what JSON Schema's `maxLength` counts). */
export const TextUpTo = (max: number) =>
  Text.pipe(
    Schema.filter((s) => withinLength(s, max), {
      ...reason("too_long", `at most ${max} characters`),
      jsonSchema: { maxLength: max }
    })
  )
export type ExternalUserId = typeof ExternalUserId.Type

/**
 * A read-only field of an upsert body: accepted with any value and ignored (so a client can send
 * back what it read), documented `readOnly`. Its JSON Schema admits every JSON value.
 */
export const ReadOnlyField = (description: string) =>
  Schema.Unknown.annotations({
    // Any JSON value, as `anyOf` (an override for effect): a `type` list naming "array" without
    // `items` is an error for OAS linters (Spectral's array-items).
    jsonSchema: {
      anyOf: [
        { type: "null" },
        { type: "boolean" },
        { type: "number" },
        { type: "string" },
        { type: "array", items: {} },
        { type: "object", additionalProperties: {} }
      ],
      readOnly: true,
      description
    }
  })

/** An instant on the wire: an ISO 8601 UTC timestamp with milliseconds (`YYYY-MM-DDTHH:MM:SS.sssZ`). */
export const Timestamp = Schema.transform(
  Schema.String.annotations({ jsonSchema: { type: "string", format: "date-time" } }),
  Schema.DateFromSelf,
  { strict: true, decode: (s) => new Date(s), encode: (d) => d.toISOString() }
)

/** A project (tenant) id. */
export const ProjectId = Schema.UUID.pipe(Schema.brand("ProjectId"))
export type ProjectId = typeof ProjectId.Type

/** Our own id of a user (UUIDv7). */
export const UserId = Schema.UUID.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

/** The id of a stored API key (never the key itself). */
export const ApiKeyId = Schema.UUID.pipe(Schema.brand("ApiKeyId"))
export type ApiKeyId = typeof ApiKeyId.Type

const optionalBoolean = Schema.optionalWith(Schema.Boolean, { exact: true })

/** Explicit per-channel-type choices; absent = no explicit choice. */
export const ChannelChoices = Schema.Struct({
  chat: optionalBoolean,
  email: optionalBoolean,
  in_app: optionalBoolean,
  mobile_push: optionalBoolean,
  sms: optionalBoolean,
  web_push: optionalBoolean
})
export type ChannelChoices = typeof ChannelChoices.Type

/** Explicit choices for one notiflow. Never stored empty. */
export const NotiflowChoice = Schema.Struct({
  enabled: optionalBoolean,
  channel_types: Schema.optionalWith(ChannelChoices, { exact: true })
})
export type NotiflowChoice = typeof NotiflowChoice.Type

/** A user's explicit choices (no version). */
export const PreferenceChoices = Schema.Struct({
  channel_types: ChannelChoices,
  notiflows: Schema.Record({ key: NotiflowKey, value: NotiflowChoice })
})
export type PreferenceChoices = typeof PreferenceChoices.Type

/** The stored aggregate: explicit choices plus a version that grows by one per changing write. */
export const PreferenceSet = Schema.Struct({
  version: Schema.NonNegativeInt,
  ...PreferenceChoices.fields
})
export type PreferenceSet = typeof PreferenceSet.Type

/** The empty choices, version 0. */
export const emptyPreferenceSet: PreferenceSet = { version: 0, channel_types: {}, notiflows: {} }

/** Project-wide per-channel-type defaults (explicit entries only). */
export const ProjectDefaults = Schema.Struct({ channel_types: ChannelChoices })
export type ProjectDefaults = typeof ProjectDefaults.Type

/** A notiflow in a project's catalog. */
export const NotiflowCatalogEntry = Schema.Struct({
  id: NotiflowId,
  name: Schema.String,
  include_in_preferences: Schema.Boolean,
  required: Schema.Boolean,
  default_enabled: Schema.Boolean,
  default_channel_types: ChannelChoices,
  deleted: Schema.Boolean
})
export type NotiflowCatalogEntry = typeof NotiflowCatalogEntry.Type

/** Who reads or writes: the admin API sees the whole catalog, the user API what a user may configure. */
export type Audience = "admin" | "user"

/** Whether a user may configure a notiflow on the user API. */
export const isConfigurable = (entry: NotiflowCatalogEntry): boolean =>
  entry.include_in_preferences && !entry.required

/** Whether a notiflow is visible to an audience (live, and configurable for users). */
export const isVisible = (entry: NotiflowCatalogEntry, audience: Audience): boolean =>
  !entry.deleted && (audience === "admin" || isConfigurable(entry))

/** Own-property read: never follows the prototype chain (`toString` is a valid notiflow id). */
export const own = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined
