/**
 * The center's structure (LINKS.md §5), before markup: which boxes exist, in what order, which are
 * editable, and what a stale save re-applies. Pure; `renderPage` draws it and `centerChanges`
 * (CenterForm.ts) reads the same editability rule, so a box and its `shown.` field never disagree.
 */
import type { ChannelType } from "@notiflows/domain"
import type { Branding } from "./Branding.js"
import type { Locale } from "./Locale.js"
import type { CenterCategory, CenterNotiflow, CenterState, LeafPath, LeafView } from "./PageModel.js"

/** How a box behaves: editable, or disabled with a visible reason. */
export type BoxKind = "editable" | "locked" | "required"

/** One checkbox of the center. */
export interface Box {
  readonly path: LeafPath
  /** `enabled` ("Receive these notifications") or the channel type the box labels. */
  readonly label: "enabled" | ChannelType
  readonly kind: BoxKind
  /** The stored (effective) value: what `shown.{path}` carries. */
  readonly value: boolean
  /** What the box shows checked: `value`, or on a stale page the user's unsaved choice. */
  readonly checked: boolean
  /** A stale page's re-applied change (`checked` ≠ `value`): marked "Changed, not saved yet". */
  readonly unsaved: boolean
}

/** A category's or notiflow's fieldset. */
export interface EntryBlock {
  readonly kind: "category" | "notiflow"
  readonly id: string
  readonly name: string
  readonly boxes: ReadonlyArray<Box>
}

/** An `<h2>` section: a category with its notiflows, or the last "Other notifications" (`category: null`). */
export interface Section {
  readonly category: EntryBlock | null
  readonly notiflows: ReadonlyArray<EntryBlock>
}

/** The whole form. */
export interface CenterLayout {
  readonly channels: ReadonlyArray<Box>
  readonly sections: ReadonlyArray<Section>
}

const box = (
  path: LeafPath,
  label: Box["label"],
  leaf: LeafView,
  required: boolean,
  changes: ReadonlyMap<LeafPath, boolean>
): Box => {
  const kind: BoxKind = required ? "required" : leaf.locked ? "locked" : "editable"
  const value = required ? true : leaf.value
  const wanted = kind === "editable" ? changes.get(path) : undefined
  const checked = wanted ?? value
  return { path, label, kind, value, checked, unsaved: checked !== value }
}

const entryBlock = (
  kind: EntryBlock["kind"],
  entry: CenterCategory | CenterNotiflow,
  shownTypes: ReadonlyArray<ChannelType>,
  changes: ReadonlyMap<LeafPath, boolean>
): EntryBlock => {
  const base = `${kind === "category" ? "categories" : "notiflows"}.${entry.id}`
  const required = kind === "notiflow" && (entry as CenterNotiflow).required
  const boxes: Array<Box> = [box(`${base}.enabled`, "enabled", entry.enabled, required, changes)]
  if (!required) {
    for (const type of shownTypes) {
      const leaf = entry.channel_types[type]
      if (leaf !== undefined) boxes.push(box(`${base}.channel_types.${type}`, type, leaf, false, changes))
    }
  }
  return { kind, id: entry.id, name: entry.name, boxes }
}

/** Names by `Intl.Collator` of the page locale, then id (LINKS.md §5). */
const byName = (locale: Locale) => {
  const collator = new Intl.Collator(locale)
  return (a: { readonly name: string; readonly id: string }, b: { readonly name: string; readonly id: string }): number =>
    collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** The branding's channel types, distinct, in its order. */
export const shownChannelTypes = (branding: Branding | null, state: CenterState): ReadonlyArray<ChannelType> =>
  [...new Set(branding?.channel_types ?? (Object.keys(state.channel_types) as Array<ChannelType>))]

/**
 * The center's layout. `changes` (path → the user's value) are re-applied on editable boxes only:
 * pass `new Map()` except for a stale page.
 */
export const centerLayout = (
  state: CenterState,
  branding: Branding | null,
  locale: Locale,
  changes: ReadonlyMap<LeafPath, boolean> = new Map()
): CenterLayout => {
  const types = shownChannelTypes(branding, state)
  const channels = types.map((type) => box(`channel_types.${type}`, type, state.channel_types[type], false, changes))
  const order = byName(locale)
  const categories = [...state.categories].sort(order)
  const shownCategoryIds = new Set(categories.map((c) => c.id))
  const byCategory = new Map<string, Array<CenterNotiflow>>()
  const other: Array<CenterNotiflow> = []
  for (const notiflow of state.notiflows) {
    const home = notiflow.categories.find((id) => shownCategoryIds.has(id))
    if (home === undefined) other.push(notiflow)
    else byCategory.set(home, [...(byCategory.get(home) ?? []), notiflow])
  }
  const sections: Array<Section> = categories.map((category) => ({
    category: entryBlock("category", category, types, changes),
    notiflows: (byCategory.get(category.id) ?? []).sort(order).map((n) => entryBlock("notiflow", n, types, changes))
  }))
  if (other.length > 0) {
    sections.push({ category: null, notiflows: other.sort(order).map((n) => entryBlock("notiflow", n, types, changes)) })
  }
  return { channels, sections }
}

/** Every box of a layout, in page order. */
export const boxesOf = (layout: CenterLayout): ReadonlyArray<Box> => [
  ...layout.channels,
  ...layout.sections.flatMap((s) => [...(s.category?.boxes ?? []), ...s.notiflows.flatMap((n) => n.boxes)])
]
