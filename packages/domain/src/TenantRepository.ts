/**
 * Port: tenant defaults with their locks, and the list of tenants (MODEL.md §1, §5). A tenant
 * exists while it has defaults (a value or a lock) or at least one user×tenant set.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RepositoryError, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ProjectId, UserId } from "./Preferences.js"
import type { TenantDefaults } from "./PreferencesV2.js"
import type { TenantId, TenantSummary } from "./Tenants.js"

/** Stored tenant defaults; revision 0 and empty when the tenant has none. */
export interface StoredTenantDefaults {
  readonly defaults: TenantDefaults
  readonly revision: number
}

export class TenantRepository extends Context.Tag("@notiflows/domain/TenantRepository")<
  TenantRepository,
  {
    /** The tenant's defaults and locks (empty at revision 0 when none are stored). */
    readonly loadDefaults: (projectId: ProjectId, tenantId: TenantId) => Effect.Effect<StoredTenantDefaults, RepositoryError>
    /**
     * Compare-and-set: stores `defaults` at `expectedRevision + 1` only if the stored revision is
     * `expectedRevision` (0 = none stored), else `VersionConflict` with the actual revision.
     * Storing empty defaults is allowed (the tenant then has no defaults; the revision goes on).
     * `events` are written in the same transaction (none on a conflict).
     */
    readonly saveDefaults: (
      projectId: ProjectId,
      tenantId: TenantId,
      defaults: TenantDefaults,
      expectedRevision: number,
      events?: ReadonlyArray<EventInput>
    ) => Effect.Effect<StoredTenantDefaults, VersionConflict | RepositoryError>
    /** Removes every value and lock at an expected revision; afterwards `loadDefaults` answers revision 0. */
    readonly deleteDefaults: (
      projectId: ProjectId,
      tenantId: TenantId,
      expectedRevision: number
    ) => Effect.Effect<void, VersionConflict | RepositoryError>
    /**
     * Existing tenants in ascending id order (`after`: ids greater than the key; `before`: the
     * nearest `limit` smaller ones, still ascending). With `userId`: only tenants where that user
     * has a set (defaults alone do not count then).
     */
    readonly list: (
      projectId: ProjectId,
      query: SliceQuery<TenantId>,
      userId: Option.Option<UserId>
    ) => Effect.Effect<Slice<TenantSummary>, RepositoryError>
  }
>() {}
