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
import { errorCode } from "./internal/errors.js"
import { run } from "./internal/promiseToEffect.js"

/**
 * Migration 0002 found a key stored more than once (a database split by concurrent first starts
 * before it): nothing was changed. The message names the project and key ids to repair (README,
 * "Duplicate key hashes"), never a hash, and carries no SQL.
 */
export class DuplicateApiKeysError extends Error {
  readonly code = "NF001"
  constructor(message: string) {
    super(message)
    this.name = "DuplicateApiKeysError"
  }
}

/** The migration's own error along the cause chain (drizzle wraps it in a query error). */
const duplicateKeys = (error: unknown): DuplicateApiKeysError | undefined => {
  if (errorCode(error) !== "NF001") return undefined
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const e = current as { code?: unknown; message?: unknown; hint?: unknown }
    if (e.code === "NF001") return new DuplicateApiKeysError(`${String(e.message)}. ${typeof e.hint === "string" ? e.hint : ""}`.trim())
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** Runs the migrator, turning the duplicate-keys stop into {@link DuplicateApiKeysError}. */
const migrating = async (f: () => Promise<void>): Promise<void> => {
  try {
    await f()
  } catch (error) {
    throw duplicateKeys(error) ?? error
  }
}

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
export const migratePostgres = (url: string, options?: MigrateOptions): Effect.Effect<void, RepositoryError> =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(url, { max: 1, onnotice: () => {} })),
    (client) =>
      run("migrate", async () => {
        const db: PostgresJsDatabase = drizzle(client)
        await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
        try {
          await migrating(() => migratePostgresDb(db, config(options)))
        } finally {
          await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`)
        }
      }),
    (client) => Effect.promise(() => client.end({ timeout: 5 }))
  )

/** Applies pending migrations on a PGlite database (one connection: the lock is taken on it too). */
export const migratePglite = (db: PgliteDatabase, options?: MigrateOptions): Effect.Effect<void, RepositoryError> =>
  run("migrate", async () => {
    await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
    try {
      await migrating(() => migratePgliteDb(db, config(options)))
    } finally {
      await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`)
    }
  })
