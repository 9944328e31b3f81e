/**
 * Port: preference sets and their history. Adapters provide primitives (load, commit at an
 * expected version with its history entry); merging and versioning live in the domain.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RepositoryError, UserNotFound, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { HistoryEntry, HistoryInput } from "./History.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ExternalUserId, PreferenceChoices, PreferenceSet, ProjectId, UserId } from "./Preferences.js"

/** A user's identity with its stored preference set (version 0 and empty when never written). */
export interface StoredPreferences {
  readonly userId: UserId
  readonly externalId: ExternalUserId
  readonly preferences: PreferenceSet
}

/** An atomic write: only if the stored version is `expectedVersion`; stores `choices` at `expectedVersion + 1` and appends `history`. */
export interface PreferenceCommit {
  readonly projectId: ProjectId
  readonly userId: UserId
  readonly expectedVersion: number
  readonly choices: PreferenceChoices
  readonly history: HistoryInput
  /** The change's event (EVENTS.md §2), written in the same transaction as the set and its entry. */
  readonly event?: EventInput
}

export class PreferenceRepository extends Context.Tag("@notiflows/domain/PreferenceRepository")<
  PreferenceRepository,
  {
    /** The user and its preference set, in one read. */
    readonly load: (projectId: ProjectId, externalId: ExternalUserId) => Effect.Effect<Option.Option<StoredPreferences>, RepositoryError>
    /** Stored choices of many users in one read; users that do not exist are absent from the map. */
    readonly loadMany: (
      projectId: ProjectId,
      externalIds: ReadonlyArray<ExternalUserId>
    ) => Effect.Effect<ReadonlyMap<ExternalUserId, PreferenceChoices>, RepositoryError>
    /**
     * Compare-and-set with the history entry, atomically. Fails with the actual version on a
     * mismatch, and with `UserNotFound { userId }` when the user is gone.
     */
    readonly commit: (commit: PreferenceCommit) => Effect.Effect<PreferenceSet, VersionConflict | UserNotFound | RepositoryError>
    /** History of one user, newest first, paginated by version. */
    readonly history: (
      projectId: ProjectId,
      userId: UserId,
      query: SliceQuery<number>
    ) => Effect.Effect<Slice<HistoryEntry>, RepositoryError>
  }
>() {}
