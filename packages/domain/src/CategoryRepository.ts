/**
 * Port: a project's categories (soft-deleted ones are kept) and notiflow memberships (MODEL.md §1).
 * Adapters store what they are given; the membership order and the kept memberships of deleted
 * categories are computed by the domain ({@link nextMemberships}).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { CategoryCatalogEntry, CategoryId, StoredCategory } from "./Categories.js"
import type { CategoryLimitReached, RepositoryError, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { NotiflowId, ProjectId } from "./Preferences.js"

export class CategoryRepository extends Context.Tag("@notiflows/domain/CategoryRepository")<
  CategoryRepository,
  {
    /** Every category of the project, deleted ones included, sorted by id (code unit order). */
    readonly list: (projectId: ProjectId) => Effect.Effect<ReadonlyArray<StoredCategory>, RepositoryError>
    /**
     * Live categories in ascending id order: `after` reads ids greater than the key, `before` the
     * nearest `limit` ids smaller than it (still ascending); `hasMore` is about the direction read.
     */
    readonly page: (projectId: ProjectId, query: SliceQuery<CategoryId>) => Effect.Effect<Slice<StoredCategory>, RepositoryError>
    readonly get: (projectId: ProjectId, id: CategoryId) => Effect.Effect<Option.Option<StoredCategory>, RepositoryError>
    /** Number of live (not deleted) categories. */
    readonly countLive: (projectId: ProjectId) => Effect.Effect<number, RepositoryError>
    /**
     * Insert (`expectedRevision: null`) or replace at an expected revision. When the save makes a
     * category live that was not (create or restore) and `liveLimit` categories are live already,
     * it fails with `CategoryLimitReached` and stores nothing (checked atomically with the write).
     * `events` are written in the same transaction (none when nothing is stored).
     */
    readonly save: (
      projectId: ProjectId,
      entry: CategoryCatalogEntry,
      expectedRevision: number | null,
      at: Date,
      liveLimit: number,
      events?: ReadonlyArray<EventInput>
    ) => Effect.Effect<StoredCategory, VersionConflict | CategoryLimitReached | RepositoryError>
    /** Every notiflow's stored membership list (deleted categories included), in stored order; notiflows without one are absent. */
    readonly memberships: (projectId: ProjectId) => Effect.Effect<ReadonlyMap<NotiflowId, ReadonlyArray<CategoryId>>, RepositoryError>
    /** One notiflow's stored membership list, in stored order (`[]` when none). */
    readonly membershipsOf: (projectId: ProjectId, notiflowId: NotiflowId) => Effect.Effect<ReadonlyArray<CategoryId>, RepositoryError>
    /**
     * Replaces one notiflow's membership list with `categoryIds`, in that order (`[]` removes all),
     * only while the notiflow's stored revision is `revision` (the one the caller saved or read):
     * otherwise nothing changes and it fails with `VersionConflict`, so a writer that lost a race
     * never overwrites the winner's list (the winner's event names the winner's categories).
     */
    readonly setMemberships: (
      projectId: ProjectId,
      notiflowId: NotiflowId,
      categoryIds: ReadonlyArray<CategoryId>,
      revision: number
    ) => Effect.Effect<void, VersionConflict | RepositoryError>
  }
>() {}
