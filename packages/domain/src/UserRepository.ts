/**
 * Port: users. The domain computes every new profile; adapters store it at an expected revision.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RepositoryError, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { HistoryInput } from "./History.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ExternalUserId, PreferenceChoices, ProjectId } from "./Preferences.js"
import type { CategoryChoice } from "./PreferencesV2.js"
import type { User, UserProfile } from "./Users.js"

/** A preference write carried by a user upsert, committed in the same transaction. */
export interface UserPreferenceWrite {
  readonly expectedVersion: number
  readonly choices: PreferenceChoices
  /**
   * The global set's category choices after the write (MODEL.md §5: `preferences` of a user
   * upsert patches the global set, `categories` included); absent = unchanged.
   */
  readonly categories?: Readonly<Record<string, CategoryChoice>>
  readonly history: HistoryInput
  /** The preference change's event (EVENTS.md §2), written in the same transaction. */
  readonly event?: EventInput
}

/**
 * Create (`expectedRevision: null`) or update a user at an expected revision. Creating inserts
 * an empty preference set (version 0) too. A concurrent creation or update fails with
 * `VersionConflict`, never a duplicate.
 */
export interface UserWrite {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly expectedRevision: number | null
  readonly profile: UserProfile
  readonly at: Date
  readonly preferences?: UserPreferenceWrite
  /** The profile's events (`user.created` / `user.updated`), written in the same transaction, before the preference event. */
  readonly events?: ReadonlyArray<EventInput>
}

export class UserRepository extends Context.Tag("@notiflows/domain/UserRepository")<
  UserRepository,
  {
    readonly find: (projectId: ProjectId, externalId: ExternalUserId) => Effect.Effect<Option.Option<User>, RepositoryError>
    /** Newest first, paginated by user id (UUIDv7, time-ordered). */
    readonly list: (projectId: ProjectId, query: SliceQuery<string>) => Effect.Effect<Slice<User>, RepositoryError>
    readonly save: (write: UserWrite) => Effect.Effect<User, VersionConflict | RepositoryError>
    /**
     * Erasure (EVENTS.md §1.3), in one transaction: deletes the user, every set and every ledger
     * entry (user×tenant ones included), the idempotency records naming the user (their user-API
     * scope or their `subjects`), redacts the user's earlier events in place (same id, type,
     * occurred_at and position; `data` becomes `{"redacted": true}`), then writes `notice`
     * (`user.deleted`, given the internal id). False, and nothing written, when absent.
     */
    readonly remove: (projectId: ProjectId, externalId: ExternalUserId, notice?: EventInput) => Effect.Effect<boolean, RepositoryError>
  }
>() {}
