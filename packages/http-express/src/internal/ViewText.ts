/**
 * The JSON text of a preferences view, memoized by what it is computed from.
 *
 * A view (MODEL.md §4) is a pure function of the catalog, the project defaults, the tenant's
 * defaults, the audience and the stored choices (the user's id, version and dates are not in
 * it). The catalog and both defaults come from the per-project caches as the same objects while
 * they are unchanged, so they key by identity; the choices key by their JSON text. Most users
 * hold one of a few documents (none at all, or a handful of common changes), so most reads and
 * write replies find their text here instead of resolving 50 notiflows × 6 channels and
 * serialising ~4 KB again. The key is the whole input, so an entry can never be stale: a changed
 * catalog or defaults is a new object, hence a new key; old entries age out.
 *
 * An entry is the text's UTF-8 bytes: hashed for the ETag and sent as they are, instead of
 * encoding ~4 KB twice per request.
 *
 * Bounded: at most {@link MAX_ENTRIES} texts (about 4 KB each), the oldest inserted dropped first.
 */
import type { Audience, PreferenceSetV2, ScopedSnapshot } from "@notiflows/domain"
import { scopedExplicitView, scopedViewText } from "@notiflows/domain"
import { etagOfBytes } from "../ETag.js"

/** Entries kept; ~16 MiB at 4 KB a view. */
export const MAX_ENTRIES = 4096

const ids = new WeakMap<object, number>()
let lastId = 0
/** A number naming an immutable cached object for as long as it lives (0: none). */
const idOf = (o: object | undefined): number => {
  if (o === undefined) return 0
  let id = ids.get(o)
  if (id === undefined) {
    id = ++lastId
    ids.set(o, id)
  }
  return id
}

const texts = new Map<string, Buffer>()

const remember = (key: string, text: Buffer): Buffer => {
  if (texts.size >= MAX_ENTRIES) {
    const oldest = texts.keys().next()
    if (oldest.done !== true) texts.delete(oldest.value)
  }
  texts.set(key, text)
  return text
}

/**
 * A set's choices as text: every field of `PreferenceChoicesV2` (the version is not read by a view).
 * A field added to the choices must be added here (test/viewText.test.ts checks the field list).
 */
export const CHOICE_FIELDS = ["channel_types", "categories", "notiflows"] as const
const choicesText = (set: PreferenceSetV2): string => JSON.stringify([set.channel_types, set.categories, set.notiflows])

/**
 * The key of a snapshot's view: what `scopedView` / `scopedExplicitView` read. The explicit
 * view reads the scope's own choices and the catalog only; the full view also the global
 * choices (a tenant scope), the tenant's and the project's defaults.
 */
const keyOf = (s: ScopedSnapshot, audience: Audience, kind: "view" | "explicit"): string => {
  const scoped = choicesText(s.scoped)
  if (kind === "explicit") return `e\n${audience}\n${idOf(s.catalog)}\n${scoped}`
  if (s.scope._tag === "Global") return `g\n${audience}\n${idOf(s.catalog)}.${idOf(s.defaults)}\n${scoped}`
  return `t\n${audience}\n${idOf(s.catalog)}.${idOf(s.defaults)}.${idOf(s.tenant)}\n${choicesText(s.global)}\n${scoped}`
}

/**
 * The UTF-8 bytes of the JSON text `JSON.stringify` writes for the snapshot's view (`kind:
 * "view"`) or explicit view. Each in its own allocation: a slice of Node's shared pool would keep
 * the whole 8 KB slab alive as long as the entry.
 */
export const viewText = (s: ScopedSnapshot, audience: Audience, kind: "view" | "explicit"): Buffer => {
  const key = keyOf(s, audience, kind)
  const known = texts.get(key)
  if (known !== undefined) return known
  const text = kind === "view" ? scopedViewText(s, audience) : JSON.stringify(scopedExplicitView(s, audience))
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, "utf8"))
  bytes.write(text, "utf8")
  return remember(key, bytes)
}

/**
 * The strong ETag of the snapshot's view or explicit view (ETag.ts: the tenant names the scope;
 * none in the global scope, so v1's tags stand), over its memoized bytes.
 */
export const viewTag = (s: ScopedSnapshot, audience: Audience, kind: "view" | "explicit", bytes: Buffer = viewText(s, audience, kind)): string =>
  etagOfBytes(s.userId, audience, kind, bytes, s.scope._tag === "Tenant" ? s.scope.tenantId : undefined)

/** How many texts are held (tests). */
export const viewTextEntries = (): number => texts.size
