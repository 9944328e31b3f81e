/**
 * The v2 merge patch (MODEL.md §2): `categories` exactly as `notiflows`, the catalog pass
 * (`unknown_category`, `unknown_notiflow`), the lock pass (`locked`), application, diff.
 * A patch is atomic: any problem refuses all of it.
 */
import type { CategoryCatalogEntry } from "./Categories.js"
import { isCategoryId } from "./Categories.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, joinPath, withIssues } from "./Issues.js"
import type { Change } from "./Changes.js"
import { diffLeaves, sameLeaves } from "./Changes.js"
import type { ChannelPatch, NotiflowPatch } from "./PreferencePatch.js"
import { applyChannelPatch, applyNotiflowPatch, catalogIssues, withCatalogIssues } from "./PreferencePatch.js"
import type { Audience, ChannelChoices, ChannelType, NotiflowCatalogEntry, NotiflowChoice } from "./Preferences.js"
import { CHANNEL_TYPES, isChannelType, own } from "./Preferences.js"
import type { PreferenceChoicesV2, PreferencePatchV2 } from "./PreferencesV2.js"
import { PreferencePatchV2Schema } from "./PreferencesV2.js"
import { fastPatchV2 } from "./FastDecode.js"

/** What a v2 patch is validated against: audience, catalog (deleted entries included) and locks. */
export interface PatchContextV2 {
  readonly audience: Audience
  readonly notiflow: (id: string) => NotiflowCatalogEntry | undefined
  readonly category: (id: string) => CategoryCatalogEntry | undefined
  /** The scope's locks (tenant scope only); `undefined` in the global scope. */
  readonly locks: PreferenceChoicesV2 | undefined
}

/** Whether a category may be configured by an audience (users: `include_in_preferences`). */
export const isCategoryConfigurable = (c: CategoryCatalogEntry, audience: Audience): boolean =>
  audience === "admin" || c.include_in_preferences

/** The category catalog pass: unknown, hidden (user API) and deleted ids (except `null`). */
export const categoryIssues = (input: unknown, context: PatchContextV2, prefix = ""): ReadonlyArray<FieldIssue> => {
  const map = isJsonObject(input) && Object.hasOwn(input, "categories") ? input["categories"] : undefined
  if (!isJsonObject(map)) return []
  const out: Array<FieldIssue> = []
  for (const id of Object.keys(map)) {
    if (!isCategoryId(id)) continue
    const entry = context.category(id)
    const hidden = entry !== undefined && !isCategoryConfigurable(entry, context.audience)
    if (entry === undefined || hidden || (entry.deleted && map[id] !== null)) {
      out.push(issue(joinPath(prefix, "categories", id), "unknown_category", "unknown category"))
    }
  }
  return out
}

const lockedIssue = (path: string): FieldIssue => issue(path, "locked", "locked by the tenant; only false (its value) is accepted")

/** `true` or `null` at a locked leaf (`false` is the lock's value and accepted). */
const closes = (v: unknown): boolean => v === true || v === null

const channelLockIssues = (patch: unknown, locks: Readonly<Record<string, boolean | undefined>> | undefined, path: string, out: Array<FieldIssue>) => {
  if (!isJsonObject(patch) || locks === undefined) return
  for (const c of Object.keys(patch)) {
    if (isChannelType(c) && locks[c] === true && closes(patch[c])) out.push(lockedIssue(joinPath(path, c)))
  }
}

const entryLockIssues = (
  map: unknown,
  locks: Readonly<Record<string, NotiflowChoice>>,
  kind: "categories" | "notiflows",
  skip: ReadonlySet<string>,
  out: Array<FieldIssue>
) => {
  if (!isJsonObject(map)) return
  for (const id of Object.keys(map)) {
    const lock = own(locks, id)
    const entry = map[id]
    if (lock === undefined || skip.has(joinPath(kind, id)) || !isJsonObject(entry)) continue
    if (lock.enabled === true && Object.hasOwn(entry, "enabled") && closes(entry["enabled"])) out.push(lockedIssue(joinPath(kind, id, "enabled")))
    if (Object.hasOwn(entry, "channel_types")) channelLockIssues(entry["channel_types"], lock.channel_types, joinPath(kind, id, "channel_types"), out)
  }
}

/**
 * The lock pass (M§2): `true` or `null` at a locked leaf is `locked`. Entries already reported
 * as unknown are skipped (a hidden entry is only `unknown_*`); an entry-level `null` is allowed.
 */
export const lockIssues = (input: unknown, locks: PreferenceChoicesV2 | undefined, unknown: ReadonlyArray<FieldIssue>): ReadonlyArray<FieldIssue> => {
  if (locks === undefined || !isJsonObject(input)) return []
  const skip = new Set(unknown.map((i) => i.field))
  const out: Array<FieldIssue> = []
  if (Object.hasOwn(input, "channel_types")) channelLockIssues(input["channel_types"], locks.channel_types, "channel_types", out)
  if (Object.hasOwn(input, "categories")) entryLockIssues(input["categories"], locks.categories, "categories", skip, out)
  if (Object.hasOwn(input, "notiflows")) entryLockIssues(input["notiflows"], locks.notiflows, "notiflows", skip, out)
  return out
}

const decodeWireSchema = decoderFor(PreferencePatchV2Schema)

/**
 * The Schema's decode of the wire patch, after FastDecode.ts's hand-written path, which answers
 * exactly what the Schema answers for a plain valid patch and defers everything else to it (its
 * laws: test/FastDecode.test.ts). The Schema was ~4% of a PUT's CPU (issue 16, eleventh session).
 */
