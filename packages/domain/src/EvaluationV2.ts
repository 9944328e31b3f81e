/**
 * Send-time evaluation v2 (MODEL.md §3): decisions with category reasons, R1's sources and an
 * optional `category_id`.
 */
import * as Schema from "effect/Schema"
import { BatchLinksJson } from "./LinkJson.js"
import { CHANNEL_TYPES } from "./Preferences.js"
import type { ChannelType } from "./Preferences.js"

export const DecisionReasonV2 = Schema.Literal(
  "required_notiflow",
  "channel_opt_out",
  "category_disabled",
  "category_channel_opt_out",
  "notiflow_disabled",
  "notiflow_channel_opt_out",
  "allowed"
)
export type DecisionReasonV2 = typeof DecisionReasonV2.Type

/** The R1 step that supplied the deciding value (`catalog` for a required notiflow). */
export const DecisionSourceV2 = Schema.Literal(
  "tenant_lock",
  "user_tenant",
  "user",
  "tenant_default",
  "project_default",
  "category_default",
  "notiflow_default",
  "catalog",
  "default"
)
export type DecisionSourceV2 = typeof DecisionSourceV2.Type

/** A decision; `category_id` only on `category_disabled` / `category_channel_opt_out`. */
export const DecisionV2 = Schema.Struct({
  deliver: Schema.Boolean,
  reason: DecisionReasonV2,
  source: DecisionSourceV2,
  category_id: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "DecisionV2" })
export type DecisionV2 = typeof DecisionV2.Type

/** Decisions for the requested channel types only, keyed in the order given. */
export const DecisionsV2 = Schema.Struct(
  Object.fromEntries(CHANNEL_TYPES.map((c) => [c, Schema.optionalWith(DecisionV2, { exact: true })])) as {
    readonly [K in ChannelType]: Schema.optionalWith<typeof DecisionV2, { exact: true }>
  }
).annotations({ identifier: "DecisionsV2", description: "one decision per requested channel type, in the order requested" })
export type DecisionsV2 = typeof DecisionsV2.Type

/** `POST /admin/users/{user_id}/preferences/evaluate`; `tenant_id` only with `?tenant_id=`. */
export const EvaluateResponseV2 = Schema.Struct({
  user_id: Schema.String,
  tenant_id: Schema.optionalWith(Schema.String, { exact: true }),
  notiflow_id: Schema.String,
  channel_types: DecisionsV2
}).annotations({ identifier: "EvaluateResponseV2" })
export type EvaluateResponseV2 = typeof EvaluateResponseV2.Type

export const BatchEvaluationV2 = Schema.Struct({
  user_id: Schema.String,
  user_found: Schema.Boolean,
  channel_types: DecisionsV2,
  /** Only when the request asked for `links` (LINKS.md §2.2); `null` for a user not found. */
  links: Schema.optionalWith(Schema.NullOr(BatchLinksJson), { exact: true })
})
export type BatchEvaluationV2 = typeof BatchEvaluationV2.Type

/** `POST /admin/preferences/evaluate`; `tenant_id` only with `?tenant_id=`. */
export const BatchEvaluateResponseV2 = Schema.Struct({
  notiflow_id: Schema.String,
  tenant_id: Schema.optionalWith(Schema.String, { exact: true }),
  results: Schema.Array(BatchEvaluationV2)
}).annotations({ identifier: "BatchEvaluateResponseV2" })
export type BatchEvaluateResponseV2 = typeof BatchEvaluateResponseV2.Type
