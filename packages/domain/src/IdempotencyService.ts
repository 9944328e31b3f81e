/**
 * Idempotency (API.md §6), the policy over the {@link IdempotencyRepository} port: what a key is
 * scoped to, how long a record lives (24 h) and a claim is held (60 s), and what happens when the
 * request ends — a final answer is kept for replay, a retryable failure gives the key up.
 *
 * The transport supplies what only it knows: the request's fingerprint (its method, route,
 * parameters and body, canonicalised) and the encoded answer to replay (an opaque payload).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { RepositoryError } from "./Errors.js"
import type { IdempotencyClaim, IdempotencyKey, IdempotentOutcome } from "./IdempotencyRepository.js"
import { IdempotencyRepository } from "./IdempotencyRepository.js"

/** How long records and claims last, in milliseconds. */
export interface IdempotencyPolicy {
  /** How long a record is kept (and replayed); API.md §6: 24 h. */
  readonly ttlMs: number
  /** How long a claim is held before a retry of the same request may take it over (its process died). */
  readonly lockMs: number
}

export const DEFAULT_IDEMPOTENCY_POLICY: IdempotencyPolicy = { ttlMs: 24 * 60 * 60 * 1000, lockMs: 60_000 }

/** Who a key belongs to: the Admin API of the project, or one user on the User API. */
export type IdempotencyActor = { readonly api: "admin" } | { readonly api: "user"; readonly externalUserId: string }

/** The scope a key is stored under: `admin`, or `user:<external id>`. */
export const idempotencyScope = (actor: IdempotencyActor): string =>
  actor.api === "admin" ? "admin" : `user:${actor.externalUserId}`

/** One request under an `Idempotency-Key`: the key, where it is scoped, and what it asks. */
export interface IdempotentRequest extends IdempotencyKey {
  /** The transport's identity of the request; the same key with another fingerprint is a mismatch. */
  readonly fingerprint: string
  /** The external user ids the request names (path or body), so erasure can find its record. */
  readonly subjects?: ReadonlyArray<string>
}

/**
 * Claims the request's key at `at` (default: the Clock): `Claimed` (run it, then
 * {@link finishIdempotent}), `InProgress`, `Mismatch`, or `Completed` with the outcome to replay.
 */
export const claimIdempotent = (
  request: IdempotentRequest,
  policy: IdempotencyPolicy = DEFAULT_IDEMPOTENCY_POLICY,
  at?: Date
): Effect.Effect<IdempotencyClaim, RepositoryError, IdempotencyRepository> =>
  Effect.gen(function* () {
    const repo = yield* IdempotencyRepository
    const now = at?.getTime() ?? (yield* Clock.currentTimeMillis)
    return yield* repo.claim({
      ...request,
      now: new Date(now),
      expiresAt: new Date(now + policy.ttlMs),
      lockedUntil: new Date(now + policy.lockMs)
    })
  })

/** How a claimed request ended. */
export type IdempotentResult =
  /** A final answer (success or refusal): kept and replayed to every retry for the record's life. */
  | { readonly _tag: "Final"; readonly outcome: IdempotentOutcome }
  /** A failure worth retrying (unavailable, internal): the key is given up so a retry runs again. */
  | { readonly _tag: "Retryable" }

/** Ends a claimed request: keeps a final outcome, or releases the key after a retryable failure. */
export const finishIdempotent = (
  request: IdempotentRequest,
  result: IdempotentResult
): Effect.Effect<void, RepositoryError, IdempotencyRepository> =>
  Effect.flatMap(IdempotencyRepository, (repo) =>
    result._tag === "Final"
      ? repo.complete(request, request.fingerprint, result.outcome)
      : repo.release(request, request.fingerprint)
  )
