/**
 * A read-through cache in front of the catalog and project repositories. Every preference read
 * and write needs the project's catalog and defaults; caching them per project saves a query
 * per request. API.md §6 allows other instances' changes to show up to 5 s late; this
 * instance's own writes invalidate the entry at once.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { NOTHING_HELD, ProjectViewPeek } from "./CachedParts.js"
import type { StoredNotiflow } from "./Catalog.js"
import type { RepositoryError } from "./Errors.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import type { Project } from "./ProjectRepository.js"
import { ProjectRepository } from "./ProjectRepository.js"

/** The longest staleness API.md allows. */
export const MAX_CACHE_TTL_MILLIS = 5_000

interface Entry<A> {
  readonly at: number
  readonly value: Effect.Effect<A, RepositoryError>
  /** The loaded value, once the load succeeded: a hit then answers it without running the memo. */
  done?: { readonly value: A }
}

/**
 * Memoizes one load per key for `ttl` ms. Concurrent misses share one load; a failed load is
 * not kept. A hit on a finished load is `Effect.succeed` of its value (~0.5 µs, against ~4 µs
 * for re-running the memoized effect: every request makes four or five of these).
 */
export const makeCache = <A>(ttl: number, maxEntries: number, keep: (a: A) => boolean = () => true) => {
  const entries = new Map<string, Entry<A>>()
  const get = (key: string, load: Effect.Effect<A, RepositoryError>): Effect.Effect<A, RepositoryError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const hit = entries.get(key)
      if (hit !== undefined && now - hit.at < ttl) return hit.done !== undefined ? Effect.succeed(hit.done.value) : hit.value
      return Effect.flatMap(Effect.cached(load), (value) => {
        const entry: Entry<A> = { at: now, value }
        entries.delete(key)
        entries.set(key, entry)
        return Effect.tapBoth(value, {
          onFailure: () => Effect.sync(() => entries.get(key) === entry && entries.delete(key)),
          onSuccess: (a) =>
            Effect.sync(() => {
              if (!keep(a)) {
                // Not kept (e.g. "not found" for an id a client made up): it must not take a place.
                if (entries.get(key) === entry) entries.delete(key)
                return
              }
              entry.done = { value: a }
              // Oldest first out, once a kept value is in (in-flight loads never evict).
              while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
            })
        })
      })
    })
  const invalidate = (key: string) => Effect.sync(() => void entries.delete(key))
  const clear = Effect.sync(() => entries.clear())
  /**
   * The value of a finished, fresh load, without running anything (`undefined` otherwise): the
   * fiberless read path (DirectReads.ts). Freshness by the wall clock, which the live `Clock`
   * answers; under a test clock an entry just looks stale.
   */
  const peek = (key: string): A | undefined => {
    const hit = entries.get(key)
    return hit?.done !== undefined && Date.now() - hit.at < ttl ? hit.done.value : undefined
  }
  return { get, invalidate, clear, peek }
}

export interface ProjectViewCacheOptions {
  /** Time to live in ms; at most {@link MAX_CACHE_TTL_MILLIS}. 0 disables caching. */
  readonly ttlMillis?: number
  /** Projects kept at once (oldest evicted first). */
  readonly maxProjects?: number
}

/** The options' time to live (capped at {@link MAX_CACHE_TTL_MILLIS}) and project bound, as every cache layer reads them. */
export const cacheSettings = (options: ProjectViewCacheOptions): { readonly ttl: number; readonly max: number } => ({
  ttl: Math.min(options.ttlMillis ?? MAX_CACHE_TTL_MILLIS, MAX_CACHE_TTL_MILLIS),
  max: options.maxProjects ?? 10_000
})

/**
 * Wraps the catalog and project repositories of the context with a per-project cache, and
 * provides what it holds as {@link ProjectViewPeek}. Provide
 * it on top of an adapter layer: `Layer.provideMerge(layerProjectViewCache(), adapterLayer)`.
 */
export const layerProjectViewCache = (
  options: ProjectViewCacheOptions = {}
): Layer.Layer<NotiflowCatalogRepository | ProjectRepository | ProjectViewPeek, never, NotiflowCatalogRepository | ProjectRepository> => {
  const { max, ttl } = cacheSettings(options)
  return Layer.effectContext(
    Effect.gen(function* () {
      const catalog = yield* NotiflowCatalogRepository
      const projects = yield* ProjectRepository
      const catalogs = makeCache<ReadonlyArray<StoredNotiflow>>(ttl, max)
      const projectCache = makeCache<Option.Option<Project>>(ttl, max)
      const cachedCatalog: NotiflowCatalogRepository["Type"] = {
        list: (projectId) => catalogs.get(projectId, catalog.list(projectId)),
        get: (projectId, id) =>
          Effect.map(catalogs.get(projectId, catalog.list(projectId)), (all) => Option.fromNullable(all.find((e) => e.id === id))),
        save: (projectId, entry, expectedRevision, at, events, memberships) =>
          Effect.ensuring(catalog.save(projectId, entry, expectedRevision, at, events, memberships), catalogs.invalidate(projectId))
      }
      const cachedProjects: ProjectRepository["Type"] = {
        ...projects,
        get: (projectId) => projectCache.get(projectId, projects.get(projectId)),
        update: (projectId, change) => Effect.ensuring(projects.update(projectId, change), projectCache.invalidate(projectId)),
        saveDefaults: (projectId, defaults, expectedRevision, events) =>
          Effect.ensuring(projects.saveDefaults(projectId, defaults, expectedRevision, events), projectCache.invalidate(projectId)),
        // Provisioning may change the project's security mode and signing keys.
        ensureProjectWithKeys: (input) => Effect.tap(projects.ensureProjectWithKeys(input), (r) => projectCache.invalidate(r.project.id))
      }
      if (ttl <= 0) {
        return Context.make(NotiflowCatalogRepository, catalog).pipe(Context.add(ProjectRepository, projects), Context.add(ProjectViewPeek, NOTHING_HELD.projectView))
      }
      return Context.make(NotiflowCatalogRepository, cachedCatalog).pipe(
        Context.add(ProjectRepository, cachedProjects),
        Context.add(ProjectViewPeek, { notiflows: catalogs.peek, project: projectCache.peek })
      )
    })
  )
}
