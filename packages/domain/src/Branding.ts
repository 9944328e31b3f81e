/**
 * A project's branding (LINKS.md §2.4): what the link pages show. Stored as the fields a project
 * set; the API answers every field with its default filled. `PUT /admin/branding` is a merge
 * patch (`null` = back to the default).
 */
import * as Schema from "effect/Schema"
import type { ChannelType } from "./Preferences.js"
import { CHANNEL_TYPES, ChannelType as ChannelTypeSchema } from "./Preferences.js"
import { reason, stable } from "./Issues.js"

/** The default accent (`#1d4ed8`, 6.7:1 against white). */
export const DEFAULT_ACCENT_COLOR = "#1d4ed8"
export const BRANDING_NAME_MAX = 100
export const BRANDING_URL_MAX = 2048

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/
// Cc: C0, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

const linear = (hex: string, at: number): number => {
  const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
}

/** WCAG 2.x relative luminance of a `#RRGGBB` colour. */
export const relativeLuminance = (hex: string): number =>
  0.2126 * linear(hex, 1) + 0.7152 * linear(hex, 3) + 0.0722 * linear(hex, 5)

/** WCAG contrast ratio of two `#RRGGBB` colours (1–21). */
export const contrastRatio = (a: string, b: string): number => {
  const [x, y] = [relativeLuminance(a), relativeLuminance(b)]
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)
}

/** `#RRGGBB` with contrast ≥ 4.5:1 against `#ffffff`. */
export const isAccentColor = (color: string): boolean => HEX_COLOR.test(color) && contrastRatio(color, "#ffffff") >= 4.5

const codePoints = (s: string): number => [...s].length

const parsesAs = (s: string, protocols: ReadonlyArray<string>): boolean => {
  if (CONTROL.test(s) || /\s/.test(s)) return false
  try {
    const u = new URL(s)
    return protocols.includes(u.protocol) && u.hostname !== "" && u.username === "" && u.password === ""
  } catch {
    return false
  }
}

