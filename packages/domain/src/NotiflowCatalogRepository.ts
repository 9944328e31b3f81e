/**
 * Port: a project's notiflow catalog (soft-deleted entries are kept).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { StoredNotiflow } from "./Catalog.js"
import type { CategoryId } from "./Categories.js"
import type { RepositoryError, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { NotiflowCatalogEntry, NotiflowId, ProjectId } from "./Preferences.js"

/**
 * A compare-and-set of one notiflow's stored membership list (deleted categories included, in
 * stored order): it is replaced by `next` only while it is still `expected`, else nothing is
 * written and the write fails with `VersionConflict`.
 */
export interface MembershipChange {
  readonly expected: ReadonlyArray<CategoryId>
  readonly next: ReadonlyArray<CategoryId>
}

export class NotiflowCatalogRepository extends Context.Tag("@notiflows/domain/NotiflowCatalogRepository")<
  NotiflowCatalogRepository,
  {
    /** Every entry of the project, deleted ones included, sorted by id. */
    readonly list: (projectId: ProjectId) => Effect.Effect<ReadonlyArray<StoredNotiflow>, RepositoryError>
    readonly get: (projectId: ProjectId, id: NotiflowId) => Effect.Effect<Option.Option<StoredNotiflow>, RepositoryError>
    /**
     * Insert (`expectedRevision: null`) or replace at an expected revision; `events` and the
     * membership change are written with it, atomically (nothing on a conflict of either).
     */
    readonly save: (
      projectId: ProjectId,
      entry: NotiflowCatalogEntry,
      expectedRevision: number | null,
      at: Date,
      events?: ReadonlyArray<EventInput>,
      memberships?: MembershipChange
    ) => Effect.Effect<StoredNotiflow, VersionConflict | RepositoryError>
  }
>() {}
