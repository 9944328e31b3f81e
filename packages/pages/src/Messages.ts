/** Message lookup: a catalog per locale, `{placeholder}` substitution on plain strings (JSX escapes them when rendered). */
import { de } from "./catalogs/de.js"
import { type Catalog, en, type MessageKey } from "./catalogs/en.js"
import { es } from "./catalogs/es.js"
import { fr } from "./catalogs/fr.js"
import type { Locale } from "./Locale.js"

export type { Catalog, MessageKey }

/** Every catalog, by locale. */
export const CATALOGS: Readonly<Record<Locale, Catalog>> = { en, fr, de, es }

const PLACEHOLDER = /\{([a-z]+)\}/g

/** The `{placeholders}` a message uses, sorted and distinct. */
export const placeholdersOf = (message: string): ReadonlyArray<string> =>
  [...new Set([...message.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))].sort()

/** A translator bound to one locale. Unknown placeholders stay as written (the catalog test forbids them). */
export type Translate = (key: MessageKey, params?: Readonly<Record<string, string>>) => string

export const translator = (locale: Locale): Translate => {
  const catalog = CATALOGS[locale]
  return (key, params) => {
    const message = catalog[key]
    return params === undefined ? message : message.replace(PLACEHOLDER, (whole, name: string) => params[name] ?? whole)
  }
}
