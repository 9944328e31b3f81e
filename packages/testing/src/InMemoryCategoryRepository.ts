/**
 * In-memory {@link CategoryRepository}: categories by id with revision checks and an atomic live
 * limit; deleted categories are kept (soft delete is a flag the domain sets). Memberships are
 * stored lists, in the order given.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CategoryId, CategoryRepository, NotiflowId, StoredCategory } from "@notiflows/domain"
import { CategoryLimitReached, VersionConflict } from "@notiflows/domain"
import type { ProjectRecord, Store } from "./internal/store.js"
import { appendEvents, byId, requireProject, sliceAscending, snapshot } from "./internal/store.js"

const categoriesOf = (project: ProjectRecord | undefined): ReadonlyArray<StoredCategory> =>
  [...(project?.categories?.values() ?? [])].sort(byId)

const liveCount = (project: ProjectRecord | undefined): number => categoriesOf(project).filter((c) => !c.deleted).length

/** The port over a shared store. */
export const makeCategoryRepository = (store: Store): CategoryRepository["Type"] => ({
  list: (projectId) => Effect.sync(() => categoriesOf(store.projects.get(projectId))),
  page: (projectId, query) =>
    Effect.sync(() => sliceAscending(categoriesOf(store.projects.get(projectId)).filter((c) => !c.deleted), (c) => c.id as string, query)),
  get: (projectId, id) => Effect.sync(() => Option.fromNullable(store.projects.get(projectId)?.categories?.get(id))),
  countLive: (projectId) => Effect.sync(() => liveCount(store.projects.get(projectId))),
  save: (projectId, entry, expectedRevision, at, liveLimit, events) =>
    Effect.flatMap(
      Effect.suspend(() => requireProject(store, projectId, "categories.save")),
      (project): Effect.Effect<StoredCategory, VersionConflict | CategoryLimitReached> => {
        const categories = (project.categories ??= new Map())
        const existing = categories.get(entry.id)
        const actual = existing?.revision ?? null
        if (actual !== expectedRevision) return Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
        const becomesLive = !entry.deleted && (existing === undefined || existing.deleted)
        if (becomesLive && liveCount(project) >= liveLimit) return Effect.fail(new CategoryLimitReached({ limit: liveLimit }))
        const stored: StoredCategory = snapshot({
          ...entry,
          revision: (existing?.revision ?? 0) + 1,
          created_at: existing?.created_at ?? at,
          updated_at: at
        })
        categories.set(entry.id, stored)
        appendEvents(store, projectId, events)
        return Effect.succeed(stored)
      }
    ),
  memberships: (projectId) =>
    Effect.sync(() => {
      const out = new Map<NotiflowId, ReadonlyArray<CategoryId>>()
      for (const [id, list] of store.projects.get(projectId)?.memberships ?? []) if (list.length > 0) out.set(id as NotiflowId, list)
      return out
    }),
  membershipsOf: (projectId, notiflowId) => Effect.sync(() => store.projects.get(projectId)?.memberships?.get(notiflowId) ?? []),
  setMemberships: (projectId, notiflowId, categoryIds, revision) =>
    Effect.flatMap(
      Effect.suspend(() => requireProject(store, projectId, "categories.setMemberships")),
      (project) => {
        const actual = project.notiflows.get(notiflowId)?.revision ?? null
        if (actual !== revision) return Effect.fail(new VersionConflict({ expected: revision, actual }))
        const memberships = (project.memberships ??= new Map())
        if (categoryIds.length === 0) memberships.delete(notiflowId)
        else memberships.set(notiflowId, snapshot([...categoryIds]))
        return Effect.void
      }
    )
})
