/**
 * MODEL.md §3 for a batch of users. What the catalog, the project defaults and the tenant's
 * defaults and locks contribute to a notiflow's decisions is the same for every user of a batch:
 * {@link prepareEvaluation} reads it once. {@link evaluatePrepared} then reads each user's two
 * sets once per user (not once per user × channel), and decides the channel-independent steps
 * (3, a disabled category; 5, a disabled notiflow) once per user. It decides exactly as
 * `evaluateChannelV2` (a law in `@notiflows/testing` checks it on generated worlds).
 */
import type { CategoryCatalogEntry } from "./Categories.js"
import type { DecisionsV2, DecisionV2 } from "./EvaluationV2.js"
import { categoryDecision, categoryOf, chain, channelOf, decision, notiflowOf, r1, REQUIRED } from "./internal/r1.js"
import type { ChannelType, NotiflowCatalogEntry, NotiflowChoice, ProjectDefaults } from "./Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"

/** A notiflow's evaluation with everything but the user's sets read (one per batch). */
export interface PreparedEvaluation {
  readonly notiflow: NotiflowCatalogEntry
  /** The notiflow's live categories, in its order. */
  readonly categories: ReadonlyArray<CategoryCatalogEntry>
  readonly channels: ReadonlyArray<ChannelType>
  /** Per requested channel: the tenant's lock and default, and the project default. */
  readonly channelLock: ReadonlyArray<boolean | undefined>
  readonly channelTenant: ReadonlyArray<boolean | undefined>
  readonly channelDefault: ReadonlyArray<boolean | undefined>
  /** Per category: the tenant's lock and default entries. */
  readonly categoryLock: ReadonlyArray<NotiflowChoice | undefined>
  readonly categoryTenant: ReadonlyArray<NotiflowChoice | undefined>
  readonly notiflowLock: NotiflowChoice | undefined
  readonly notiflowTenant: NotiflowChoice | undefined
}

/** Reads the batch-wide levels once; `tenant` is `undefined` in the global scope. */
export const prepareEvaluation = (
  tenant: TenantDefaults | undefined,
  notiflow: NotiflowCatalogEntry,
  categories: ReadonlyArray<CategoryCatalogEntry>,
  defaults: ProjectDefaults,
  channels: ReadonlyArray<ChannelType>
): PreparedEvaluation => ({
  notiflow,
  categories,
  channels,
  channelLock: channels.map((ch) => channelOf(tenant?.locks, ch)),
  channelTenant: channels.map((ch) => channelOf(tenant, ch)),
  channelDefault: channels.map((ch) => defaults.channel_types[ch]),
  categoryLock: categories.map((c) => categoryOf(tenant?.locks, c.id)),
  categoryTenant: categories.map((c) => categoryOf(tenant, c.id)),
  notiflowLock: notiflowOf(tenant?.locks, notiflow.id),
  notiflowTenant: notiflowOf(tenant, notiflow.id)
})

// One user's category entries, read once per user (evaluation is synchronous: one set of
// scratch arrays is enough).
const scratchUt: Array<NotiflowChoice | undefined> = []
const scratchU: Array<NotiflowChoice | undefined> = []

/** Step 3: the first disabled category in the notiflow's order (channel-independent). */
const disabledCategory = (p: PreparedEvaluation, tenantSet: PreferenceChoicesV2 | undefined, global: PreferenceChoicesV2 | undefined) => {
  const count = p.categories.length
  for (let i = 0; i < count; i++) {
    const category = p.categories[i]!
    const ut = (scratchUt[i] = categoryOf(tenantSet, category.id))
    const u = (scratchU[i] = categoryOf(global, category.id))
    const source = chain(p.categoryLock[i]?.enabled, p.categoryTenant[i]?.enabled, ut?.enabled, u?.enabled)
    if (source !== undefined ? !r1.value : !category.default_enabled) {
      // Entries after i are not read; step 4 is not reached when a category is disabled.
      return categoryDecision("category_disabled", source ?? "category_default", category.id)
    }
  }
  return undefined
}

/** Step 4: the first category closing channel `ch` (reads the entries step 3 kept). */
const closingCategory = (p: PreparedEvaluation, ch: ChannelType): DecisionV2 | undefined => {
  const count = p.categories.length
  for (let i = 0; i < count; i++) {
    const category = p.categories[i]!
    const source = chain(
      p.categoryLock[i]?.channel_types?.[ch],
      p.categoryTenant[i]?.channel_types?.[ch],
      scratchUt[i]?.channel_types?.[ch],
      scratchU[i]?.channel_types?.[ch]
    )
    if (source !== undefined ? !r1.value : category.default_channel_types[ch] === false) {
      return categoryDecision("category_channel_opt_out", source ?? "category_default", category.id)
    }
  }
  return undefined
}

/**
 * M§3's decisions of one user on every prepared channel, keyed in the order prepared. In the
 * global scope `tenantSet` is `undefined`; a user without sets passes `emptyChoicesV2`.
 */
