/**
 * Reading a center POST (LINKS.md §5): the form's fields → the user's changes → a diff-only merge
 * patch. Only leaves the center shows as editable *now* are ever written, and only where the
 * submitted box differs from the value that was displayed (`shown.`), so untouched defaults are
 * never frozen into explicit choices.
 */
import type { ChannelType } from "@notiflows/domain"
import type { Branding } from "./Branding.js"
import { boxesOf, centerLayout } from "./CenterLayout.js"
import { isLocale, type Locale } from "./Locale.js"
import type { CenterState, LeafPath } from "./PageModel.js"

/** A well-formed center POST. */
export interface CenterForm {
  /** The hidden `etag` of the rendered view. */
  readonly etag: string
  /** The hidden `lang` when it names a catalog, else `null` (then use `resolveLocale`). */
  readonly lang: Locale | null
  /** `shown.{path}` → the displayed value (`1` → true). */
  readonly shown: ReadonlyMap<LeafPath, boolean>
  /** Paths whose `pref.{path}` box was submitted (checked). */
  readonly checked: ReadonlySet<LeafPath>
}

/** Why a center POST is a 400 page. */
export type CenterFormProblem = "action" | "etag" | "shown"

export type CenterFormResult =
  | { readonly ok: true; readonly form: CenterForm }
  | { readonly ok: false; readonly problem: CenterFormProblem }

/**
 * Parses the urlencoded fields (in body order; a repeated field: the last wins). 400 cases:
 * `action` other than `save` (or absent), no `etag`, a `shown.` value other than `1`/`0`.
 * Unknown fields and malformed paths are ignored here and by `centerChanges`.
 */
export const parseCenterForm = (fields: Iterable<readonly [string, string]>): CenterFormResult => {
  const last = new Map<string, string>()
  for (const [name, value] of fields) last.set(name, value)
  if (last.get("action") !== "save") return { ok: false, problem: "action" }
  const etag = last.get("etag")
  if (etag === undefined || etag === "") return { ok: false, problem: "etag" }
  const shown = new Map<LeafPath, boolean>()
  const checked = new Set<LeafPath>()
  for (const [name, value] of last) {
    if (name.startsWith("shown.")) {
      if (value !== "1" && value !== "0") return { ok: false, problem: "shown" }
      shown.set(name.slice("shown.".length), value === "1")
    } else if (name.startsWith("pref.")) {
      checked.add(name.slice("pref.".length))
    }
  }
  const lang = last.get("lang")
  return { ok: true, form: { etag, lang: lang !== undefined && isLocale(lang) ? lang : null, shown, checked } }
}

/** The leaf paths the center renders as editable boxes for this state and branding. */
export const editablePaths = (state: CenterState, branding: Branding | null): ReadonlySet<LeafPath> =>
  new Set(
    boxesOf(centerLayout(state, branding, "en"))
      .filter((b) => b.kind === "editable")
      .map((b) => b.path)
  )

/**
 * The user's changes: for each `shown.{path}` naming a leaf editable in `state` (the state *now*),
 * `new` = whether `pref.{path}` was submitted; kept where `new` ≠ shown. Required, hidden, locked,
 * unknown and malformed paths are ignored. The same map feeds the patch and a stale page.
 */
export const centerChanges = (form: CenterForm, state: CenterState, branding: Branding | null): ReadonlyMap<LeafPath, boolean> => {
  const editable = editablePaths(state, branding)
  const changes = new Map<LeafPath, boolean>()
  for (const [path, shown] of form.shown) {
    if (!editable.has(path)) continue
    const wanted = form.checked.has(path)
    if (wanted !== shown) changes.set(path, wanted)
  }
  return changes
}

/** An entry of a center patch. */
export interface CenterPatchEntry {
  enabled?: boolean
  channel_types?: Partial<Record<ChannelType, boolean>>
}

/** A merge patch in the API's wire shape (MODEL.md §2), setting exactly the changed leaves. */
export interface CenterPatch {
  channel_types?: Partial<Record<ChannelType, boolean>>
  categories?: Record<string, CenterPatchEntry>
  notiflows?: Record<string, CenterPatchEntry>
}

const setEntryLeaf = (entry: CenterPatchEntry, rest: ReadonlyArray<string>, value: boolean): void => {
  if (rest.length === 1 && rest[0] === "enabled") entry.enabled = value
  else if (rest.length === 2 && rest[0] === "channel_types") {
    entry.channel_types = { ...entry.channel_types, [rest[1] as ChannelType]: value }
  }
}

/**
 * The patch for `changes` (paths from `centerChanges`, so every id is one the state holds). An
 * empty map gives `{}`: the caller writes nothing.
 */
export const changesToPatch = (changes: ReadonlyMap<LeafPath, boolean>): CenterPatch => {
  const patch: CenterPatch = {}
  for (const [path, value] of changes) {
    const [root, id = "", ...rest] = path.split(".")
    if (root === "channel_types" && rest.length === 0) {
      patch.channel_types = { ...patch.channel_types, [id as ChannelType]: value }
    } else if (root === "categories" || root === "notiflows") {
      const entries: Record<string, CenterPatchEntry> = patch[root] ?? {}
      const entry = Object.hasOwn(entries, id) ? entries[id]! : {}
      setEntryLeaf(entry, rest, value)
      patch[root] = { ...entries, [id]: entry }
    }
  }
  return patch
}
