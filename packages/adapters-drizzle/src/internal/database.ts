/**
 * The drizzle database type both drivers share, and the service the repositories are built on.
 */
import * as Context from "effect/Context"
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core"

/** The drizzle database over postgres.js or PGlite; repositories are written once against it. */
export type NotiflowsDatabase = PgDatabase<PgQueryResultHKT, Record<string, never>>

/** A connected, migrated database. */
export interface Database {
  readonly db: NotiflowsDatabase
  readonly driver: "postgres" | "pglite"
  /** Whether hot statements are drizzle-prepared (and postgres.js names its statements). */
  readonly prepare: boolean
  /**
   * Raw SQL with `$1`-style parameters, rows as plain objects. An independent read path for
   * tests and tools; the repositories do not use it.
   */
  readonly query: (text: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Record<string, unknown>>>
}

/** The database the repositories of this package run on. */
export class DrizzleDatabase extends Context.Tag("@notiflows/adapters-drizzle/DrizzleDatabase")<DrizzleDatabase, Database>() {}
