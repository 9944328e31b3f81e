/**
 * Migrations: the SQL files drizzle-kit generated into `migrations/`, applied by drizzle's
 * migrator under a PostgreSQL advisory lock, so two processes starting at once apply them once
 * (the second waits, then finds nothing to do). Idempotent.
 */
import { fileURLToPath } from "node:url"
import { sql } from "drizzle-orm"
import type { PgliteDatabase } from "drizzle-orm/pglite"
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator"
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js"
import { drizzle } from "drizzle-orm/postgres-js"
import { migrate as migratePostgresDb } from "drizzle-orm/postgres-js/migrator"
import * as Effect from "effect/Effect"
import postgres from "postgres"
import type { RepositoryError } from "@notiflows/domain"
import { toRepositoryError } from "./internal/errors.js"

/**
 * Migration 0002 found a key stored more than once (a database split by concurrent first starts
 * before it): nothing was changed. Not a storage failure but a state a person must repair, so its
 * own error: the message names the kind, key id and project id of each duplicated row (README,
 * "Duplicate key hashes"), never a hash, and carries no SQL.
 */
export class DuplicateApiKeysError extends Error {
  readonly _tag = "DuplicateApiKeysError"
  override readonly name = "DuplicateApiKeysError"
  readonly code = "NF001"
}

/** The migration's own error along the cause chain (drizzle wraps it in a query error). */
const duplicateKeys = (error: unknown): DuplicateApiKeysError | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const e = current as { code?: unknown; message?: unknown; hint?: unknown; cause?: unknown }
    if (e.code === "NF001") return new DuplicateApiKeysError(`${String(e.message)}. ${typeof e.hint === "string" ? e.hint : ""}`.trim())
    current = e.cause
  }
  return undefined
}

/** Runs a migration; the duplicate-keys stop is {@link DuplicateApiKeysError}, any other failure a `RepositoryError`. */
const migrating = (f: () => Promise<void>): Effect.Effect<void, RepositoryError | DuplicateApiKeysError> =>
  Effect.tryPromise({ try: f, catch: (error) => duplicateKeys(error) ?? toRepositoryError("migrate")(error) })

/** The committed migrations (next to `src/` and `dist/`). */
export const migrationsFolder: string = fileURLToPath(new URL("../migrations", import.meta.url))

/** An arbitrary constant: the advisory lock key every process migrating this schema takes. */
export const MIGRATION_LOCK_KEY = 7_361_150_421

export interface MigrateOptions {
  /** Schema of drizzle's journal table (default `drizzle`). */
  readonly migrationsSchema?: string
  /** Name of drizzle's journal table (default `__drizzle_migrations`). */
  readonly migrationsTable?: string
}

const config = (options: MigrateOptions | undefined) => ({
  migrationsFolder,
  ...(options?.migrationsSchema !== undefined ? { migrationsSchema: options.migrationsSchema } : {}),
  ...(options?.migrationsTable !== undefined ? { migrationsTable: options.migrationsTable } : {})
})

/**
 * Applies pending migrations on PostgreSQL. Uses its own single connection: a session-level
 * advisory lock and the migrator must share it.
 */
export const migratePostgres = (url: string, options?: MigrateOptions): Effect.Effect<void, RepositoryError | DuplicateApiKeysError> =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(url, { max: 1, onnotice: () => {} })),
    (client) =>
      migrating(async () => {
        const db: PostgresJsDatabase = drizzle(client)
        await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
        try {
          await migratePostgresDb(db, config(options))
        } finally {
          await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`)
        }
      }),
    (client) => Effect.promise(() => client.end({ timeout: 5 }))
  )

/** Applies pending migrations on a PGlite database (one connection: the lock is taken on it too). */
export const migratePglite = (db: PgliteDatabase, options?: MigrateOptions): Effect.Effect<void, RepositoryError | DuplicateApiKeysError> =>
  migrating(async () => {
    await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
    try {
      await migratePgliteDb(db, config(options))
    } finally {
      await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`)
    }
  })
