/**
 * Preference changes as history records them (the leaf-level diff between two sets), and small
 * helpers over explicit choices. Pure and plain TypeScript like the merge rules in
 * `PreferencePatch.ts` (which turns changes back into a patch).
 */
import * as Schema from "effect/Schema"
import type { PreferenceChoices, PreferenceSet } from "./Preferences.js"
import { CHANNEL_TYPES } from "./Preferences.js"

/** One leaf-level change for history: `null` means "no explicit choice". */
export const Change = Schema.Struct({
  path: Schema.String,
  from: Schema.NullOr(Schema.Boolean),
  to: Schema.NullOr(Schema.Boolean)
}).annotations({ identifier: "PreferenceChange" })
export type Change = typeof Change.Type

const leaves = (choices: PreferenceChoices): Map<string, boolean> => {
  const out = new Map<string, boolean>()
  for (const c of CHANNEL_TYPES) {
    const v = choices.channel_types[c]
    if (v !== undefined) out.set(`channel_types.${c}`, v)
  }
  for (const [id, choice] of Object.entries(choices.notiflows)) {
    if (choice.enabled !== undefined) out.set(`notiflows.${id}.enabled`, choice.enabled)
    for (const c of CHANNEL_TYPES) {
      const v = choice.channel_types?.[c]
      if (v !== undefined) out.set(`notiflows.${id}.channel_types.${c}`, v)
    }
  }
  return out
}

/** The changes between two leaf maps (path → explicit value), sorted by path. Shared by v1 and v2 sets. */
export const diffLeaves = (a: ReadonlyMap<string, boolean>, b: ReadonlyMap<string, boolean>): ReadonlyArray<Change> => {
  const changes: Array<Change> = []
  for (const [path, from] of a) {
    const to = b.get(path)
    if (to !== from) changes.push({ path, from, to: to ?? null })
  }
  for (const [path, to] of b) if (!a.has(path)) changes.push({ path, from: null, to })
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
}

/** True when two leaf maps hold the same paths with the same values. */
export const sameLeaves = (a: ReadonlyMap<string, boolean>, b: ReadonlyMap<string, boolean>): boolean => {
  if (a.size !== b.size) return false
  for (const [path, v] of a) if (b.get(path) !== v) return false
  return true
}

/** The leaf-level changes from `before` to `after`, sorted by path. */
export const diff = (before: PreferenceChoices, after: PreferenceChoices): ReadonlyArray<Change> =>
  diffLeaves(leaves(before), leaves(after))

/** True when two sets hold exactly the same explicit choices (versions aside). */
export const sameChoices = (a: PreferenceChoices, b: PreferenceChoices): boolean => sameLeaves(leaves(a), leaves(b))

/** Keeps only the choices for notiflows that `keep` accepts (e.g. live or configurable ones). */
export const filterNotiflows = (choices: PreferenceChoices, keep: (id: string) => boolean): PreferenceChoices => ({
  channel_types: choices.channel_types,
  notiflows: Object.fromEntries(Object.entries(choices.notiflows).filter(([id]) => keep(id)))
})

/** Explicit choices as a set with a version. */
export const withVersion = (choices: PreferenceChoices, version: number): PreferenceSet => ({
  version,
  channel_types: choices.channel_types,
  notiflows: choices.notiflows
})
