/**
 * MODEL.md §3: the per-leaf resolution rule R1 and the 7-step evaluation, as pure functions.
 *
 * R1 steps 1–4 (tenant lock, user×tenant set, global set, tenant default) are shared by every
 * leaf kind; steps 5–7 depend on the leaf (project default, category or notiflow default,
 * built-in `true`). In the global scope `tenant` and `tenantSet` are `undefined`.
 */
import type { CategoryCatalogEntry } from "./Categories.js"
import type { DecisionSourceV2, DecisionV2 } from "./EvaluationV2.js"
import { categoryDecision, categoryOf, chain, channelOf, decision, notiflowOf, r1, REQUIRED } from "./internal/r1.js"
import type { ChannelType, NotiflowCatalogEntry, NotiflowChoice, ProjectDefaults } from "./Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"

/** The sets a user's decision reads: the global set, and in tenant scope the user×tenant set. */
export interface ResolutionInput {
  readonly global: PreferenceChoicesV2 | undefined
  readonly tenantSet: PreferenceChoicesV2 | undefined
  readonly tenant: TenantDefaults | undefined
}

/** A resolved leaf: its value and the R1 step that supplied it; `undefined` when no step defines it. */
export interface Resolved {
  readonly value: boolean
  readonly source: DecisionSourceV2
}

const chainChannel = (r: ResolutionInput, ch: ChannelType) =>
  chain(channelOf(r.tenant?.locks, ch), channelOf(r.tenant, ch), channelOf(r.tenantSet, ch), channelOf(r.global, ch))

const chainEntry = (r: ResolutionInput, pick: typeof categoryOf, id: string, ch: ChannelType | undefined) => {
  const lock = pick(r.tenant?.locks, id)
  const td = pick(r.tenant, id)
  const ut = pick(r.tenantSet, id)
  const u = pick(r.global, id)
  return ch === undefined
    ? chain(lock?.enabled, td?.enabled, ut?.enabled, u?.enabled)
    : chain(lock?.channel_types?.[ch], td?.channel_types?.[ch], ut?.channel_types?.[ch], u?.channel_types?.[ch])
}

/** R1 for `channel_types.<C>` (always defined: project default, then built-in `true`). */
export const resolveChannel = (r: ResolutionInput, defaults: ProjectDefaults, ch: ChannelType): Resolved => {
  const source = chainChannel(r, ch)
  if (source !== undefined) return { value: r1.value, source }
  const d = defaults.channel_types[ch]
  return d !== undefined ? { value: d, source: "project_default" } : { value: true, source: "default" }
}

/** R1 for `categories.<K>.enabled` (always defined by the category's `default_enabled`). */
export const resolveCategoryEnabled = (r: ResolutionInput, category: CategoryCatalogEntry): Resolved => {
  const source = chainEntry(r, categoryOf, category.id, undefined)
  return source !== undefined ? { value: r1.value, source } : { value: category.default_enabled, source: "category_default" }
}

/** R1 for `categories.<K>.channel_types.<C>`; `undefined` when no step defines it. */
export const resolveCategoryChannel = (r: ResolutionInput, category: CategoryCatalogEntry, ch: ChannelType): Resolved | undefined => {
  const source = chainEntry(r, categoryOf, category.id, ch)
  if (source !== undefined) return { value: r1.value, source }
  const d = category.default_channel_types[ch]
  return d === undefined ? undefined : { value: d, source: "category_default" }
}

/** R1 for `notiflows.<N>.enabled` (always defined by the notiflow's `default_enabled`). */
export const resolveNotiflowEnabled = (r: ResolutionInput, notiflow: NotiflowCatalogEntry): Resolved => {
  const source = chainEntry(r, notiflowOf, notiflow.id, undefined)
  return source !== undefined ? { value: r1.value, source } : { value: notiflow.default_enabled, source: "notiflow_default" }
}

