/**
 * A read-through cache of the v2 catalog (categories and memberships, per project) and of tenant
 * defaults (per project and tenant), in front of their ports. MODEL.md §6 lets them be 5 s late
 * on other instances; this instance's writes invalidate at once, and a write that lost a race
 * (`VersionConflict`) invalidates too, so its retry reads fresh.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ModelPeek, NOTHING_HELD } from "./CachedParts.js"
import type { CategoryId, StoredCategory } from "./Categories.js"
import { CategoryRepository } from "./CategoryRepository.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import type { NotiflowId } from "./Preferences.js"
import type { ProjectViewCacheOptions } from "./ProjectViewCache.js"
import { cacheSettings, makeCache } from "./ProjectViewCache.js"
import type { StoredTenantDefaults } from "./TenantRepository.js"
import { TenantRepository } from "./TenantRepository.js"

type Wrapped = CategoryRepository | TenantRepository | NotiflowCatalogRepository

/**
 * Wraps the category and tenant repositories of the context, and the notiflow catalog's save
 * (it writes memberships too); provides what it holds as {@link ModelPeek}. Provide it on top of an adapter layer:
 * `Layer.provideMerge(layerModelCache(), adapterLayer)`.
 */
export const layerModelCache = (options: ProjectViewCacheOptions = {}): Layer.Layer<Wrapped | ModelPeek, never, Wrapped> => {
  const { max, ttl } = cacheSettings(options)
  return Layer.effectContext(
    Effect.gen(function* () {
      const categories = yield* CategoryRepository
      const tenants = yield* TenantRepository
      const catalog = yield* NotiflowCatalogRepository
      if (ttl <= 0) {
        return Context.make(CategoryRepository, categories).pipe(
          Context.add(TenantRepository, tenants),
          Context.add(NotiflowCatalogRepository, catalog),
          Context.add(ModelPeek, NOTHING_HELD.model)
        )
      }
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
        setMemberships: (projectId, notiflowId, change) => Effect.ensuring(categories.setMemberships(projectId, notiflowId, change), forget(projectId))
      }
      const cachedCatalog: NotiflowCatalogRepository["Type"] = {
        ...catalog,
        save: (projectId, entry, expectedRevision, at, events, memberships) =>
          Effect.ensuring(catalog.save(projectId, entry, expectedRevision, at, events, memberships), forget(projectId))
      }
      const cachedTenants: TenantRepository["Type"] = {
        ...tenants,
        loadDefaults: (projectId, tenantId) => defaults.get(tenantKey(projectId, tenantId), tenants.loadDefaults(projectId, tenantId)),
        saveDefaults: (projectId, tenantId, d, expectedRevision, events) =>
          Effect.ensuring(tenants.saveDefaults(projectId, tenantId, d, expectedRevision, events), defaults.invalidate(tenantKey(projectId, tenantId))),
        deleteDefaults: (projectId, tenantId, expectedRevision) =>
          Effect.ensuring(tenants.deleteDefaults(projectId, tenantId, expectedRevision), defaults.invalidate(tenantKey(projectId, tenantId)))
      }
      const peek: ModelPeek["Type"] = {
        categories: lists.peek,
        memberships: memberships.peek,
        tenantDefaults: (projectId, tenantId) => defaults.peek(tenantKey(projectId, tenantId))
      }
      return Context.make(CategoryRepository, cachedCategories).pipe(
        Context.add(TenantRepository, cachedTenants),
        Context.add(NotiflowCatalogRepository, cachedCatalog),
        Context.add(ModelPeek, peek)
      )
    })
  )
}
