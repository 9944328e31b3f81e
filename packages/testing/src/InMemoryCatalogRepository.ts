/**
 * In-memory {@link NotiflowCatalogRepository}: entries by id with revision checks; deleted
 * entries are kept (soft delete is a flag the domain sets).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { NotiflowCatalogRepository, StoredNotiflow } from "@notiflows/domain"
import { VersionConflict } from "@notiflows/domain"
import type { Store } from "./internal/store.js"
import { appendEvents, membershipsAre, replaceMemberships, requireProject, snapshot } from "./internal/store.js"

/** The port over a shared store. */
export const makeCatalogRepository = (store: Store): NotiflowCatalogRepository["Type"] => ({
  list: (projectId) =>
    Effect.sync(() => {
      const entries = [...(store.projects.get(projectId)?.notiflows.values() ?? [])]
      return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    }),
  get: (projectId, id) => Effect.sync(() => Option.fromNullable(store.projects.get(projectId)?.notiflows.get(id))),
  save: (projectId, entry, expectedRevision, at, events, memberships) =>
    Effect.flatMap(
      Effect.suspend(() => requireProject(store, projectId, "notiflows.save")),
      (project) => {
        const existing = project.notiflows.get(entry.id)
        const actual = existing?.revision ?? null
        if (actual !== expectedRevision) return Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
        if (memberships !== undefined && !membershipsAre(project, entry.id, memberships.expected)) {
          return Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
        }
        const stored: StoredNotiflow = snapshot({
          ...entry,
          revision: (existing?.revision ?? 0) + 1,
          created_at: existing?.created_at ?? at,
          updated_at: at
        })
        project.notiflows.set(entry.id, stored)
        if (memberships !== undefined) replaceMemberships(project, entry.id, memberships.next)
        appendEvents(store, projectId, events)
        return Effect.succeed(stored)
      }
    )
})
