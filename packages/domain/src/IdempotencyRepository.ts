/**
 * Port: idempotency records (API.md §6). Stored with the data, so every instance sees them.
 * The record model and its policy (scopes, lifetimes, when a key is kept or given up) are
 * `IdempotencyService`; the transport computes fingerprints and encodes its answers; the store
 * only claims, completes, releases and purges records atomically.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { RepositoryError } from "./Errors.js"
import type { ProjectId } from "./Preferences.js"

/**
 * What a completed request answered, kept for replay. Transport-neutral: `payload` is the
 * transport's own encoding of its answer (the HTTP router keeps status, headers and body as
 * JSON), opaque to the domain and to stores, which return it byte-identical. It must be
 * well-formed Unicode without U+0000 (what PostgreSQL `text` holds; JSON text always is).
 * `requestId` names the request that produced it, for tracing.
 */
export interface IdempotentOutcome {
  readonly requestId: string | null
  readonly payload: string
}

/** Identifies one record: a key is scoped to a project, an API and an actor. */
export interface IdempotencyKey {
  readonly projectId: ProjectId
  /** The API and the actor: `admin` or `user:<external id>` (see `idempotencyScope`). */
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
  /** The first request's outcome, to replay. */
  | { readonly _tag: "Completed"; readonly outcome: IdempotentOutcome }

export interface ClaimInput extends IdempotencyKey {
  readonly fingerprint: string
  /**
   * The external user ids the request's path or body names (EVENTS.md §1.3: erasing a user
   * deletes the records naming it, with those of its user-API scope). Absent: none.
   */
  readonly subjects?: ReadonlyArray<string>
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
    /** Stores the outcome of a claimed key for replay. */
    readonly complete: (key: IdempotencyKey, fingerprint: string, outcome: IdempotentOutcome) => Effect.Effect<void, RepositoryError>
    /** Gives a claimed key up without an outcome (the request failed retryably): a retry may run. */
    readonly release: (key: IdempotencyKey, fingerprint: string) => Effect.Effect<void, RepositoryError>
    /** Deletes records expired at `now`; answers how many. */
    readonly purgeExpired: (now: Date) => Effect.Effect<number, RepositoryError>
  }
>() {}
