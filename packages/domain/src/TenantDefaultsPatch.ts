/**
 * Tenant defaults (MODEL.md §5): the merge patch over values and locks, the rule that every lock
 * holds the value `false`, and the GET body (live ids only).
 */
import type { CategoryCatalogEntry } from "./Categories.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, issue, joinPath, withIssues } from "./Issues.js"
import type { PatchContextV2 } from "./PatchV2.js"
import { applyPatchV2, categoryIssues } from "./PatchV2.js"
import type { ChannelPatch } from "./PreferencePatch.js"
import { catalogIssues, withCatalogIssues } from "./PreferencePatch.js"
import type { ChannelChoices, ChannelType, NotiflowCatalogEntry, NotiflowChoice } from "./Preferences.js"
import { CHANNEL_TYPES, own } from "./Preferences.js"
import type { LocksPatch, PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"
import { TenantDefaultsPatchSchema } from "./PreferencesV2.js"
import { isJsonObject } from "./Issues.js"

/** The catalog tenant defaults are checked against (admin audience: required and hidden entries accepted). */
export interface TenantDefaultsContext {
  readonly notiflow: (id: string) => NotiflowCatalogEntry | undefined
  readonly category: (id: string) => CategoryCatalogEntry | undefined
}

const lockChannels = (current: ChannelChoices | undefined, patch: ChannelPatch | undefined): ChannelChoices => {
  const out: { [K in ChannelType]?: boolean } = {}
  for (const c of CHANNEL_TYPES) {
    const p = patch?.[c]
    const v = p === undefined ? current?.[c] : p === true ? true : undefined
    if (v === true) out[c] = true
  }
  return out
}

const lockEntry = (current: NotiflowChoice | undefined, patch: { readonly enabled?: boolean | null; readonly channel_types?: ChannelPatch }) => {
  const enabled = patch.enabled === undefined ? current?.enabled : patch.enabled === true ? true : undefined
  const channels = lockChannels(current?.channel_types, patch.channel_types)
  const hasChannels = Object.keys(channels).length > 0
  if (enabled !== true && !hasChannels) return undefined
  return { ...(enabled === true ? { enabled } : {}), ...(hasChannels ? { channel_types: channels } : {}) } as NotiflowChoice
}

const lockEntries = (
  current: Readonly<Record<string, NotiflowChoice>>,
  patch: { readonly [id: string]: { readonly enabled?: boolean | null; readonly channel_types?: ChannelPatch } | null } | undefined
) => {
  if (patch === undefined) return current
  const next = new Map(Object.entries(current))
  for (const [id, p] of Object.entries(patch)) {
    const updated = p === null ? undefined : lockEntry(next.get(id), p)
    if (updated === undefined) next.delete(id)
    else next.set(id, updated)
  }
  return Object.fromEntries(next)
}

/** Applies a `locks` patch: `true` locks a leaf, `false`/`null` unlock it, an entry `null` unlocks all of it. */
export const applyLocksPatch = (locks: PreferenceChoicesV2, patch: LocksPatch | undefined): PreferenceChoicesV2 =>
  patch === undefined
    ? locks
    : {
        channel_types: patch.channel_types === undefined ? locks.channel_types : lockChannels(locks.channel_types, patch.channel_types),
        categories: lockEntries(locks.categories, patch.categories),
        notiflows: lockEntries(locks.notiflows, patch.notiflows)
      }

const valueIssue = (path: string, value: boolean | undefined): FieldIssue | undefined =>
  value === undefined
    ? issue(path, "required", "a locked leaf needs the value false")
    : value
      ? issue(path, "invalid_format", "a lock can only hold false; deliveries that must go out are required notiflows")
      : undefined

/** Every lock needs the value `false` at its leaf: none is `required`, `true` is `invalid_format` (at the value's path). */
export const lockValueIssues = (d: TenantDefaults): ReadonlyArray<FieldIssue> => {
  const out: Array<FieldIssue> = []
  const push = (i: FieldIssue | undefined) => i !== undefined && out.push(i)
  for (const c of CHANNEL_TYPES) if (d.locks.channel_types[c] === true) push(valueIssue(`channel_types.${c}`, d.channel_types[c]))
  for (const kind of ["categories", "notiflows"] as const) {
    for (const [id, lock] of Object.entries(d.locks[kind])) {
      const value = own(d[kind], id)
      if (lock.enabled === true) push(valueIssue(joinPath(kind, id, "enabled"), value?.enabled))
      for (const c of CHANNEL_TYPES) {
        if (lock.channel_types?.[c] === true) push(valueIssue(joinPath(kind, id, "channel_types", c), value?.channel_types?.[c]))
      }
    }
  }
  return out
}

const decodeWire = decoderFor(TenantDefaultsPatchSchema)

/** Validates a tenant-defaults patch against the catalog and returns the defaults it produces. */
export const decodeTenantDefaultsPatch = (input: unknown, current: TenantDefaults, context: TenantDefaultsContext): Decoded<TenantDefaults> => {
  const ctx: PatchContextV2 = { audience: "admin", notiflow: context.notiflow, category: context.category, locks: undefined }
  const locksInput = isJsonObject(input) && Object.hasOwn(input, "locks") ? input["locks"] : undefined
  const unknown = [
    ...catalogIssues(input, ctx),
    ...categoryIssues(input, ctx),
    ...catalogIssues(locksInput, ctx, "locks"),
    ...categoryIssues(locksInput, ctx, "locks")
  ]
  const wire = decodeWire(input)
  if (!wire.ok) return withCatalogIssues(wire, unknown)
  const { locks: locksPatch, ...valuesPatch } = wire.value
  const values = applyPatchV2({ channel_types: current.channel_types, categories: current.categories, notiflows: current.notiflows }, valuesPatch)
  const next: TenantDefaults = { ...values, locks: applyLocksPatch(current.locks, locksPatch) }
  // Lock values are checked on the patched result even when some ids are unknown: every problem at once.
  const lockIssues = lockValueIssues(next).filter((i) => !unknown.some((u) => i.field.startsWith(`${u.field.replace(/^locks\./, "")}.`)))
  return withIssues({ ok: true, value: next }, [...unknown, ...lockIssues])
}

const liveOnly = (c: PreferenceChoicesV2, context: TenantDefaultsContext): PreferenceChoicesV2 => ({
  channel_types: c.channel_types,
  categories: Object.fromEntries(Object.entries(c.categories).filter(([id]) => context.category(id)?.deleted === false)),
  notiflows: Object.fromEntries(Object.entries(c.notiflows).filter(([id]) => context.notiflow(id)?.deleted === false))
})

/** The GET body: stored values and locks of live ids, every map present. */
export const tenantDefaultsBody = (d: TenantDefaults, context: TenantDefaultsContext): TenantDefaults => ({
  ...liveOnly(d, context),
  locks: liveOnly(d.locks, context)
})
