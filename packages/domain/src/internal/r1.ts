/**
 * The shared core of MODEL.md §3 (internal): R1 steps 1–4 over already-read leaf values, leaf
 * readers, and the decisions as shared frozen constants. Used by `Resolution.ts` (one channel)
 * and `BatchResolution.ts` (a batch); not part of the package's API.
 */
import type { DecisionReasonV2, DecisionSourceV2, DecisionV2 } from "../EvaluationV2.js"
import type { ChannelType } from "../Preferences.js"
import { own } from "../Preferences.js"
import type { PreferenceChoicesV2 } from "../PreferencesV2.js"

/** The value of the last {@link chain} that answered a source (no allocation per leaf). */
export const r1 = { value: false }

/** R1 steps 1–4 over already-read leaf values; the value is left in {@link r1}. */
export const chain = (
  lock: boolean | undefined,
  tenantValue: boolean | undefined,
  tenantSet: boolean | undefined,
  global: boolean | undefined
): DecisionSourceV2 | undefined => {
  if (lock === true) {
    // A lock always holds false (M§1); a racing write cannot make it reopen.
    r1.value = false
    return "tenant_lock"
  }
  if (tenantSet !== undefined) {
    r1.value = tenantSet
    return "user_tenant"
  }
  if (global !== undefined) {
    r1.value = global
    return "user"
  }
  if (tenantValue !== undefined) {
    r1.value = tenantValue
    return "tenant_default"
  }
  return undefined
}

export const channelOf = (c: PreferenceChoicesV2 | undefined, ch: ChannelType) => (c === undefined ? undefined : c.channel_types[ch])
export const categoryOf = (c: PreferenceChoicesV2 | undefined, k: string) => (c === undefined ? undefined : own(c.categories, k))
export const notiflowOf = (c: PreferenceChoicesV2 | undefined, n: string) => (c === undefined ? undefined : own(c.notiflows, n))

// Decisions are shared frozen constants, looked up without building a key (no allocation per call).
const plain = new Map<DecisionReasonV2, Map<DecisionSourceV2, DecisionV2>>()
const byCategory = new Map<DecisionReasonV2, Map<DecisionSourceV2, Map<string, DecisionV2>>>()

export const decision = (deliver: boolean, reason: DecisionReasonV2, source: DecisionSourceV2): DecisionV2 => {
  let bySource = plain.get(reason)
  if (bySource === undefined) plain.set(reason, (bySource = new Map()))
  let d = bySource.get(source)
  if (d === undefined) bySource.set(source, (d = Object.freeze({ deliver, reason, source })))
  return d
}

export const categoryDecision = (reason: DecisionReasonV2, source: DecisionSourceV2, categoryId: string): DecisionV2 => {
  let bySource = byCategory.get(reason)
  if (bySource === undefined) byCategory.set(reason, (bySource = new Map()))
  let byId = bySource.get(source)
  if (byId === undefined) bySource.set(source, (byId = new Map()))
  let d = byId.get(categoryId)
  if (d === undefined) {
    // Bounded: category ids are at most 1,000 live per project, but many projects share the process.
    if (byId.size >= 10_000) byId.clear()
    byId.set(categoryId, (d = Object.freeze({ deliver: false, reason, source, category_id: categoryId })))
  }
  return d
}

export const REQUIRED = decision(true, "required_notiflow", "catalog")
