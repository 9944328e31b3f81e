/**
 * What an unsubscribe-link POST asks for (LINKS.md §3), from its decoded form fields (urlencoded or
 * multipart; the router parses the body and checks type and size first).
 */
import { isLocale, type Locale } from "./Locale.js"

export type UnsubscribeRequest =
  /** RFC 8058: `List-Unsubscribe=One-Click` (value ASCII case-insensitive; other fields ignored). 200, empty body. */
  | { readonly kind: "one_click" }
  /** The confirm form. Origin-checked; answers a page. */
  | { readonly kind: "unsubscribe"; readonly lang: Locale | null }
  /** The result page's undo form, with its ticket. */
  | { readonly kind: "undo"; readonly ticket: string; readonly lang: Locale | null }
  /** The already-unsubscribed page's "Subscribe again" form. */
  | { readonly kind: "resubscribe"; readonly lang: Locale | null }
  /** Anything else (empty, other values, undo without a ticket): the 400 page, nothing written. */
  | { readonly kind: "invalid"; readonly lang: Locale | null }

/** `One-Click` compared ASCII case-insensitively (no Unicode case folding: `ONE-CLİCK` is not it). */
const isOneClick = (value: string): boolean => value.replace(/[A-Z]/g, (c) => c.toLowerCase()) === "one-click"

/**
 * Classifies a POST body's fields (in order; a repeated field: the last wins, as on the center).
 * A one-click field wins over everything else, so a mailbox provider's POST is never a 400.
 */
export const classifyUnsubscribeForm = (fields: Iterable<readonly [string, string]>): UnsubscribeRequest => {
  const last = new Map<string, string>()
  for (const [name, value] of fields) last.set(name, value)
  const oneClick = last.get("List-Unsubscribe")
  if (oneClick !== undefined && isOneClick(oneClick)) return { kind: "one_click" }
  const rawLang = last.get("lang")
  const lang = rawLang !== undefined && isLocale(rawLang) ? rawLang : null
  switch (last.get("action")) {
    case "unsubscribe":
      return { kind: "unsubscribe", lang }
    case "resubscribe":
      return { kind: "resubscribe", lang }
    case "undo": {
      const ticket = last.get("undo")
      return ticket === undefined || ticket === "" ? { kind: "invalid", lang } : { kind: "undo", ticket, lang }
    }
    default:
      return { kind: "invalid", lang }
  }
}
