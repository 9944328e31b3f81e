import { CHANNEL_TYPES, type ChannelType, isAccentColor } from "@notiflows/domain"

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

// The WCAG contrast rule behind `insufficient_contrast` is the domain's (the branding endpoint's).
export { contrastRatio, isAccentColor, relativeLuminance } from "@notiflows/domain"

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
