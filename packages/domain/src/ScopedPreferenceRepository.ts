/**
 * Port: a user's preference sets per scope (MODEL.md §1, §6): the global set (the v1 set, with
 * `categories`) and one user×tenant set per tenant, each with its own version and history.
 * Adapters provide primitives; merging, locks and versioning live in the domain.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RepositoryError, UserNotFound, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { HistoryInput, ScopedHistoryEntry } from "./History.js"
import type { LinkUser } from "./LinkRepository.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ExternalUserId, ProjectId, UserId } from "./Preferences.js"
import type { PreferenceChoicesV2, PreferenceSetV2 } from "./PreferencesV2.js"
import type { PreferenceSetItem, SetsQuery } from "./SetListing.js"
import type { Scope, TenantId } from "./Tenants.js"
import type { User } from "./Users.js"

/**
 * A user with the sets a scope's view needs, read together: the global set, and the scope's own
 * set (`scoped` is the global set again in the global scope; for a tenant never written, empty at
 * version 0).
 */
export interface StoredScopedPreferences {
  readonly userId: UserId
  readonly externalId: ExternalUserId
  readonly global: PreferenceSetV2
  readonly scoped: PreferenceSetV2
}

/** A user found by internal id (a link token's user, LINKS.md §1 check 8) with the sets a scope's view needs. */
export interface LinkedSets {
  readonly user: LinkUser
  readonly stored: StoredScopedPreferences
}

/** The choices of one user in a batch: the global set and the scope's set (the same in the global scope). */
export interface ScopedChoices {
  readonly global: PreferenceChoicesV2
  readonly scoped: PreferenceChoicesV2
}

/** An atomic write of one scope's set: only if its version is `expectedVersion`; stores at `expectedVersion + 1` and appends `history`. */
export interface ScopedCommit {
  readonly projectId: ProjectId
  readonly userId: UserId
  readonly scope: Scope
  readonly expectedVersion: number
  readonly choices: PreferenceChoicesV2
  readonly history: HistoryInput
  /** The change's event (EVENTS.md §2), written in the same transaction as the set and its entry. */
  readonly event?: EventInput
}

/** What a data-subject export reads in one short transaction (EVENTS.md §1.2). */
export interface UserExportSnapshot {
  readonly user: User
  /** The global set first (version 0 when never written), then every tenant set written, by tenant id (code point order). */
  readonly sets: ReadonlyArray<{ readonly tenantId: TenantId | null; readonly set: PreferenceSetV2 }>
}

/** A set's version an export reads the ledger up to. */
export interface LedgerBound {
  readonly tenantId: TenantId | null
  readonly version: number
}

/** A place in a user's ledger order: `(changed_at, tenant_id` with the global set first`, version)`. */
export interface LedgerKey {
  readonly changedAt: Date
  readonly tenantId: TenantId | null
  readonly version: number
}

/** A page of a user's ledger, and whether the user still exists (an erasure during an export). */
export interface LedgerPage {
  readonly entries: ReadonlyArray<ScopedHistoryEntry>
  readonly userExists: boolean
}

/** The ledger order of EVENTS.md §1.2: `changed_at`, then `tenant_id` (global first, code point order), then `version`. */
export const compareLedgerKeys = (a: LedgerKey, b: LedgerKey): number => {
  const t = a.changedAt.getTime() - b.changedAt.getTime()
  if (t !== 0) return t < 0 ? -1 : 1
  if (a.tenantId !== b.tenantId) return a.tenantId === null ? -1 : b.tenantId === null ? 1 : a.tenantId < b.tenantId ? -1 : 1
  return a.version - b.version
}