export const evaluatePrepared = (
  p: PreparedEvaluation,
  global: PreferenceChoicesV2 | undefined,
  tenantSet: PreferenceChoicesV2 | undefined
): DecisionsV2 => {
  const out: Record<string, DecisionV2> = {}
  const channels = p.channels
  const n = channels.length
  // 1. A required notiflow is delivered whatever any set, default or lock says.
  if (p.notiflow.required) {
    for (let ci = 0; ci < n; ci++) out[channels[ci]!] = REQUIRED
    return out as DecisionsV2
  }
  // Steps 3 and 5 do not depend on the channel: decided once, used only where step 2 opens.
  const category = disabledCategory(p, tenantSet, global)
  const ut = notiflowOf(tenantSet, p.notiflow.id)
  const u = notiflowOf(global, p.notiflow.id)
  const enabledSource = chain(p.notiflowLock?.enabled, p.notiflowTenant?.enabled, ut?.enabled, u?.enabled)
  const notiflowClosed =
    (enabledSource !== undefined ? !r1.value : !p.notiflow.default_enabled) ? decision(false, "notiflow_disabled", enabledSource ?? "notiflow_default") : undefined
  for (let ci = 0; ci < n; ci++) {
    const ch = channels[ci]!
    out[ch] = decideChannel(p, ci, ch, tenantSet, global, category, notiflowClosed, ut, u)
  }
  return out as DecisionsV2
}

const decideChannel = (
  p: PreparedEvaluation,
  ci: number,
  ch: ChannelType,
  tenantSet: PreferenceChoicesV2 | undefined,
  global: PreferenceChoicesV2 | undefined,
  category: DecisionV2 | undefined,
  notiflowClosed: DecisionV2 | undefined,
  ut: NotiflowChoice | undefined,
  u: NotiflowChoice | undefined
): DecisionV2 => {
  // 2. The channel.
  let channelSource = chain(p.channelLock[ci], p.channelTenant[ci], channelOf(tenantSet, ch), channelOf(global, ch))
  let channelValue = r1.value
  if (channelSource === undefined) {
    const d = p.channelDefault[ci]
    channelValue = d ?? true
    channelSource = d !== undefined ? "project_default" : "default"
  }
  if (!channelValue) return decision(false, "channel_opt_out", channelSource)
  // 3. The first disabled category; 4. the first category closing the channel.
  if (category !== undefined) return category
  const closing = closingCategory(p, ch)
  if (closing !== undefined) return closing
  // 5. The notiflow.
  if (notiflowClosed !== undefined) return notiflowClosed
  // 6. The notiflow's channel.
  const chosenSource = chain(p.notiflowLock?.channel_types?.[ch], p.notiflowTenant?.channel_types?.[ch], ut?.channel_types?.[ch], u?.channel_types?.[ch])
  if (chosenSource !== undefined ? !r1.value : p.notiflow.default_channel_types[ch] === false) {
    return decision(false, "notiflow_channel_opt_out", chosenSource ?? "notiflow_default")
  }
  // 7. Deliver; the source is the channel's.
  return decision(true, "allowed", channelSource)
}

const leaf = (v: boolean | undefined) => (v === undefined ? "." : v ? "1" : "0")

/**
 * The leaves of one set that `evaluatePrepared` reads for `p`, as a short string: the requested
 * channels, then per category of the notiflow its `enabled` and requested channels, then the
 * notiflow's. Two sets with the same key are decided alike (whatever else they hold).
 */
export const decisionLeavesKey = (p: PreparedEvaluation, set: PreferenceChoicesV2): string => {
  const channels = p.channels
  let key = ""
  for (const ch of channels) key += leaf(set.channel_types[ch])
  const entry = (e: NotiflowChoice | undefined) => {
    key += leaf(e?.enabled)
    for (const ch of channels) key += leaf(e?.channel_types?.[ch])
  }
  for (const c of p.categories) entry(categoryOf(set, c.id))
  entry(notiflowOf(set, p.notiflow.id))
  return key
}

/**
 * `evaluatePrepared` for the users of one batch, decided once per distinct pair of what the
 * decision reads ({@link decisionLeavesKey}): users whose sets differ only in leaves this notiflow
 * and these channels do not read get the same frozen decisions object (so a writer may also
 * serialise it once). A set object's key is computed once; sets are never changed while a batch
 * runs. `scoped`: a tenant's batch (the second set is read), else the global scope.
 */
export const decisionMemo = (p: PreparedEvaluation, scoped: boolean) => {
  const setIds = new Map<PreferenceChoicesV2, number>()
  const keyIds = new Map<string, number>()
  const idOf = (set: PreferenceChoicesV2): number => {
    let id = setIds.get(set)
    if (id === undefined) {
      const key = decisionLeavesKey(p, set)
      id = keyIds.get(key)
      if (id === undefined) keyIds.set(key, (id = keyIds.size))
      setIds.set(set, id)
    }
    return id
  }
  const byPair = new Map<number, DecisionsV2>()
  return (global: PreferenceChoicesV2, tenantSet: PreferenceChoicesV2): DecisionsV2 => {
    // Ids stay below 4,096 (two sets per user of a batch of at most 1,000 users, plus empty ones)
    // for the pair's number to stay a small integer; above that, pairs are keyed apart anyway.
    const g = idOf(global)
    const pair = scoped ? g * 4096 + idOf(tenantSet) : g
    let d = byPair.get(pair)
    if (d === undefined || keyIds.size > 4096) {
      d = Object.freeze(evaluatePrepared(p, global, scoped ? tenantSet : undefined))
      if (keyIds.size <= 4096) byPair.set(pair, d)
    }
    return d
  }
}
