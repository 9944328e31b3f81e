/** One `ModelCatalog` object per set of cached parts (ScopedPreferenceService.ts, DirectReads.ts). */
import type { ModelCatalog } from "../ViewV2.js"

/** The memberships of a project without categories (none to read). */
export const NO_MEMBERSHIPS: ModelCatalog["memberships"] = new Map()

/**
 * One catalog object per set of parts: while the caches answer the same notiflows, categories and
 * memberships, every request gets the same object, so what is memoized per catalog (the lookups
 * of `ViewV2`) is built once instead of per request.
 */
const catalogs = new WeakMap<ModelCatalog["notiflows"], ModelCatalog>()
export const catalogOf = (notiflows: ModelCatalog["notiflows"], categories: ModelCatalog["categories"], memberships: ModelCatalog["memberships"]): ModelCatalog => {
  const known = catalogs.get(notiflows)
  if (known !== undefined && known.categories === categories && known.memberships === memberships) return known
  const catalog: ModelCatalog = { notiflows, categories, memberships }
  catalogs.set(notiflows, catalog)
  return catalog
}
