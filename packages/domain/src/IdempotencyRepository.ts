/**
 * Port: idempotency records (API.md §6). Stored with the data, so every instance sees them.
 * The transport computes scopes and fingerprints; the store only claims, completes, releases
 * and purges records atomically.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { RepositoryError } from "./Errors.js"

/** A response kept for replay. */
export interface StoredResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Identifies one record: a key is scoped to a project, an API and an actor. */
export interface IdempotencyKey {
  readonly projectId: string
  /** e.g. `admin` or `user:<external id>`. */
  readonly scope: string
  readonly key: string
}

/** The outcome of claiming a key. */
export type IdempotencyClaim =
  /** The caller owns the key now and must complete or release it. */
  | { readonly _tag: "Claimed" }
  /** Another request with this key is running. */
  | { readonly _tag: "InProgress" }
  /** The key was used for a different request. */
  | { readonly _tag: "Mismatch" }
  /** The first response, to replay. */
  | { readonly _tag: "Completed"; readonly response: StoredResponse }

export interface ClaimInput extends IdempotencyKey {
  readonly fingerprint: string
  readonly now: Date
  /** When the record expires (24 h after the claim). Expired records count as absent. */
  readonly expiresAt: Date
  /**
   * Until when the claim is held. A claim still in progress after this (its process died)
   * may be taken over by a retry of the same request.
   */
  readonly lockedUntil: Date
}

export class IdempotencyRepository extends Context.Tag("@notiflows/domain/IdempotencyRepository")<
  IdempotencyRepository,
  {
    /** Atomically claims the key, or reports why not. */
    readonly claim: (input: ClaimInput) => Effect.Effect<IdempotencyClaim, RepositoryError>
    /** Stores the response of a claimed key for replay. */
    readonly complete: (key: IdempotencyKey, fingerprint: string, response: StoredResponse) => Effect.Effect<void, RepositoryError>
    /** Gives a claimed key up without a response (the request failed with 5xx): a retry may run. */
    readonly release: (key: IdempotencyKey, fingerprint: string) => Effect.Effect<void, RepositoryError>
    /** Deletes records expired at `now`; answers how many. */
    readonly purgeExpired: (now: Date) => Effect.Effect<number, RepositoryError>
  }
>() {}
