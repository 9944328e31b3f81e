/**
 * Statement parameters and results shared by the repositories: jsonb in and out, hot statements
 * prepared once, result rows of either driver, and the uuid guard for id parameters.
 */
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

/**
 * A hot read whose fields are all aliased `sql` expressions named as their keys, so the driver's
 * own rows already have the shape drizzle would map them to. Prepared: the prepared query's `all`
 * (both drivers' prepared queries have it: the driver's rows as they come, without drizzle's
 * per-row, per-field mapping; a batch read maps 1,000 rows); otherwise the builder, whose mapped
 * rows have the same keys.
 */
export const hotRaw = <R>(query: Executable<R> & { prepare(name: string): Executable<R> }, name: string, prepare: boolean): Executable<R> => {
  if (!prepare) return query
  const prepared = query.prepare(name) as Executable<R> & { all?: (placeholderValues?: Record<string, unknown>) => Promise<unknown> }
  const all = prepared.all
  return all === undefined ? prepared : { execute: (placeholderValues) => all.call(prepared, placeholderValues) as Promise<R> }
}
