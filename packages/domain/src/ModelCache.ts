/**
 * A read-through cache of the v2 catalog (categories and memberships, per project) and of tenant
 * defaults (per project and tenant), in front of their ports. MODEL.md §6 lets them be 5 s late
 * on other instances; this instance's writes invalidate at once, and a write that lost a race
 * (`VersionConflict`) invalidates too, so its retry reads fresh.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { CategoryId, StoredCategory } from "./Categories.js"
import { CategoryRepository } from "./CategoryRepository.js"
import type { NotiflowId } from "./Preferences.js"
import type { ProjectViewCacheOptions } from "./ProjectViewCache.js"
import { makeCache, MAX_CACHE_TTL_MILLIS } from "./ProjectViewCache.js"
import type { StoredTenantDefaults } from "./TenantRepository.js"
import { TenantRepository } from "./TenantRepository.js"

/**
 * Wraps the category and tenant repositories of the context. Provide it on top of an adapter
 * layer: `Layer.provideMerge(layerModelCache(), adapterLayer)`.
 */
export const layerModelCache = (
  options: ProjectViewCacheOptions = {}
): Layer.Layer<CategoryRepository | TenantRepository, never, CategoryRepository | TenantRepository> => {
  const ttl = Math.min(options.ttlMillis ?? MAX_CACHE_TTL_MILLIS, MAX_CACHE_TTL_MILLIS)
  const max = options.maxProjects ?? 10_000
  return Layer.effectContext(
    Effect.gen(function* () {
      const categories = yield* CategoryRepository
      const tenants = yield* TenantRepository
      if (ttl <= 0) return Context.make(CategoryRepository, categories).pipe(Context.add(TenantRepository, tenants))
      const lists = makeCache<ReadonlyArray<StoredCategory>>(ttl, max)
      const memberships = makeCache<ReadonlyMap<NotiflowId, ReadonlyArray<CategoryId>>>(ttl, max)
      const defaults = makeCache<StoredTenantDefaults>(ttl, max * 10)
      const forget = (projectId: string) => Effect.zipRight(lists.invalidate(projectId), memberships.invalidate(projectId))
      const tenantKey = (projectId: string, tenantId: string) => `${projectId}\n${tenantId}`
      const cachedCategories: CategoryRepository["Type"] = {
        ...categories,
        list: (projectId) => lists.get(projectId, categories.list(projectId)),
        memberships: (projectId) => memberships.get(projectId, categories.memberships(projectId)),
        save: (projectId, entry, expectedRevision, at, liveLimit, events) =>
          Effect.ensuring(categories.save(projectId, entry, expectedRevision, at, liveLimit, events), forget(projectId)),
        setMemberships: (projectId, notiflowId, ids, revision) =>
          Effect.ensuring(categories.setMemberships(projectId, notiflowId, ids, revision), forget(projectId))
      }
      const cachedTenants: TenantRepository["Type"] = {
        ...tenants,
        loadDefaults: (projectId, tenantId) => defaults.get(tenantKey(projectId, tenantId), tenants.loadDefaults(projectId, tenantId)),
        saveDefaults: (projectId, tenantId, d, expectedRevision, events) =>
          Effect.ensuring(tenants.saveDefaults(projectId, tenantId, d, expectedRevision, events), defaults.invalidate(tenantKey(projectId, tenantId))),
        deleteDefaults: (projectId, tenantId, expectedRevision) =>
          Effect.ensuring(tenants.deleteDefaults(projectId, tenantId, expectedRevision), defaults.invalidate(tenantKey(projectId, tenantId)))
      }
      return Context.make(CategoryRepository, cachedCategories).pipe(Context.add(TenantRepository, cachedTenants))
    })
  )
}
