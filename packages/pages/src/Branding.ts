import { CHANNEL_TYPES, type ChannelType } from "@notiflows/domain"

/**
 * A project's branding as the pages use it: the fields of LINKS.md §2.4 with the API's names, every
 * default already filled (what `GET /admin/branding` answers). The router passes it through as is.
 */
export interface Branding {
  /** 1–100 code points; default: the project's name. */
  readonly name: string
  /** An https URL shown ≤ 48 px high with `alt=""` beside `name`; `null`: no logo. */
  readonly logo_url: string | null
  /** `#RRGGBB`, ≥ 4.5:1 against white: buttons (white text) and links. */
  readonly accent_color: string
  /** Footer link; also on 410 pages. */
  readonly help_url: string | null
  /** Footer link. */
  readonly privacy_url: string | null
  /** What the center shows, in this order (non-empty, distinct). */
  readonly channel_types: ReadonlyArray<ChannelType>
}

/** The default accent (LINKS.md §2.4). */
export const DEFAULT_ACCENT_COLOR = "#1d4ed8"

/** The branding of a project that never set one. */
export const defaultBranding = (projectName: string): Branding => ({
  name: projectName,
  logo_url: null,
  accent_color: DEFAULT_ACCENT_COLOR,
  help_url: null,
  privacy_url: null,
  channel_types: CHANNEL_TYPES
})

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/

const channel = (hex: string, at: number): number => {
  const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
}

/** WCAG 2.x relative luminance of a `#RRGGBB` colour. */
export const relativeLuminance = (hex: string): number =>
  0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5)

/** WCAG contrast ratio of two `#RRGGBB` colours (1–21). */
export const contrastRatio = (a: string, b: string): number => {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/**
 * Whether `color` is an acceptable accent: `#RRGGBB` with contrast ≥ 4.5:1 against `#ffffff`
 * (the rule behind `insufficient_contrast`; the branding endpoint may reuse it).
 */
export const isAccentColor = (color: string): boolean =>
  HEX_COLOR.test(color) && contrastRatio(color, "#ffffff") >= 4.5

/** The accent a page uses: the branding's when acceptable, else the default (never trusts stored data into CSS). */
export const accentOf = (branding: Branding | null): string =>
  branding !== null && isAccentColor(branding.accent_color) ? branding.accent_color.toLowerCase() : DEFAULT_ACCENT_COLOR

/** `url` when it is an absolute http(s) URL, else `null`: every `href` and `src` on a page goes through this. */
export const safeHttpUrl = (url: string | null | undefined): string | null => {
  if (url === null || url === undefined) return null
  try {
    const parsed = new URL(url)
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null
  } catch {
    return null
  }
}
