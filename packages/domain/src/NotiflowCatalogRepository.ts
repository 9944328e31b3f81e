/**
 * Port: a project's notiflow catalog (soft-deleted entries are kept).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { StoredNotiflow } from "./Catalog.js"
import type { RepositoryError, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { NotiflowCatalogEntry, NotiflowId, ProjectId } from "./Preferences.js"

export class NotiflowCatalogRepository extends Context.Tag("@notiflows/domain/NotiflowCatalogRepository")<
  NotiflowCatalogRepository,
  {
    /** Every entry of the project, deleted ones included, sorted by id. */
    readonly list: (projectId: ProjectId) => Effect.Effect<ReadonlyArray<StoredNotiflow>, RepositoryError>
    readonly get: (projectId: ProjectId, id: NotiflowId) => Effect.Effect<Option.Option<StoredNotiflow>, RepositoryError>
    /** Insert (`expectedRevision: null`) or replace at an expected revision; `events` are written with it (none on a conflict). */
    readonly save: (
      projectId: ProjectId,
      entry: NotiflowCatalogEntry,
      expectedRevision: number | null,
      at: Date,
      events?: ReadonlyArray<EventInput>
    ) => Effect.Effect<StoredNotiflow, VersionConflict | RepositoryError>
  }
>() {}