/** R1 for `notiflows.<N>.channel_types.<C>`; `undefined` when no step defines it. */
export const resolveNotiflowChannel = (r: ResolutionInput, notiflow: NotiflowCatalogEntry, ch: ChannelType): Resolved | undefined => {
  const source = chainEntry(r, notiflowOf, notiflow.id, ch)
  if (source !== undefined) return { value: r1.value, source }
  const d = notiflow.default_channel_types[ch]
  return d === undefined ? undefined : { value: d, source: "notiflow_default" }
}

// Per-category entries read in step 3 and reused in step 4 (evaluation is synchronous, so one
// set of scratch arrays is enough; a notiflow has at most 20 live categories, more after restores).
const scratchLock: Array<NotiflowChoice | undefined> = []
const scratchTd: Array<NotiflowChoice | undefined> = []
const scratchUt: Array<NotiflowChoice | undefined> = []
const scratchU: Array<NotiflowChoice | undefined> = []

/**
 * M§3's evaluation for one channel type. `categories` are the notiflow's live categories in its
 * `categories` order (deleted ones left out: they contribute nothing).
 */
export const evaluateChannelV2 = (
  r: ResolutionInput,
  notiflow: NotiflowCatalogEntry,
  categories: ReadonlyArray<CategoryCatalogEntry>,
  defaults: ProjectDefaults,
  ch: ChannelType
): DecisionV2 => {
  // 1. A required notiflow is delivered whatever any set, default or lock says.
  if (notiflow.required) return REQUIRED
  // 2. The channel.
  let channelSource = chainChannel(r, ch)
  let channelValue = r1.value
  if (channelSource === undefined) {
    const d = defaults.channel_types[ch]
    channelValue = d ?? true
    channelSource = d !== undefined ? "project_default" : "default"
  }
  if (!channelValue) return decision(false, "channel_opt_out", channelSource)
  // 3. The first disabled category, in the notiflow's order. Each category's four entries are
  // read once and kept for step 4 (scratch arrays: no allocation per call).
  const count = categories.length
  for (let i = 0; i < count; i++) {
    const category = categories[i]!
    const lock = (scratchLock[i] = categoryOf(r.tenant?.locks, category.id))
    const td = (scratchTd[i] = categoryOf(r.tenant, category.id))
    const ut = (scratchUt[i] = categoryOf(r.tenantSet, category.id))
    const u = (scratchU[i] = categoryOf(r.global, category.id))
    const source = chain(lock?.enabled, td?.enabled, ut?.enabled, u?.enabled)
    if (source !== undefined ? !r1.value : !category.default_enabled) {
      return categoryDecision("category_disabled", source ?? "category_default", category.id)
    }
  }
  // 4. The first category closing the channel.
  for (let i = 0; i < count; i++) {
    const category = categories[i]!
    const source = chain(
      scratchLock[i]?.channel_types?.[ch],
      scratchTd[i]?.channel_types?.[ch],
      scratchUt[i]?.channel_types?.[ch],
      scratchU[i]?.channel_types?.[ch]
    )
    if (source !== undefined ? !r1.value : category.default_channel_types[ch] === false) {
      return categoryDecision("category_channel_opt_out", source ?? "category_default", category.id)
    }
  }
  // 5. The notiflow.
  const enabledSource = chainEntry(r, notiflowOf, notiflow.id, undefined)
  if (enabledSource !== undefined ? !r1.value : !notiflow.default_enabled) {
    return decision(false, "notiflow_disabled", enabledSource ?? "notiflow_default")
  }
  // 6. The notiflow's channel.
  const chosenSource = chainEntry(r, notiflowOf, notiflow.id, ch)
  if (chosenSource !== undefined ? !r1.value : notiflow.default_channel_types[ch] === false) {
    return decision(false, "notiflow_channel_opt_out", chosenSource ?? "notiflow_default")
  }
  // 7. Deliver; the source is the channel's.
  return decision(true, "allowed", channelSource)
}