export class ScopedPreferenceRepository extends Context.Tag("@notiflows/domain/ScopedPreferenceRepository")<
  ScopedPreferenceRepository,
  {
    /** The user with its global set and the scope's set, in one read; `None` for an unknown user. */
    readonly load: (
      projectId: ProjectId,
      externalId: ExternalUserId,
      scope: Scope
    ) => Effect.Effect<Option.Option<StoredScopedPreferences>, RepositoryError>
    /**
     * `load` as a plain promise, for the read path without fibers (DirectReads.ts): the same
     * statement and answer (`undefined` for an unknown user), rejecting with `RepositoryError`
     * and bounded like every other call. Optional: without it every read runs `load`.
     */
    readonly loadPromise?: (projectId: ProjectId, externalId: ExternalUserId, scope: Scope) => Promise<StoredScopedPreferences | undefined>
    /**
     * A link token's user by internal id (what `LinkRepository.findUser` answers) and the scope's
     * sets (what `loadPromise` answers for that user), in one statement: a one-click POST reads
     * its user and its leaf at once. `undefined` for an unknown user (and, as for `load`, for a
     * user without a global set, which the schema never holds: a user is created with its set);
     * rejects with `RepositoryError`. Optional: without it the two are read one after the other.
     */
    readonly loadLinkedPromise?: (projectId: ProjectId, userId: UserId, scope: Scope) => Promise<LinkedSets | undefined>
    /** Many users in one read; users that do not exist are absent from the map. */
    readonly loadMany: (
      projectId: ProjectId,
      externalIds: ReadonlyArray<ExternalUserId>,
      scope: Scope
    ) => Effect.Effect<ReadonlyMap<ExternalUserId, ScopedChoices>, RepositoryError>
    /**
     * Compare-and-set of the scope's set with its history entry, atomically (a first write of a
     * user×tenant set expects version 0 and creates it). Fails with the actual version on a
     * mismatch, and with `UserNotFound { userId }` when the user is gone. In the global scope
     * this is the v1 set: `PreferenceRepository` sees the same version and history.
     */
    readonly commit: (commit: ScopedCommit) => Effect.Effect<PreferenceSetV2, VersionConflict | UserNotFound | RepositoryError>
    /**
     * `commit` as a plain promise, for the write path without fibers (DirectWrites.ts): the same
     * statement and outcome, its refusals (`VersionConflict`, `UserNotFound`) resolved as values,
     * rejecting with `RepositoryError` only, bounded like every other call. Optional.
     */
    readonly commitPromise?: (commit: ScopedCommit) => Promise<PreferenceSetV2 | VersionConflict | UserNotFound>
    /** History of one scope's set, newest first, paginated by version (`[]` for a set never written). */
    readonly history: (
      projectId: ProjectId,
      userId: UserId,
      scope: Scope,
      query: SliceQuery<number>
    ) => Effect.Effect<Slice<ScopedHistoryEntry>, RepositoryError>
    /**
     * Every set of the project after a position, in the listing's order (`compareSetKeys`):
     * each user's global set (version 0 when never written) and every user×tenant set, choices
     * verbatim (those on deleted or unknown ids included); `hasMore` when sets follow the page.
     */
    readonly listSets: (projectId: ProjectId, query: SetsQuery) => Effect.Effect<Slice<PreferenceSetItem>, RepositoryError>
    /** The user and every set it has, with their versions, in ONE consistent read; `None` for an unknown user. */
    readonly exportSnapshot: (projectId: ProjectId, externalId: ExternalUserId) => Effect.Effect<Option.Option<UserExportSnapshot>, RepositoryError>
    /**
     * Up to `limit` ledger entries of the user after `after`, in {@link compareLedgerKeys} order,
     * only those of the sets in `bounds` at or below their version (the snapshot an export took:
     * the ledger is append-only, so this is the same snapshot). One short read; `userExists`
     * false when the user is gone.
     */
    readonly ledgerPage: (
      projectId: ProjectId,
      userId: UserId,
      bounds: ReadonlyArray<LedgerBound>,
      after: LedgerKey | null,
      limit: number
    ) => Effect.Effect<LedgerPage, RepositoryError>
  }
>() {}
