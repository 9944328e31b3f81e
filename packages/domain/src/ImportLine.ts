/**
 * The canonical NDJSON line of `notiflows-prefs import` and `export` (BULK.md §2.1): decoding a
 * line with the API's Schemas, what importing it does to a user (§2.2, `replace` or `merge`), and
 * the canonical text export writes. Pure: the CLI streams, the adapter stores.
 */
import * as Schema from "effect/Schema"
import type { Change } from "./Changes.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, joinPath, reason, says, unknownKeys } from "./Issues.js"
import { fastCustomFields, fastPatchV2, fastProfileText, isPlain, onlyKeysSeen } from "./FastDecode.js"
import { applyPatchV2, diffV2 } from "./PatchV2.js"
import { ExternalUserId, isExternalUserId } from "./Preferences.js"
import type { PreferenceChoicesV2, PreferencePatchV2 } from "./PreferencesV2.js"
import { emptyChoicesV2, PreferencePatchV2Schema } from "./PreferencesV2.js"
import { isTenantId } from "./Tenants.js"
import type { ProfileField, UserProfile } from "./Users.js"
import { emptyProfile, mergeCustomFields, PROFILE_FIELDS, UserUpsertSchema } from "./Users.js"

/** The longest line import reads (BULK.md §2.1), in bytes without the line break. */
export const MAX_LINE_BYTES = 256 * 1024

const TenantKey = Schema.String.annotations(says("must be a tenant id string")).pipe(
  Schema.filter(isTenantId, reason("invalid_format", "tenant ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word"))
)

const optional = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })
const f = UserUpsertSchema.fields

