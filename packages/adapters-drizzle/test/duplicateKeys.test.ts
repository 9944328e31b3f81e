/**
 * Migration 0002 (a key hash unique across projects) on a database that already holds a hash
 * twice, as concurrent first starts left it before the fix: the migration stops with
 * `DuplicateApiKeysError` naming the project and key ids (never the hash), changes nothing, and
 * applies once the rows are repaired as the README says. On PGlite and on PostgreSQL (a throwaway
 * database; skipped when the server is unreachable outside CI).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { drizzle as drizzlePglite } from "drizzle-orm/pglite"
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator"
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js"
import { migrate as migratePostgresDb } from "drizzle-orm/postgres-js/migrator"
import * as Effect from "effect/Effect"
import postgres from "postgres"
import { DuplicateApiKeysError, migratePglite, migratePostgres, migrationsFolder } from "../src/index.js"
import { scratchDir } from "./support/childProcess.js"
import { migrationsBefore } from "./support/migrations.js"
import { postgresAvailable, throwawayDatabase } from "./support/postgres.js"

// Unreachable outside CI: the PostgreSQL case is reported as skipped (in CI the probe fails the file).
const available = await postgresAvailable()
const scratch = scratchDir()
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** The committed migrations before 0002 (what a database split by the race was migrated to). */
const before0002 = (): string => migrationsBefore(scratch, 2, "0001_idempotency_claims")

type Query = (text: string) => Promise<ReadonlyArray<Record<string, unknown>>>

const P1 = "0190a000-0000-7000-8000-000000000001"
const P2 = "0190a000-0000-7000-8000-000000000002"
const K1 = "0190a000-0000-7000-8000-0000000000a1"
const K2 = "0190a000-0000-7000-8000-0000000000a2"
const K3 = "0190a000-0000-7000-8000-0000000000a3"
const HASH = "ab".repeat(32)

/** The split left by the race: one secret key stored in two projects. */
const split = async (query: Query) => {
  await query(`insert into projects (id, name, created_at, updated_at) values ('${P1}', 'a', now(), now()), ('${P2}', 'b', now(), now())`)
  await query(
    `insert into api_keys (project_id, id, kind, prefix, hash, created_at) values
     ('${P1}', '${K1}', 'secret', 'sk_1', '${HASH}', now() - interval '1 second'),
     ('${P2}', '${K2}', 'secret', 'sk_1', '${HASH}', now()),
     ('${P1}', '${K3}', 'public', 'pk_1', '${"cd".repeat(32)}', now())`
  )
}

/** Runs the committed migrations on a split database: refused, unchanged; repaired, applied. */
const scenario = (query: Query, migrate: Effect.Effect<void, unknown>) =>
  Effect.gen(function* () {
    yield* Effect.promise(() => split(query))
    // Its own error, not a RepositoryError: a state to repair, not a storage failure.
    const failure = yield* Effect.flip(migrate)
    assert.instanceOf(failure, DuplicateApiKeysError)
    const message = (failure as Error).message
    for (const id of [P1, P2, K1, K2]) assert.include(message, id)
    assert.notInclude(message, HASH)
    assert.notInclude(message.toLowerCase(), "select")
    assert.include(message, "Duplicate key hashes")
    // Nothing changed: the journal, the rows and the old constraint are as they were.
    const journal = yield* Effect.promise(() => query("select count(*)::int as n from drizzle.__drizzle_migrations"))
    assert.strictEqual(Number(journal[0]?.n), 2)
    assert.lengthOf(yield* Effect.promise(() => query("select id from api_keys")), 3)
    assert.lengthOf(yield* Effect.promise(() => query("select 1 from pg_indexes where indexname = 'api_keys_hash_unique'")), 0)
    // The README's deterministic repair: keep the oldest row of each hash.
    yield* Effect.promise(() =>
      query("delete from api_keys k using api_keys o where k.hash = o.hash and (o.created_at, o.id) < (k.created_at, k.id)")
    )
    yield* migrate
    const after = yield* Effect.promise(() => query("select count(*)::int as n from drizzle.__drizzle_migrations"))
    // Every committed migration is applied after the repair (0002 and any later one).
    const committed = (JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: Array<unknown> }).entries.length
    assert.isAtLeast(committed, 3)
    assert.strictEqual(Number(after[0]?.n), committed)
    assert.deepStrictEqual((yield* Effect.promise(() => query("select id from api_keys where kind = 'secret'"))).map((r) => r.id), [K1])
    const again = yield* Effect.flip(
      Effect.tryPromise(() =>
        query(`insert into api_keys (project_id, id, kind, prefix, hash, created_at) values ('${P2}', gen_random_uuid(), 'secret', 'sk', '${HASH}', now())`)
      )
    )
    assert.match(String((again as { error?: unknown }).error ?? again), /api_keys_hash_unique/)
  })

describe("migration 0002 on a database holding a key hash twice", () => {
  it.live("PGlite: refused with the key ids, nothing changed; applied after the repair", () =>
    Effect.gen(function* () {
      const client = yield* Effect.acquireRelease(Effect.sync(() => new PGlite()), (c) => Effect.promise(() => c.close()))
      const db = drizzlePglite(client)
      yield* Effect.promise(() => migratePgliteDb(db, { migrationsFolder: before0002() }))
      yield* scenario(async (text) => (await client.query<Record<string, unknown>>(text)).rows, migratePglite(db))
    }).pipe(Effect.scoped), 60_000)

  it.live.skipIf(!available)("PostgreSQL: refused with the key ids, nothing changed; applied after the repair", () =>
    Effect.gen(function* () {
      const { url } = yield* throwawayDatabase
      const sql = yield* Effect.acquireRelease(Effect.sync(() => postgres(url, { max: 1, onnotice: () => {} })), (c) => Effect.promise(() => c.end({ timeout: 5 })))
      yield* Effect.promise(() => migratePostgresDb(drizzlePostgres(sql), { migrationsFolder: before0002() }))
      yield* scenario(async (text) => [...(await sql.unsafe(text))], migratePostgres(url))
    }).pipe(Effect.scoped), 60_000)
})
