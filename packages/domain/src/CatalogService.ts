/**
 * Use cases over the notiflow catalog and the project defaults.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StoredNotiflow } from "./Catalog.js"
import { decodeDefaultsPatch, decodeNotiflowUpsert, sameChannels, sameEntry } from "./Catalog.js"
import { defaultsUpdatedEvent, notiflowEvent } from "./CatalogEvents.js"
import { NotiflowNotFound, ProjectNotFound, ValidationFailed } from "./Errors.js"
import type { Attribution } from "./Events.js"
import { SYSTEM_ATTRIBUTION } from "./Events.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import type { SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import type { NotiflowId, ProjectId } from "./Preferences.js"
import { ProjectRepository } from "./ProjectRepository.js"
import { retryOnConflict } from "./internal/retry.js"

/** Catalog upsert as a merge patch; a deleted entry is restored from the built-in defaults. */
export const upsertNotiflow = (projectId: ProjectId, id: NotiflowId, body: unknown) =>
  Effect.gen(function* () {
    const catalog = yield* NotiflowCatalogRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const stored = Option.getOrUndefined(yield* catalog.get(projectId, id))
        const live = stored !== undefined && !stored.deleted ? stored : undefined
        const decoded = decodeNotiflowUpsert(body, id, live)
        if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
        if (live !== undefined && sameEntry(live, decoded.value)) return { notiflow: live, created: false }
        const at = new Date(yield* Clock.currentTimeMillis)
        const notiflow = yield* catalog.save(projectId, decoded.value, stored?.revision ?? null, at)
        return { notiflow, created: live === undefined }
      })
    )
  })

const live = (projectId: ProjectId, id: NotiflowId) =>
  Effect.flatMap(NotiflowCatalogRepository, (catalog) =>
    Effect.flatMap(catalog.get(projectId, id), (o) =>
      Option.isSome(o) && !o.value.deleted ? Effect.succeed(o.value) : Effect.fail(new NotiflowNotFound({ notiflowId: id }))
    )
  )

/** A live notiflow; deleted ones are 404. */
export const getNotiflow = (projectId: ProjectId, id: NotiflowId) => live(projectId, id)

/** Live notiflows by id, paginated. */
export const listNotiflows = (projectId: ProjectId, query: SliceQuery<string>) =>
  Effect.map(
    Effect.flatMap(NotiflowCatalogRepository, (c) => c.list(projectId)),
    (all) => {
      const items = all.filter((e) => !e.deleted)
      let slice: ReadonlyArray<StoredNotiflow>
      let hasMore: boolean
      if (query.before !== undefined) {
        const before = items.filter((e) => e.id < query.before!)
        slice = before.slice(Math.max(0, before.length - query.limit))
        hasMore = before.length > query.limit
      } else {
        const after = query.after === undefined ? items : items.filter((e) => e.id > query.after!)
        slice = after.slice(0, query.limit)
        hasMore = after.length > query.limit
      }
      return toPage({ items: slice, hasMore }, query, (e) => e.id)
    }
  )

/** Soft delete: hidden from views, evaluation and patches; stored choices are kept. Writes `notiflow.deleted`. */
export const deleteNotiflow = (projectId: ProjectId, id: NotiflowId, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const catalog = yield* NotiflowCatalogRepository
    yield* retryOnConflict(
      Effect.gen(function* () {
        const entry = yield* live(projectId, id)
        const at = new Date(yield* Clock.currentTimeMillis)
        const deleted = { ...entry, deleted: true, revision: entry.revision + 1, updated_at: at }
        const event = notiflowEvent({ type: "notiflow.deleted", notiflow: deleted, categories: [], at, by })
        yield* catalog.save(projectId, { ...entry, deleted: true }, entry.revision, at, [event])
      })
    )
  })

const project = (projectId: ProjectId) =>
  Effect.flatMap(ProjectRepository, (projects) =>
    Effect.flatMap(projects.get(projectId), (o) =>
      Option.match(o, { onNone: () => Effect.fail(new ProjectNotFound({ projectId })), onSome: Effect.succeed })
    )
  )

/** The project's explicit channel defaults. */
export const getDefaults = (projectId: ProjectId) => Effect.map(project(projectId), (p) => p.defaults)

/** Merge patch of the channel defaults (`null` returns a type to `true`); a change writes `defaults.updated`. */
export const updateDefaults = (projectId: ProjectId, body: unknown, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const current = yield* project(projectId)
        const decoded = decodeDefaultsPatch(body, current.defaults)
        if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
        if (sameChannels(decoded.value.channel_types, current.defaults.channel_types)) return current.defaults
        const at = new Date(yield* Clock.currentTimeMillis)
        const revision = current.defaultsRevision + 1
        const event = defaultsUpdatedEvent({ before: current.defaults, after: decoded.value, revision, at, by })
        const saved = yield* projects.saveDefaults(projectId, decoded.value, current.defaultsRevision, [event])
        return saved.defaults
      })
    )
  })