const decodeWire = (input: unknown): Decoded<PreferencePatchV2> => {
  const fast = fastPatchV2(input)
  return fast !== undefined ? { ok: true, value: fast } : decodeWireSchema(input)
}

const dropLockedChannels = (patch: ChannelPatch | undefined, locks: ChannelChoices | undefined): ChannelPatch | undefined => {
  if (patch === undefined || locks === undefined) return patch
  return Object.fromEntries(Object.entries(patch).filter(([c, v]) => !(v === false && locks[c as ChannelType] === true))) as ChannelPatch
}

const dropLockedEntries = (
  map: { readonly [id: string]: NotiflowPatch | null } | undefined,
  locks: Readonly<Record<string, NotiflowChoice>>
): { readonly [id: string]: NotiflowPatch | null } | undefined => {
  if (map === undefined) return undefined
  return Object.fromEntries(
    Object.entries(map).map(([id, p]): [string, NotiflowPatch | null] => {
      const lock = own(locks, id)
      if (p === null || lock === undefined) return [id, p]
      const { enabled, channel_types, ...rest } = p
      const keepEnabled = enabled !== undefined && !(enabled === false && lock.enabled === true)
      const channels = dropLockedChannels(channel_types, lock.channel_types)
      return [id, { ...rest, ...(keepEnabled ? { enabled } : {}), ...(channels !== undefined ? { channel_types: channels } : {}) }]
    })
  )
}

/** `false` at a locked leaf is the lock's value: accepted, and it stores nothing (M§2). */
export const withoutLockedFalse = (patch: PreferencePatchV2, locks: PreferenceChoicesV2 | undefined): PreferencePatchV2 => {
  if (locks === undefined) return patch
  const channel_types = dropLockedChannels(patch.channel_types, locks.channel_types)
  const categories = dropLockedEntries(patch.categories, locks.categories)
  const notiflows = dropLockedEntries(patch.notiflows, locks.notiflows)
  return {
    ...(channel_types !== undefined ? { channel_types } : {}),
    ...(categories !== undefined ? { categories } : {}),
    ...(notiflows !== undefined ? { notiflows } : {})
  }
}

/** Validates an untrusted JSON value as a v2 patch in a context, reporting every problem at once. */
export const decodePatchV2 = (input: unknown, context: PatchContextV2): Decoded<PreferencePatchV2> => {
  const unknown = [...catalogIssues(input, context), ...categoryIssues(input, context)]
  const decoded = withIssues(withCatalogIssues(decodeWire(input), unknown), lockIssues(input, context.locks, unknown))
  return decoded.ok ? { ok: true, value: withoutLockedFalse(decoded.value, context.locks) } : decoded
}

const applyEntries = (
  current: Readonly<Record<string, NotiflowChoice>>,
  patch: { readonly [id: string]: NotiflowPatch | null } | undefined
): Readonly<Record<string, NotiflowChoice>> => {
  if (patch === undefined) return current
  const next = new Map(Object.entries(current))
  for (const [id, p] of Object.entries(patch)) {
    const updated = p === null ? undefined : applyNotiflowPatch(next.get(id), p)
    if (updated === undefined) next.delete(id)
    else next.set(id, updated)
  }
  return Object.fromEntries(next)
}

/**
 * Applies a v2 patch (merge-patch semantics, emptied objects pruned). Returns the same object
 * when nothing changes.
 */
export const applyPatchV2 = <S extends PreferenceChoicesV2>(set: S, patch: PreferencePatchV2): S => {
  const result: S = {
    ...set,
    channel_types: applyChannelPatch(set.channel_types, patch.channel_types),
    categories: applyEntries(set.categories, patch.categories),
    notiflows: applyEntries(set.notiflows, patch.notiflows)
  }
  return sameChoicesV2(set, result) ? set : result
}

const entryLeaves = (out: Map<string, boolean>, kind: string, entries: Readonly<Record<string, NotiflowChoice>>) => {
  for (const [id, choice] of Object.entries(entries)) {
    if (choice.enabled !== undefined) out.set(`${kind}.${id}.enabled`, choice.enabled)
    for (const c of CHANNEL_TYPES) {
      const v = choice.channel_types?.[c]
      if (v !== undefined) out.set(`${kind}.${id}.channel_types.${c}`, v)
    }
  }
}

/** Every explicit leaf of a v2 set by its dotted path. */
export const leavesV2 = (choices: PreferenceChoicesV2): Map<string, boolean> => {
  const out = new Map<string, boolean>()
  for (const c of CHANNEL_TYPES) {
    const v = choices.channel_types[c]
    if (v !== undefined) out.set(`channel_types.${c}`, v)
  }
  entryLeaves(out, "categories", choices.categories)
  entryLeaves(out, "notiflows", choices.notiflows)
  return out
}

/** The leaf-level changes from `before` to `after`, sorted by path (v1's order for v1 leaves). */
export const diffV2 = (before: PreferenceChoicesV2, after: PreferenceChoicesV2): ReadonlyArray<Change> =>
  diffLeaves(leavesV2(before), leavesV2(after))

/** True when two v2 sets hold the same explicit choices. */
export const sameChoicesV2 = (a: PreferenceChoicesV2, b: PreferenceChoicesV2): boolean => sameLeaves(leavesV2(a), leavesV2(b))
