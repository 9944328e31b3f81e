/**
 * In-memory {@link TenantRepository}: tenant defaults by tenant id with revision checks, and the
 * tenants list derived from the defaults and the user×tenant sets in the store.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StoredTenantDefaults, TenantId, TenantRepository, TenantSummary } from "@notiflows/domain"
import { emptyTenantDefaults, hasDefaults, VersionConflict } from "@notiflows/domain"
import type { ProjectRecord, Store } from "./internal/store.js"
import { appendEvents, requireProject, sliceAscending, snapshot, userById } from "./internal/store.js"

const NONE: StoredTenantDefaults = { defaults: emptyTenantDefaults, revision: 0 }

const stored = (project: ProjectRecord | undefined, tenantId: string): StoredTenantDefaults =>
  project?.tenantDefaults?.get(tenantId) ?? NONE

const tenantsWithSets = (project: ProjectRecord | undefined): Set<string> => {
  const out = new Set<string>()
  for (const record of project?.users.values() ?? []) for (const t of record.tenantSets?.keys() ?? []) out.add(t)
  return out
}

/** The port over a shared store. */
export const makeTenantRepository = (store: Store): TenantRepository["Type"] => ({
  loadDefaults: (projectId, tenantId) => Effect.sync(() => stored(store.projects.get(projectId), tenantId)),
  saveDefaults: (projectId, tenantId, defaults, expectedRevision, events) =>
    Effect.flatMap(
      Effect.suspend(() => requireProject(store, projectId, "tenants.saveDefaults")),
      (project) => {
        const actual = stored(project, tenantId).revision
        if (actual !== expectedRevision) return Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
        const next: StoredTenantDefaults = snapshot({ defaults, revision: actual + 1 })
        ;(project.tenantDefaults ??= new Map()).set(tenantId, next)
        appendEvents(store, projectId, events)
        return Effect.succeed(next)
      }
    ),
  deleteDefaults: (projectId, tenantId, expectedRevision) =>
    Effect.flatMap(
      Effect.suspend(() => requireProject(store, projectId, "tenants.deleteDefaults")),
      (project) => {
        const actual = stored(project, tenantId).revision
        if (actual !== expectedRevision) return Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
        project.tenantDefaults?.delete(tenantId)
        return Effect.void
      }
    ),
  list: (projectId, query, userId) =>
    Effect.sync(() => {
      const project = store.projects.get(projectId)
      const ids = new Set<string>()
      if (Option.isSome(userId)) {
        for (const t of userById(store, projectId, userId.value)?.tenantSets?.keys() ?? []) ids.add(t)
      } else {
        for (const t of tenantsWithSets(project)) ids.add(t)
        for (const [t, d] of project?.tenantDefaults ?? []) if (hasDefaults(d.defaults)) ids.add(t)
      }
      const items: Array<TenantSummary> = [...ids]
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((id) => ({ id: id as TenantId, has_defaults: hasDefaults(stored(project, id).defaults) }))
      return sliceAscending(items, (t) => t.id as string, query)
    })
})
