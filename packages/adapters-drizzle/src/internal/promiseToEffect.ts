/**
 * Promise → Effect at the adapter boundary (the opposite of the router's `effectToPromise`):
 * driver calls become Effects failing with `RepositoryError`, and transactions can end with a
 * domain outcome.
 */
import * as Effect from "effect/Effect"
import type { RepositoryError } from "@notiflows/domain"
import { toRepositoryError } from "./errors.js"
import { driverCall } from "./timeouts.js"

/** Runs a driver call; any rejection becomes a `RepositoryError` for `operation`. */
export const run = <A>(operation: string, f: () => Promise<A>): Effect.Effect<A, RepositoryError> => driverCall(f, toRepositoryError(operation))

/**
 * A driver call as a plain promise, for the ports' fiberless methods (`loadPromise`,
 * `commitPromise`, `findUserPromise`): any rejection becomes a `RepositoryError` for `operation`,
 * as {@link run} does. The time bound is added by the layer (`boundService`).
 */
export const runPromise = <A>(operation: string, f: () => Promise<A>): Promise<A> => {
  const failed = toRepositoryError(operation)
  try {
    return f().catch((e: unknown) => Promise.reject(failed(e)))
  } catch (e) {
    return Promise.reject(failed(e))
  }
}

/** Thrown inside a transaction to roll it back with a domain error instead of a failure. */
export class Abort<E> {
  constructor(readonly error: E) {}
}

/**
 * Runs a transaction body; an {@link Abort} rolls back and fails with its domain error, any other
 * rejection becomes a `RepositoryError`.
 */
export const runTransaction = <A, E>(operation: string, f: () => Promise<A>): Effect.Effect<A, E | RepositoryError> =>
  Effect.flatMap(
    driverCall(async () => {
      try {
        return { ok: true as const, value: await f() }
      } catch (e) {
        if (e instanceof Abort) return { ok: false as const, error: e.error as E }
        throw e
      }
    }, toRepositoryError(operation)),
    (r): Effect.Effect<A, E> => (r.ok ? Effect.succeed(r.value) : Effect.fail(r.error))
  )
