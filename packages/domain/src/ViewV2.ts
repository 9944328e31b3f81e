/**
 * Views of MODEL.md §4: the global and tenant views (R1's values, `categories`, `locked`) and
 * the explicit view of one scope.
 */
import * as Schema from "effect/Schema"
import { CategoryChoice } from "./PreferencesV2.js"
import { CHANNEL_TYPES, ChannelChoices, NotiflowChoice } from "./Preferences.js"
import type { ChannelType } from "./Preferences.js"
import { EffectiveChannelTypes } from "./View.js"

const optional = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })

/** Locked channel leaves: `true` for each locked channel type (absent otherwise). */
export const LockedChannels = Schema.Struct(
  Object.fromEntries(CHANNEL_TYPES.map((c) => [c, optional(Schema.Literal(true))])) as {
    readonly [K in ChannelType]: Schema.optionalWith<Schema.Literal<[true]>, { exact: true }>
  }
).annotations({ identifier: "LockedChannelTypes" })
export type LockedChannels = typeof LockedChannels.Type

/** `locked` inside a category or notiflow entry of a tenant view. */
export const LockedEntry = Schema.Struct({
  enabled: optional(Schema.Literal(true)),
  channel_types: optional(LockedChannels)
}).annotations({ identifier: "LockedEntry", description: "read-only; the leaves the tenant locks (value false)" })
export type LockedEntry = typeof LockedEntry.Type

/** `locked` at the root of a tenant view. */
export const LockedRoot = Schema.Struct({ channel_types: LockedChannels }).annotations({ identifier: "LockedRoot" })
export type LockedRoot = typeof LockedRoot.Type

export const CategoryPreferenceView = Schema.Struct({
  enabled: Schema.Boolean,
  channel_types: ChannelChoices,
  name: Schema.String,
  locked: optional(LockedEntry)
}).annotations({ identifier: "CategoryPreferences" })
export type CategoryPreferenceView = typeof CategoryPreferenceView.Type

export const NotiflowPreferenceViewV2 = Schema.Struct({
  enabled: Schema.Boolean,
  channel_types: ChannelChoices,
  name: Schema.String,
  categories: optional(Schema.Array(Schema.String)),
  locked: optional(LockedEntry)
}).annotations({ identifier: "NotiflowPreferencesV2" })
export type NotiflowPreferenceViewV2 = typeof NotiflowPreferenceViewV2.Type

/**
 * The global or tenant view. Key order: `channel_types`, `categories` (absent when empty),
 * `notiflows`, `locked` (tenant views, absent when nothing is locked at the root).
 */
export const PreferencesViewV2 = Schema.Struct({
  channel_types: EffectiveChannelTypes,
  categories: optional(Schema.Record({ key: Schema.String, value: CategoryPreferenceView })),
  notiflows: Schema.Record({ key: Schema.String, value: NotiflowPreferenceViewV2 }),
  locked: optional(LockedRoot)
}).annotations({ identifier: "PreferencesV2" })
export type PreferencesViewV2 = typeof PreferencesViewV2.Type

/** The explicit view of one scope: stored choices of visible live entries. */
export const ExplicitPreferencesViewV2 = Schema.Struct({
  channel_types: ChannelChoices,
  categories: optional(Schema.Record({ key: Schema.String, value: CategoryChoice })),
  notiflows: Schema.Record({ key: Schema.String, value: NotiflowChoice })
}).annotations({ identifier: "ExplicitPreferencesV2" })
export type ExplicitPreferencesViewV2 = typeof ExplicitPreferencesViewV2.Type
