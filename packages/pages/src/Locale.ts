/**
 * The page locale (LINKS.md §6): the first of the user's `locale`, the `Accept-Language` ranges by
 * `q`, then `en`, that matches a catalog exactly or by its primary subtag (`fr-CA` → `fr`).
 */

/** The locales with a message catalog, in the order the catalogs were written. */
export const LOCALES = ["en", "fr", "de", "es"] as const
/** A locale with a message catalog. */
export type Locale = (typeof LOCALES)[number]

const localeSet: ReadonlySet<string> = new Set(LOCALES)

/** Whether `s` names a catalog exactly (`"fr"`; not `"fr-CA"`, not `"FR"`): the check for a POST's hidden `lang`. */
export const isLocale = (s: string): s is Locale => localeSet.has(s)

/** The catalog a BCP 47 tag selects (exactly or by its primary subtag, case-insensitive), if any. */
export const matchLocale = (tag: string): Locale | undefined => {
  const lower = tag.trim().toLowerCase()
  if (isLocale(lower)) return lower
  const primary = lower.split("-", 1)[0] ?? ""
  return isLocale(primary) ? primary : undefined
}

// Bounds on what is parsed from a request header: a hostile header costs at most this much work.
const MAX_HEADER_LENGTH = 4096
const MAX_RANGES = 32
const RANGE = /^([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)$/
const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i

/**
 * The language ranges of an `Accept-Language` value (RFC 9110 §12.5.4) ordered by `q`, highest
 * first; ranges of equal weight keep their order; `q=0`, `*` and malformed ranges are dropped.
 */
export const acceptLanguageRanges = (header: string): ReadonlyArray<string> => {
  if (header.length > MAX_HEADER_LENGTH) return []
  const ranges: Array<{ readonly tag: string; readonly q: number; readonly i: number }> = []
  const parts = header.split(",")
  for (let i = 0; i < parts.length && ranges.length < MAX_RANGES; i++) {
    const [rawTag = "", ...params] = (parts[i] ?? "").split(";").map((s) => s.trim())
    if (!RANGE.test(rawTag) || rawTag === "*") continue
    let q = 1
    let valid = true
    for (const param of params) {
      const m = QVALUE.exec(param)
      if (m) q = Number(m[1])
      else if (/^q=/i.test(param)) valid = false
    }
    if (valid && q > 0) ranges.push({ tag: rawTag, q, i })
  }
  return ranges.sort((a, b) => b.q - a.q || a.i - b.i).map((r) => r.tag)
}

/**
 * LINKS.md §6's chain: the user's stored `locale` (pass `null` on 404 pages, which skip the user),
 * then `Accept-Language` by `q`, then `"en"`.
 */
export const resolveLocale = (userLocale: string | null, acceptLanguage: string | null): Locale => {
  if (userLocale !== null) {
    const fromUser = matchLocale(userLocale)
    if (fromUser !== undefined) return fromUser
  }
  if (acceptLanguage !== null) {
    for (const range of acceptLanguageRanges(acceptLanguage)) {
      const match = matchLocale(range)
      if (match !== undefined) return match
    }
  }
  return "en"
}
