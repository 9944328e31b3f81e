/**
 * The JSON text of a view (MODEL.md §4), written from entries: `JSON.stringify(viewV2(…))` byte
 * for byte, at a fraction of its cost for a set that names few entries.
 *
 * A view lists every visible notiflow and category. An entry reads the catalog, the tenant's
 * defaults and locks, and the two sets' own entries for its id (R1 steps 1–4 per leaf), nothing
 * else: the root's channel choices and the project's defaults only reach the root
 * `channel_types`. So an entry that neither set names is the same text for every user of a
 * catalog, tenant and audience. A template holds those texts, and the entries' order (the order
 * `JSON.stringify` lists an object's keys: integer-like first, then insertion), once per catalog,
 * tenant defaults and audience, keyed by the objects' identity (the caches hand out the same
 * objects while they are unchanged, and a change is a new object). Entries a set names are
 * computed by the same functions as `viewV2` (`categoryEntryView`, `notiflowEntryView`).
 */
import type { CategoryCatalogEntry } from "./Categories.js"
import { categoryOf, notiflowOf } from "./internal/r1.js"
import { isVisible } from "./Preferences.js"
import type { Audience, NotiflowCatalogEntry, ProjectDefaults } from "./Preferences.js"
import type { TenantDefaults } from "./PreferencesV2.js"
import type { ResolutionInput } from "./Resolution.js"
import type { ModelCatalog } from "./ViewV2.js"
import { categoryEntryView, isCategoryVisible, notiflowEntryView, rootChannelsView, rootLockedView } from "./ViewV2.js"

interface Entry<E> {
  readonly entry: E
  /** `"<id>":`, the entry's key as JSON writes it. */
  readonly key: string
  /** The entry's text when neither set names it. */
  readonly plain: string
}

interface Template {
  readonly categories: ReadonlyArray<Entry<CategoryCatalogEntry>>
  readonly notiflows: ReadonlyArray<Entry<NotiflowCatalogEntry>>
  readonly visibleCategories: ReadonlySet<string>
  /** `,"locked":{…}` when the tenant locks something at the root, else empty. */
  readonly locked: string
}

/** An input in which no set names any entry (what every `plain` text is computed from). */
const unnamed = (tenant: TenantDefaults | undefined): ResolutionInput => ({ global: undefined, tenantSet: undefined, tenant })

/** `items` in the order `JSON.stringify` lists an object's keys when they are assigned in this order. */
const inKeyOrder = <E extends { readonly id: string }>(items: ReadonlyArray<E>): ReadonlyArray<E> => {
  const byKey: Record<string, E> = {}
  for (const item of items) byKey[item.id] = item
  return Object.keys(byKey).map((k) => byKey[k]!)
}

const makeTemplate = (catalog: ModelCatalog, tenant: TenantDefaults | undefined, audience: Audience): Template => {
  const input = unnamed(tenant)
  const locks = tenant?.locks
  const categories = inKeyOrder(catalog.categories.filter((c) => isCategoryVisible(c, audience)))
  const visibleCategories = new Set<string>(categories.map((c) => c.id))
  const notiflows = inKeyOrder(catalog.notiflows.filter((e) => isVisible(e, audience)))
  const locked = rootLockedView(locks)
  return {
    categories: categories.map((c) => ({ entry: c, key: `${JSON.stringify(c.id)}:`, plain: JSON.stringify(categoryEntryView(input, c, locks)) })),
    notiflows: notiflows.map((e) => ({
      entry: e,
      key: `${JSON.stringify(e.id)}:`,
      plain: JSON.stringify(notiflowEntryView(input, catalog, e, visibleCategories, locks))
    })),
    visibleCategories,
    locked: locked === undefined ? "" : `,"locked":${JSON.stringify(locked)}`
  }
}

type ByAudience = { admin?: Template; user?: Template }
const GLOBAL = {}
const templates = new WeakMap<ModelCatalog, WeakMap<object, ByAudience>>()

const templateOf = (catalog: ModelCatalog, tenant: TenantDefaults | undefined, audience: Audience): Template => {
  let byTenant = templates.get(catalog)
  if (byTenant === undefined) templates.set(catalog, (byTenant = new WeakMap()))
  const tenantKey = tenant ?? GLOBAL
  let byAudience = byTenant.get(tenantKey)
  if (byAudience === undefined) byTenant.set(tenantKey, (byAudience = {}))
  return (byAudience[audience] ??= makeTemplate(catalog, tenant, audience))
}

/** `JSON.stringify(viewV2(input, catalog, defaults, audience))`, from the template's texts and the entries the sets name. */
export const viewV2Text = (input: ResolutionInput, catalog: ModelCatalog, defaults: ProjectDefaults, audience: Audience): string => {
  const t = templateOf(catalog, input.tenant, audience)
  const locks = input.tenant?.locks
  const { global, tenantSet } = input
  let out = `{"channel_types":${JSON.stringify(rootChannelsView(input, defaults))}`
  if (t.categories.length > 0) {
    out += ',"categories":{'
    for (let i = 0; i < t.categories.length; i++) {
      const c = t.categories[i]!
      const named = categoryOf(global, c.entry.id) !== undefined || categoryOf(tenantSet, c.entry.id) !== undefined
      out += (i > 0 ? "," : "") + c.key + (named ? JSON.stringify(categoryEntryView(input, c.entry, locks)) : c.plain)
    }
    out += "}"
  }
  out += ',"notiflows":{'
  for (let i = 0; i < t.notiflows.length; i++) {
    const n = t.notiflows[i]!
    const named = notiflowOf(global, n.entry.id) !== undefined || notiflowOf(tenantSet, n.entry.id) !== undefined
    out += (i > 0 ? "," : "") + n.key + (named ? JSON.stringify(notiflowEntryView(input, catalog, n.entry, t.visibleCategories, locks)) : n.plain)
  }
  return `${out}}${t.locked}}`
}
