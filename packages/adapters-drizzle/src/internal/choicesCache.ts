/**
 * The batch read's choice documents, decoded once per distinct text (internal). A batch
 * evaluation reads up to 1,000 users, each with a global set (two jsonb columns) and, in a
 * tenant, a user×tenant set; most users hold the same few documents (nothing chosen, or the
 * same handful of choices), and jsonb's text form is canonical, so equal documents have equal
 * text. Each distinct (global choices, categories, tenant choices) text triple is parsed once and
 * its {@link ScopedChoices} shared, deeply frozen, by every user and batch that holds it.
 * Bounded: documents longer than `MAX_TEXT` are decoded per row and not kept; the cache is
 * cleared when it holds `MAX_ENTRIES`.
 */
import type { ScopedChoices } from "@notiflows/domain"

const MAX_TEXT = 1024
const MAX_ENTRIES = 4096

const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/** A row's documents as text (`null` for SQL NULL: no categories, no tenant set). */
export interface ChoiceTexts {
  readonly choices: string | null
  readonly categories: string | null
  /** `undefined` in the global scope. */
  readonly tenantChoices?: string | null
}

const NULL_KEY = "\u0000null"
const GLOBAL_KEY = "\u0000global"

/** A cache of rows decoded by `decode` (the repository's own decoding), one per repository. */
export const makeChoicesCache = (decode: (r: ChoiceTexts) => ScopedChoices) => {
  // choices text → categories text → tenant text (or GLOBAL_KEY) → the shared decoding.
  let byChoices = new Map<string, Map<string, Map<string, ScopedChoices>>>()
  let entries = 0
  return (r: ChoiceTexts): ScopedChoices => {
    const a = r.choices ?? NULL_KEY
    const b = r.categories ?? NULL_KEY
    const c = r.tenantChoices === undefined ? GLOBAL_KEY : (r.tenantChoices ?? NULL_KEY)
    if (a.length > MAX_TEXT || b.length > MAX_TEXT || c.length > MAX_TEXT) return decode(r)
    let byCategories = byChoices.get(a)
    let byTenant = byCategories?.get(b)
    const kept = byTenant?.get(c)
    if (kept !== undefined) return kept
    if (entries >= MAX_ENTRIES) {
      byChoices = new Map()
      entries = 0
      byCategories = undefined
      byTenant = undefined
    }
    if (byCategories === undefined) byChoices.set(a, (byCategories = new Map()))
    if (byTenant === undefined) byCategories.set(b, (byTenant = new Map()))
    const made = deepFreeze(decode(r))
    byTenant.set(c, made)
    entries++
    return made
  }
}
