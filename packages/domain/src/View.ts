/**
 * The preferences representation of API.md §4.1: effective values computed from explicit
 * choices, the catalog and the project defaults.
 */
import * as Schema from "effect/Schema"
import { filterNotiflows } from "./Changes.js"
import type { Audience, ChannelChoices, ChannelType, NotiflowCatalogEntry, PreferenceChoices, ProjectDefaults } from "./Preferences.js"
import { CHANNEL_TYPES, ChannelChoices as ChannelChoicesSchema, isVisible, own } from "./Preferences.js"

/** All six channel types with their effective values. */
export const EffectiveChannelTypes = Schema.Struct({
  chat: Schema.Boolean,
  email: Schema.Boolean,
  in_app: Schema.Boolean,
  mobile_push: Schema.Boolean,
  sms: Schema.Boolean,
  web_push: Schema.Boolean
}).annotations({ identifier: "EffectiveChannelTypes" })
export type EffectiveChannelTypes = typeof EffectiveChannelTypes.Type

export const NotiflowPreferenceView = Schema.Struct({
  enabled: Schema.Boolean,
  channel_types: ChannelChoicesSchema,
  name: Schema.String
}).annotations({ identifier: "NotiflowPreferences" })
export type NotiflowPreferenceView = typeof NotiflowPreferenceView.Type

/** The computed preferences a GET (and every successful write) answers. */
export const PreferencesView = Schema.Struct({
  channel_types: EffectiveChannelTypes,
  notiflows: Schema.Record({ key: Schema.String, value: NotiflowPreferenceView })
}).annotations({ identifier: "Preferences" })
export type PreferencesView = typeof PreferencesView.Type

/** The explicit-only representation (`?explicit=true`). */
export const ExplicitPreferencesView = Schema.Struct({
  channel_types: ChannelChoicesSchema,
  notiflows: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      enabled: Schema.optionalWith(Schema.Boolean, { exact: true }),
      channel_types: Schema.optionalWith(ChannelChoicesSchema, { exact: true })
    })
  })
}).annotations({ identifier: "ExplicitPreferences" })
export type ExplicitPreferencesView = typeof ExplicitPreferencesView.Type

/** Effective project channel defaults: explicit project default, else `true`. */
export const effectiveDefaults = (defaults: ProjectDefaults): EffectiveChannelTypes =>
  Object.fromEntries(CHANNEL_TYPES.map((c) => [c, defaults.channel_types[c] ?? true])) as EffectiveChannelTypes

const effectiveNotiflowChannels = (explicit: ChannelChoices | undefined, entry: NotiflowCatalogEntry): ChannelChoices => {
  // Keys are channel types only, so plain assignment is safe (no prototype keys can occur).
  const out: { [K in ChannelType]?: boolean } = {}
  for (const c of CHANNEL_TYPES) {
    const v = explicit?.[c] ?? entry.default_channel_types[c]
    if (v !== undefined) out[c] = v
  }
  return out
}

/**
 * The §4.1 view. `catalog` lists the project's notiflows (deleted ones are skipped); the order
 * of `notiflows` keys follows the catalog order.
 */
export const view = (
  choices: PreferenceChoices,
  catalog: ReadonlyArray<NotiflowCatalogEntry>,
  defaults: ProjectDefaults,
  audience: Audience
): PreferencesView => {
  const channelTypes = Object.fromEntries(
    CHANNEL_TYPES.map((c) => [c, choices.channel_types[c] ?? defaults.channel_types[c] ?? true])
  ) as EffectiveChannelTypes
  // Catalog ids are validated notiflow ids (never `__proto__`), so assignment is safe here.
  const notiflows: Record<string, NotiflowPreferenceView> = {}
  for (const entry of catalog) {
    if (!isVisible(entry, audience)) continue
    const explicit = own(choices.notiflows, entry.id)
    notiflows[entry.id] = {
      enabled: explicit?.enabled ?? entry.default_enabled,
      channel_types: effectiveNotiflowChannels(explicit?.channel_types, entry),
      name: entry.name
    }
  }
  return { channel_types: channelTypes, notiflows }
}

/** The `?explicit=true` view: stored choices for visible notiflows only. */
export const explicitView = (
  choices: PreferenceChoices,
  catalog: ReadonlyArray<NotiflowCatalogEntry>,
  audience: Audience
): ExplicitPreferencesView => {
  const visible = new Set<string>(catalog.filter((e) => isVisible(e, audience)).map((e) => e.id))
  return filterNotiflows(choices, (id) => visible.has(id))
}
