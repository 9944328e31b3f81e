/**
 * Promise → Effect at the adapter boundary, and transactions that end with a domain outcome.
 */
import * as Effect from "effect/Effect"
import type { RepositoryError } from "@notiflows/domain"
import { toRepositoryError } from "./errors.js"

/** Runs a driver call; any rejection becomes a `RepositoryError` for `operation`. */
export const run = <A>(operation: string, f: () => Promise<A>): Effect.Effect<A, RepositoryError> =>
  Effect.tryPromise({ try: f, catch: toRepositoryError(operation) })

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
    Effect.tryPromise({
      try: async () => {
        try {
          return { ok: true as const, value: await f() }
        } catch (e) {
          if (e instanceof Abort) return { ok: false as const, error: e.error as E }
          throw e
        }
      },
      catch: toRepositoryError(operation)
    }),
    (r): Effect.Effect<A, E> => (r.ok ? Effect.succeed(r.value) : Effect.fail(r.error))
  )

/** Serialises a JSON value for a `::jsonb` parameter (identical on both drivers). */
export const json = (value: unknown): string => JSON.stringify(value)

/** Parses a jsonb column value: postgres.js and PGlite hand back objects, a string is parsed. */
export const fromJson = <A>(value: unknown): A => (typeof value === "string" ? (JSON.parse(value) as A) : (value as A))

/** Minimal shape of what both a drizzle builder and its prepared form offer. */
export interface Executable<R> {
  execute(placeholderValues?: Record<string, unknown>): Promise<R>
}

/**
 * A hot statement built once: drizzle-prepared (`.prepare(name)`, so postgres.js names it on the
 * server) when `prepare` is on; otherwise the builder itself, run as an unnamed statement each time.
 */
export const hot = <R>(query: Executable<R> & { prepare(name: string): Executable<R> }, name: string, prepare: boolean): Executable<R> =>
  prepare ? query.prepare(name) : query

/** Rows of a `db.execute` result: postgres.js answers an array, PGlite `{ rows }`. */
export const rowsOf = (result: unknown): ReadonlyArray<Record<string, unknown>> =>
  Array.isArray(result) ? (result as ReadonlyArray<Record<string, unknown>>) : ((result as { rows?: ReadonlyArray<Record<string, unknown>> }).rows ?? [])

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Ids are `uuid` columns: a string that is not one can match no row (and must not reach SQL). */
export const isUuid = (s: string): boolean => UUID.test(s)
