/**
 * Views of MODEL.md §4: the global and tenant views (R1's values, `categories`, `locked`) and
 * the explicit view of one scope.
 */
import * as Schema from "effect/Schema"
import type { CategoryCatalogEntry, CategoryId } from "./Categories.js"
import type { PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"
import { CategoryChoice } from "./PreferencesV2.js"
import { CHANNEL_TYPES, ChannelChoices, isVisible, NotiflowChoice, own } from "./Preferences.js"
import type { Audience, ChannelType, NotiflowCatalogEntry, ProjectDefaults } from "./Preferences.js"
import type { Resolved, ResolutionInput } from "./Resolution.js"
import { resolveCategoryChannel, resolveCategoryEnabled, resolveChannel, resolveNotiflowChannel, resolveNotiflowEnabled } from "./Resolution.js"
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

// --- computing views -----------------------------------------------------------------------

/** The catalog a v2 view or evaluation reads (deleted entries included; the functions skip them). */
export interface ModelCatalog {
  /** Sorted by id. */
  readonly notiflows: ReadonlyArray<NotiflowCatalogEntry>
  /** Sorted by id. */
  readonly categories: ReadonlyArray<CategoryCatalogEntry>
  /** Notiflow id → stored category ids, in order (deleted categories included). */
  readonly memberships: ReadonlyMap<string, ReadonlyArray<CategoryId>>
}

/** A notiflow's live categories, in its order (what M§3 steps 3–4 read). */
export const liveCategoriesOf = (catalog: ModelCatalog, notiflowId: string): ReadonlyArray<CategoryCatalogEntry> => {
  const ids = catalog.memberships.get(notiflowId)
  if (ids === undefined || ids.length === 0) return []
  const out: Array<CategoryCatalogEntry> = []
  for (const id of ids) {
    const c = categoryLookup(catalog)(id)
    if (c !== undefined && !c.deleted) out.push(c)
  }
  return out
}

const lookups = new WeakMap<ModelCatalog, (id: string) => CategoryCatalogEntry | undefined>()
/** The category of an id (deleted ones included), memoized per catalog. */
export const categoryLookup = (catalog: ModelCatalog): ((id: string) => CategoryCatalogEntry | undefined) => {
  let f = lookups.get(catalog)
  if (f === undefined) {
    const byId = new Map(catalog.categories.map((c) => [c.id as string, c]))
    f = (id) => byId.get(id)
    lookups.set(catalog, f)
  }
  return f
}

const notiflowLookups = new WeakMap<ModelCatalog, (id: string) => NotiflowCatalogEntry | undefined>()
/** The notiflow of an id (deleted ones included), memoized per catalog. */
export const notiflowLookup = (catalog: ModelCatalog): ((id: string) => NotiflowCatalogEntry | undefined) => {
  let f = notiflowLookups.get(catalog)
  if (f === undefined) {
    const byId = new Map(catalog.notiflows.map((e) => [e.id as string, e]))
    f = (id) => byId.get(id)
    notiflowLookups.set(catalog, f)
  }
  return f
}

/** Whether a category is visible to an audience (live, and `include_in_preferences` for users). */
export const isCategoryVisible = (c: CategoryCatalogEntry, audience: Audience): boolean =>
  !c.deleted && (audience === "admin" || c.include_in_preferences)

type MutableLocked = { enabled?: true; channel_types?: { [K in ChannelType]?: true } }

const lockedOf = (lock: NotiflowChoice | undefined): LockedEntry | undefined => {
  if (lock === undefined) return undefined
  const out: MutableLocked = {}
  if (lock.enabled === true) out.enabled = true
  const channels: { [K in ChannelType]?: true } = {}
  for (const c of CHANNEL_TYPES) if (lock.channel_types?.[c] === true) channels[c] = true
  if (Object.keys(channels).length > 0) out.channel_types = channels
  return Object.keys(out).length > 0 ? out : undefined
}

const entryChannels = (resolve: (c: ChannelType) => Resolved | undefined): ChannelChoices => {
  const out: { [K in ChannelType]?: boolean } = {}
  for (const c of CHANNEL_TYPES) {
    const r = resolve(c)
    if (r !== undefined) out[c] = r.value
  }
  return out
}

type Locks = TenantDefaults["locks"] | undefined

/** The root `channel_types` of a view: R1 for each channel type, in `CHANNEL_TYPES` order. */
export const rootChannelsView = (input: ResolutionInput, defaults: ProjectDefaults): EffectiveChannelTypes =>
  Object.fromEntries(CHANNEL_TYPES.map((c) => [c, resolveChannel(input, defaults, c).value])) as EffectiveChannelTypes

/** A visible category's entry of a view. */
export const categoryEntryView = (input: ResolutionInput, category: CategoryCatalogEntry, locks: Locks): CategoryPreferenceView => {
  const locked = lockedOf(locks === undefined ? undefined : own(locks.categories, category.id))
  return {
    enabled: resolveCategoryEnabled(input, category).value,
    channel_types: entryChannels((c) => resolveCategoryChannel(input, category, c)),
    name: category.name,
    ...(locked !== undefined ? { locked } : {})
  }
}

/** A visible notiflow's entry of a view; `visibleCategories` are the audience's visible category ids. */
export const notiflowEntryView = (
  input: ResolutionInput,
  catalog: ModelCatalog,
  entry: NotiflowCatalogEntry,
  visibleCategories: ReadonlySet<string>,
  locks: Locks
): NotiflowPreferenceViewV2 => {
  const ids = liveCategoriesOf(catalog, entry.id).filter((c) => visibleCategories.has(c.id)).map((c) => c.id as string)
  const locked = lockedOf(locks === undefined ? undefined : own(locks.notiflows, entry.id))
  return {
    enabled: resolveNotiflowEnabled(input, entry).value,
    channel_types: entryChannels((c) => resolveNotiflowChannel(input, entry, c)),
    name: entry.name,
    ...(ids.length > 0 ? { categories: ids } : {}),
    ...(locked !== undefined ? { locked } : {})
  }
}

/** The root `locked` of a tenant view, when something is locked at the root. */
export const rootLockedView = (locks: Locks): LockedRoot | undefined => {
  const rootLocked = lockedOf(locks === undefined ? undefined : { channel_types: locks.channel_types })
  return rootLocked?.channel_types !== undefined ? { channel_types: rootLocked.channel_types } : undefined
}

/**
 * The global view (`input.tenant` undefined) or the tenant view of M§4: R1's values, `categories`
 * only when non-empty, `locked` in tenant views only where something is locked. Without
 * categories and tenant this is v1's view byte for byte. ViewV2Text.ts writes its JSON text
 * from the same entries.
 */
export const viewV2 = (input: ResolutionInput, catalog: ModelCatalog, defaults: ProjectDefaults, audience: Audience): PreferencesViewV2 => {
  const locks = input.tenant?.locks
  // Ids are validated (never `__proto__`), so assignment is safe; insertion in code-unit order,
  // JavaScript then lists integer-like keys first.
  const categories: Record<string, CategoryPreferenceView> = {}
  const visibleCategories = new Set<string>()
  for (const category of catalog.categories) {
    if (!isCategoryVisible(category, audience)) continue
    visibleCategories.add(category.id)
    categories[category.id] = categoryEntryView(input, category, locks)
  }
  const notiflows: Record<string, NotiflowPreferenceViewV2> = {}
  for (const entry of catalog.notiflows) {
    if (!isVisible(entry, audience)) continue
    notiflows[entry.id] = notiflowEntryView(input, catalog, entry, visibleCategories, locks)
  }
  const locked = rootLockedView(locks)
  return {
    channel_types: rootChannelsView(input, defaults),
    ...(visibleCategories.size > 0 ? { categories } : {}),
    notiflows,
    ...(locked !== undefined ? { locked } : {})
  }
}

/** The explicit view of one scope's set: stored choices of visible live entries (`categories` when non-empty). */
export const explicitViewV2 = (choices: PreferenceChoicesV2, catalog: ModelCatalog, audience: Audience): ExplicitPreferencesViewV2 => {
  const visibleNotiflows = new Set<string>(catalog.notiflows.filter((e) => isVisible(e, audience)).map((e) => e.id))
  const category = categoryLookup(catalog)
  const categories = Object.entries(choices.categories).filter(([id]) => {
    const c = category(id)
    return c !== undefined && isCategoryVisible(c, audience)
  })
  return {
    channel_types: choices.channel_types,
    ...(categories.length > 0 ? { categories: Object.fromEntries(categories) } : {}),
    notiflows: Object.fromEntries(Object.entries(choices.notiflows).filter(([id]) => visibleNotiflows.has(id)))
  }
}