/** One line of the file: the fields of `PUT /admin/users/{user_id}`, `preferences` and `tenants`. */
export const ImportLineSchema = Schema.Struct({
  external_id: ExternalUserId,
  email: f.email,
  phone: f.phone,
  first_name: f.first_name,
  last_name: f.last_name,
  avatar: f.avatar,
  locale: f.locale,
  timezone: f.timezone,
  custom_fields: f.custom_fields,
  preferences: optional(PreferencePatchV2Schema),
  tenants: optional(
    Schema.Record({ key: TenantKey, value: PreferencePatchV2Schema }).annotations({
      ...says("must be an object of tenant ids to preference sets"),
      ...unknownKeys("invalid_format", "tenant ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word")
    })
  )
}).annotations({ identifier: "ImportLine", ...says("a line must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })

/** A decoded line. Absent profile fields are absent here too (`merge` leaves them alone). */
export interface ImportLine {
  readonly externalId: ExternalUserId
  readonly profile: { readonly [K in ProfileField]?: string | null }
  readonly customFields?: Readonly<Record<string, unknown>> | null
  readonly preferences?: PreferencePatchV2
  readonly tenants: ReadonlyArray<readonly [string, PreferencePatchV2]>
}

const PROFILE: ReadonlySet<string> = new Set(PROFILE_FIELDS)

/**
 * The fast path of {@link decodeImportLine} (see FastDecode.ts): the Schema's exact value for a
 * plain valid line without read-only keys, else `undefined` (the Schema decides and reports).
 */
export const fastImportLine = (input: unknown): ImportLine | undefined => {
  if (!isPlain(input)) return undefined
  const externalId = input["external_id"]
  if (typeof externalId !== "string" || !isExternalUserId(externalId)) return undefined
  let preferences: PreferencePatchV2 | undefined
  let customFieldsValue: Readonly<Record<string, unknown>> | null | undefined
  const tenants: Array<readonly [string, PreferencePatchV2]> = []
  let n = 0
  for (const key in input) {
    const value = input[key]
    n++
    if (key === "external_id") continue
    if (PROFILE.has(key)) {
      if (!fastProfileText(key as ProfileField, value)) return undefined
    } else if (key === "custom_fields") {
      if ((customFieldsValue = fastCustomFields(value)) === undefined) return undefined
    } else if (key === "preferences") {
      if ((preferences = fastPatchV2(value)) === undefined) return undefined
    } else if (key === "tenants") {
      if (!isPlain(value)) return undefined
      for (const tenantId in value) {
        const patch = isTenantId(tenantId) ? fastPatchV2(value[tenantId]) : undefined
        if (patch === undefined) return undefined
        tenants.push([tenantId, patch])
      }
      if (!onlyKeysSeen(value, tenants.length)) return undefined
    } else return undefined
  }
  if (!onlyKeysSeen(input, n)) return undefined
  const profile: { [K in ProfileField]?: string | null } = {}
  for (const f of PROFILE_FIELDS) if (Object.hasOwn(input, f)) profile[f] = input[f] as string | null
  return {
    externalId: externalId as ImportLine["externalId"],
    profile,
    ...(customFieldsValue !== undefined ? { customFields: customFieldsValue } : {}),
    ...(preferences !== undefined ? { preferences } : {}),
    tenants
  }
}

const decodeWire = decoderFor(ImportLineSchema)

/** Validates a parsed line (API.md's schemas, ids and limits; not the catalog nor locks); common lines take a fast path. */
export const decodeImportLine = (input: unknown): Decoded<ImportLine> => {
  const quick = fastImportLine(input)
  return quick !== undefined ? { ok: true, value: quick } : decodeImportLineBySchema(input)
}

/** {@link decodeImportLine} by the Schema alone (what its fast path must agree with). */
export const decodeImportLineBySchema = (input: unknown): Decoded<ImportLine> => {
  const decoded = decodeWire(input)
  if (!decoded.ok) return decoded
  const v = decoded.value
  return {
    ok: true,
    value: {
      externalId: v.external_id,
      profile: Object.fromEntries(PROFILE_FIELDS.flatMap((k) => (v[k] === undefined ? [] : [[k, v[k]]]))),
      ...(v.custom_fields !== undefined ? { customFields: v.custom_fields } : {}),
      ...(v.preferences !== undefined ? { preferences: v.preferences } : {}),
      tenants: Object.entries(v.tenants ?? {})
    }
  }
}

/** The external id of a parsed line when it has a well-formed one (for error reports). */
export const externalIdOf = (input: unknown): string | null =>
  isJsonObject(input) && typeof input["external_id"] === "string" && Schema.is(ExternalUserId)(input["external_id"]) ? input["external_id"] : null

const entryIds = (map: { readonly [id: string]: unknown } | undefined): ReadonlyArray<string> =>
  map === undefined ? [] : Object.keys(map).filter((id) => map[id] !== null)

/**
 * The choices a line makes on ids absent from the catalog (deleted entries count as present), as
 * `unknown_notiflow` / `unknown_category` issues: counted, or refused with `--strict`.
 */
export const unknownIdIssues = (line: ImportLine, known: { readonly notiflow: (id: string) => boolean; readonly category: (id: string) => boolean }): ReadonlyArray<FieldIssue> => {
  const out: Array<FieldIssue> = []
  const check = (prefix: string, patch: PreferencePatchV2 | undefined) => {
    for (const id of entryIds(patch?.categories)) {
      if (!known.category(id)) out.push(issue(joinPath(prefix, "categories", id), "unknown_category", "unknown category"))
    }
    for (const id of entryIds(patch?.notiflows)) {
      if (!known.notiflow(id)) out.push(issue(joinPath(prefix, "notiflows", id), "unknown_notiflow", "unknown notiflow"))
    }
  }
  check("preferences", line.preferences)
  for (const [tenantId, patch] of line.tenants) check(joinPath("tenants", tenantId), patch)
  return out
}

/** What import reads of a stored user: profile, global set and every user×tenant set. */
export interface StoredUserState {
  readonly profile: UserProfile
  readonly global: PreferenceChoicesV2
  readonly tenants: ReadonlyMap<string, PreferenceChoicesV2>
}

export type ImportMode = "replace" | "merge"

/** One set's write: its choices after the line and the ledger entry's changes. */
export interface SetWrite {
  /** `null` = the global set. */
  readonly tenantId: string | null
  readonly choices: PreferenceChoicesV2
  readonly changes: ReadonlyArray<Change>
  readonly operation: "patch" | "replace" | "reset"
}

/** What one line does: nothing, or a new profile and/or set writes (only sets that change). */
export interface LinePlan {
  readonly outcome: "created" | "updated" | "unchanged"
  readonly profile: UserProfile
  readonly profileChanged: boolean
  readonly sets: ReadonlyArray<SetWrite>
}

const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b)

const setWrite = (tenantId: string | null, before: PreferenceChoicesV2, patch: PreferencePatchV2 | undefined, mode: ImportMode): SetWrite | undefined => {
  // `replace`: reset, then the patch (its nulls are no-ops on an empty set), one entry with the net change.
  const base = mode === "replace" ? emptyChoicesV2 : before
  const after = patch === undefined ? base : applyPatchV2(base, patch)
  const changes = diffV2(before, after)
  return changes.length === 0 ? undefined : { tenantId, choices: after, changes, operation: mode === "replace" ? "replace" : "patch" }
}

/**
 * Applies a line to a user (`undefined`: not stored yet). `replace`: absent profile fields
 * cleared, `custom_fields` replaced, the global and each named tenant set replaced, unnamed
 * tenant sets reset. `merge`: `PUT /admin/users/{user_id}` semantics, unnamed sets untouched.
 */
export const planLine = (current: StoredUserState | undefined, line: ImportLine, mode: ImportMode): LinePlan => {
  const before = current ?? { profile: emptyProfile, global: emptyChoicesV2, tenants: new Map<string, PreferenceChoicesV2>() }
  const fields = Object.fromEntries(PROFILE_FIELDS.map((k) => [k, line.profile[k] !== undefined ? line.profile[k] : mode === "replace" ? null : before.profile[k]]))
  const cf = line.customFields
  const custom_fields =
    cf === undefined ? (mode === "replace" ? {} : before.profile.custom_fields) : cf === null ? {} : mergeCustomFields(mode === "replace" ? {} : before.profile.custom_fields, cf)
  const profile = { ...(fields as Omit<UserProfile, "custom_fields">), custom_fields }
  const profileChanged = current === undefined || !sameJson(profile, before.profile)
  const sets: Array<SetWrite> = []
  const global = setWrite(null, before.global, line.preferences, mode)
  if (global !== undefined) sets.push(global)
  const named = new Set<string>()
  for (const [tenantId, patch] of line.tenants) {
    named.add(tenantId)
    const w = setWrite(tenantId, before.tenants.get(tenantId) ?? emptyChoicesV2, patch, mode)
    if (w !== undefined) sets.push(w)
  }
  if (mode === "replace") {
    for (const [tenantId, choices] of [...before.tenants].sort(([a], [b]) => compareUtf8(a, b))) {
      const changes = named.has(tenantId) ? [] : diffV2(choices, emptyChoicesV2)
      if (changes.length > 0) sets.push({ tenantId, choices: emptyChoicesV2, changes, operation: "reset" })
    }
  }
  const outcome = current === undefined ? "created" : profileChanged || sets.length > 0 ? "updated" : "unchanged"
  return { outcome, profile, profileChanged, sets }
}

// --- the canonical form --------------------------------------------------------------------

/** Orders strings by their UTF-8 bytes (= code point order), not by UTF-16 code units. */
export const compareUtf8 = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}

/** JSON with every object's keys sorted by UTF-8 bytes (integer-like keys included). */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (isJsonObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareUtf8)
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`
  }
  return JSON.stringify(value)
}

const nonEmpty = (c: PreferenceChoicesV2): Record<string, unknown> =>
  Object.fromEntries(Object.entries({ channel_types: c.channel_types, categories: c.categories, notiflows: c.notiflows }).filter(([, m]) => Object.keys(m).length > 0))

/**
 * A user's canonical line (BULK.md §2.1), without the line break: `external_id` and
 * `preferences` always, other fields only when set or non-empty, empty maps left out, nested keys
 * sorted by UTF-8 bytes; the sets' stored explicit choices verbatim.
 */
export const canonicalLine = (externalId: string, state: StoredUserState): string => {
  const parts = [`"external_id":${JSON.stringify(externalId)}`]
  for (const k of PROFILE_FIELDS) {
    const v = state.profile[k]
    if (v !== null) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`)
  }
  if (Object.keys(state.profile.custom_fields).length > 0) parts.push(`"custom_fields":${canonicalJson(state.profile.custom_fields)}`)
  parts.push(`"preferences":${canonicalJson(nonEmpty(state.global))}`)
  const tenants = Object.fromEntries([...state.tenants].map(([t, c]) => [t, nonEmpty(c)]).filter(([, c]) => Object.keys(c as object).length > 0))
  if (Object.keys(tenants).length > 0) parts.push(`"tenants":${canonicalJson(tenants)}`)
  return `{${parts.join(",")}}`
}
