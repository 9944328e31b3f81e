/**
 * Send-time evaluation (API.md §4.3): may this user receive notiflow N on channel type C?
 * Every level can only restrict; a required notiflow bypasses every user choice.
 */
import * as Schema from "effect/Schema"
import type { ChannelType, NotiflowCatalogEntry, PreferenceChoices, ProjectDefaults } from "./Preferences.js"
import { CHANNEL_TYPES, own } from "./Preferences.js"

export const DecisionReason = Schema.Literal(
  "required_notiflow",
  "channel_opt_out",
  "notiflow_disabled",
  "notiflow_channel_opt_out",
  "allowed"
)
export type DecisionReason = typeof DecisionReason.Type

export const DecisionSource = Schema.Literal("user", "project_default", "notiflow_default", "catalog", "default")
export type DecisionSource = typeof DecisionSource.Type

export const Decision = Schema.Struct({
  deliver: Schema.Boolean,
  reason: DecisionReason,
  source: DecisionSource
}).annotations({ identifier: "Decision" })
export type Decision = typeof Decision.Type

// Decisions are shared frozen constants: evaluation allocates nothing per channel.
const decisions = new Map<string, Decision>()
const decision = (deliver: boolean, reason: DecisionReason, source: DecisionSource): Decision => {
  const key = `${reason}/${source}`
  let d = decisions.get(key)
  if (d === undefined) {
    d = Object.freeze({ deliver, reason, source })
    decisions.set(key, d)
  }
  return d
}
const REQUIRED = decision(true, "required_notiflow", "catalog")

const EMPTY: PreferenceChoices = { channel_types: {}, notiflows: {} }

/** The decision for one channel type. `choices` is `undefined` for a user with no stored choices. */
export const evaluateChannel = (
  choices: PreferenceChoices | undefined,
  notiflow: NotiflowCatalogEntry,
  defaults: ProjectDefaults,
  channel: ChannelType
): Decision => {
  if (notiflow.required) return REQUIRED
  const set = choices ?? EMPTY
  let globalValue = set.channel_types[channel]
  let globalSource: DecisionSource = "user"
  if (globalValue === undefined) {
    globalValue = defaults.channel_types[channel]
    globalSource = "project_default"
    if (globalValue === undefined) {
      globalValue = true
      globalSource = "default"
    }
  }
  if (!globalValue) return decision(false, "channel_opt_out", globalSource)
  const explicit = own(set.notiflows, notiflow.id)
  const enabled = explicit?.enabled
  if (enabled === false) return decision(false, "notiflow_disabled", "user")
  if (enabled === undefined && !notiflow.default_enabled) return decision(false, "notiflow_disabled", "notiflow_default")
  const chosen = explicit?.channel_types?.[channel]
  if (chosen === false) return decision(false, "notiflow_channel_opt_out", "user")
  if (chosen === undefined && notiflow.default_channel_types[channel] === false) {
    return decision(false, "notiflow_channel_opt_out", "notiflow_default")
  }
  return decision(true, "allowed", globalSource)
}

/** Decisions for the requested channel types only (every key optional), keyed in the order given. */
export const Decisions = Schema.Struct(
  Object.fromEntries(CHANNEL_TYPES.map((c) => [c, Schema.optionalWith(Decision, { exact: true })])) as {
    readonly [K in ChannelType]: Schema.optionalWith<typeof Decision, { exact: true }>
  }
).annotations({ identifier: "Decisions", description: "one decision per requested channel type, in the order requested" })
export type Decisions = typeof Decisions.Type

/** §4.3 for a list of channel types. */
export const evaluate = (
  choices: PreferenceChoices | undefined,
  notiflow: NotiflowCatalogEntry,
  defaults: ProjectDefaults,
  channels: ReadonlyArray<ChannelType>
): Decisions => {
  const out: Record<string, Decision> = {}
  for (const c of channels) out[c] = evaluateChannel(choices, notiflow, defaults, c)
  return out as Decisions
}

/** One user's decisions in a batch; `user_found: false` = decided on defaults. */
export const BatchEvaluation = Schema.Struct({ user_id: Schema.String, user_found: Schema.Boolean, channel_types: Decisions })
export type BatchEvaluation = typeof BatchEvaluation.Type

/**
 * §4.3 for many users, in input order. `lookup` answers a user's stored choices, or
 * `undefined` when the user does not exist (decided on defaults, `user_found: false`); a user
 * that exists without choices is passed as an empty set.
 */
export const evaluateBatch = <Id extends string>(
  userIds: ReadonlyArray<Id>,
  lookup: (userId: Id) => PreferenceChoices | undefined,
  notiflow: NotiflowCatalogEntry,
  defaults: ProjectDefaults,
  channels: ReadonlyArray<ChannelType>
): ReadonlyArray<BatchEvaluation> =>
  userIds.map((user_id) => {
    const choices = lookup(user_id)
    return { user_id, user_found: choices !== undefined, channel_types: evaluate(choices, notiflow, defaults, channels) }
  })