const BrandName = Schema.String.pipe(
  Schema.filter((s) => codePoints(s) <= BRANDING_NAME_MAX, { ...reason("too_long", `at most ${BRANDING_NAME_MAX} characters`), jsonSchema: { maxLength: BRANDING_NAME_MAX } }),
  Schema.filter((s) => s.length > 0 && !CONTROL.test(s), { ...reason("invalid_format", "1 or more characters, no control characters"), ...stable, jsonSchema: { minLength: 1, pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]*$" } })
).annotations({ arbitrary: () => (fc) => fc.constantFrom("Acme", "Ünïcode & Co", "x".repeat(BRANDING_NAME_MAX)) })

const url = (protocols: ReadonlyArray<string>, what: string) =>
  Schema.String.pipe(
    Schema.filter((s) => s.length <= BRANDING_URL_MAX, { ...reason("too_long", `at most ${BRANDING_URL_MAX} characters`), jsonSchema: { maxLength: BRANDING_URL_MAX } }),
    Schema.filter((s) => parsesAs(s, protocols), { ...reason("invalid_format", `must be an absolute ${what} URL`), jsonSchema: { format: "uri", pattern: protocols.length === 1 ? "^https://[^\\s/]+" : "^https?://[^\\s/]+" } })
  ).annotations({
    // Generated values for property tests: random strings almost never parse as URLs.
    arbitrary: () => (fc) => fc.constantFrom(...protocols.map((p) => `${p}//example.com/brand/logo.png`))
  })

const HttpsUrl = url(["https:"], "https")
const HttpUrl = url(["https:", "http:"], "http(s)")

const AccentColor = Schema.String.pipe(
  Schema.filter((s) => HEX_COLOR.test(s), { ...reason("invalid_format", "must be #RRGGBB"), jsonSchema: { pattern: "^#[0-9a-fA-F]{6}$" } }),
  Schema.filter((s) => contrastRatio(s, "#ffffff") >= 4.5, { ...reason("insufficient_contrast", "needs a contrast of at least 4.5:1 against #ffffff") })
).annotations({ arbitrary: () => (fc) => fc.constantFrom("#1d4ed8", "#000000", "#B91C1C") })

const ChannelTypeList = Schema.Array(ChannelTypeSchema).pipe(
  Schema.filter((a) => a.length > 0, { ...reason("invalid_format", "at least one channel type"), ...stable, jsonSchema: { minItems: 1 } }),
  Schema.filter((a) => new Set(a).size === a.length, { ...reason("invalid_format", "channel types must be distinct"), jsonSchema: { uniqueItems: true } })
).annotations({ arbitrary: () => (fc) => fc.uniqueArray(fc.constantFrom(...CHANNEL_TYPES), { minLength: 1 }) })

/** The body of `GET /admin/branding` (every default filled) and of `PUT`'s answer. */
export const BrandingJson = Schema.Struct({
  name: Schema.String,
  logo_url: Schema.NullOr(Schema.String),
  accent_color: Schema.String,
  help_url: Schema.NullOr(Schema.String),
  privacy_url: Schema.NullOr(Schema.String),
  channel_types: Schema.Array(ChannelTypeSchema)
}).annotations({ identifier: "Branding" })
export type BrandingJson = typeof BrandingJson.Type

/** `PUT /admin/branding`: a merge patch, `null` = the default. */
export const BrandingPatchSchema = Schema.Struct({
  name: Schema.optional(Schema.NullOr(BrandName)),
  logo_url: Schema.optional(Schema.NullOr(HttpsUrl)),
  accent_color: Schema.optional(Schema.NullOr(AccentColor)),
  help_url: Schema.optional(Schema.NullOr(HttpUrl)),
  privacy_url: Schema.optional(Schema.NullOr(HttpUrl)),
  channel_types: Schema.optional(Schema.NullOr(ChannelTypeList))
}).annotations({ identifier: "BrandingPatch" })
export type BrandingPatch = typeof BrandingPatchSchema.Type

/** What a project set (absent = default). */
export interface BrandingSettings {
  readonly name?: string
  readonly logo_url?: string
  readonly accent_color?: string
  readonly help_url?: string
  readonly privacy_url?: string
  readonly channel_types?: ReadonlyArray<ChannelType>
}

export const BRANDING_FIELDS = ["name", "logo_url", "accent_color", "help_url", "privacy_url", "channel_types"] as const

/** The patch applied: `null` removes a field, a value sets it (accents stored lower-case). */
export const applyBrandingPatch = (current: BrandingSettings, patch: BrandingPatch): BrandingSettings => {
  const out: Record<string, unknown> = { ...current }
  for (const k of BRANDING_FIELDS) {
    const v = patch[k]
    if (v === undefined) continue
    if (v === null) delete out[k]
    else out[k] = k === "accent_color" && typeof v === "string" ? v.toLowerCase() : v
  }
  return out as BrandingSettings
}

/** The answered body: the settings over the defaults (`projectName` for `name`). */
export const brandingBody = (settings: BrandingSettings, projectName: string): BrandingJson => ({
  name: settings.name ?? projectName,
  logo_url: settings.logo_url ?? null,
  accent_color: settings.accent_color ?? DEFAULT_ACCENT_COLOR,
  help_url: settings.help_url ?? null,
  privacy_url: settings.privacy_url ?? null,
  channel_types: settings.channel_types ?? CHANNEL_TYPES
})

/** Reads stored settings tolerantly: unknown or ill-formed fields are dropped (never trusted into pages). */
export const brandingSettingsOf = (raw: unknown): BrandingSettings => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {}
  const decoded = Schema.decodeUnknownEither(BrandingPatchSchema)(raw, { errors: "all", onExcessProperty: "ignore" })
  return decoded._tag === "Right" ? applyBrandingPatch({}, decoded.right) : {}
}
