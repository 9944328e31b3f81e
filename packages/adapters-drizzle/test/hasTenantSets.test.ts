/**
 * Migration 0011 (`users.has_tenant_sets`, kept by a trigger): the tenant batch read looks up a
 * user×tenant row only for users flagged, so the flag must never be false while the user holds a
 * set. On a database migrated up to 0010 and holding tenant sets, 0011 backfills the flag; after
 * it, every way a row reaches `tenant_preference_sets` (a plain insert, several rows in one
 * statement, an insert inside a data-modifying CTE, `on conflict do update`) flags its user, and
 * nobody else. On PGlite and on PostgreSQL (a throwaway database; skipped when the server is
 * unreachable outside CI).
 */
import * as fs from "node:fs"
import { PGlite } from "@electric-sql/pglite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { drizzle as drizzlePglite } from "drizzle-orm/pglite"
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator"
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js"
import { migrate as migratePostgresDb } from "drizzle-orm/postgres-js/migrator"
import * as Effect from "effect/Effect"
import postgres from "postgres"
import { migratePglite, migratePostgres } from "../src/index.js"
import { scratchDir } from "./support/childProcess.js"
import { migrationsBefore } from "./support/migrations.js"
import { postgresAvailable, throwawayDatabase } from "./support/postgres.js"

const available = await postgresAvailable()
const scratch = scratchDir()
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** The committed migrations before 0011. */
const before0011 = (): string => migrationsBefore(scratch, 11, "0010_erasure_subjects")

type Query = (text: string) => Promise<ReadonlyArray<Record<string, unknown>>>

const P = "0190b000-0000-7000-8000-000000000001"
const user = (n: number) => `0190b000-0000-7000-8000-0000000001${String(n).padStart(2, "0")}`
const USERS = 8

const tenantSet = (n: number, tenant: string) => `('${P}', '${user(n)}', '${tenant}', '{"channel_types":{}}'::jsonb, 1, now())`
const insertSets = (rows: ReadonlyArray<string>, suffix = "") =>
  `insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at) values ${rows.join(", ")} ${suffix}`

const flagged = async (query: Query): Promise<ReadonlyArray<number>> =>
  (await query(`select id from users where project_id = '${P}' and has_tenant_sets order by id`)).map((r) => Number(String(r.id).slice(-2)))

const scenario = (query: Query, migrate: Effect.Effect<void, unknown>) =>
  Effect.gen(function* () {
    const run = (text: string) => Effect.promise(() => query(text))
    yield* run(`insert into projects (id, name, created_at, updated_at) values ('${P}', 'p', now(), now())`)
    const users = Array.from({ length: USERS }, (_, i) => `('${P}', '${user(i)}', 'user_${i}', now(), now())`)
    yield* run(`insert into users (project_id, id, external_id, created_at, updated_at) values ${users.join(", ")}`)
    // Before 0011: users 1 and 2 hold sets (2 in two tenants).
    yield* run(insertSets([tenantSet(1, "acme"), tenantSet(2, "acme"), tenantSet(2, "other")]))
    yield* migrate
    assert.deepStrictEqual(yield* Effect.promise(() => flagged(query)), [1, 2])
    // A plain insert of one row, and of several rows in one statement.
    yield* run(insertSets([tenantSet(3, "acme")]))
    yield* run(insertSets([tenantSet(4, "acme"), tenantSet(5, "acme"), tenantSet(1, "other")]))
    // An insert inside a data-modifying CTE (as the commit statements write).
    yield* run(`with w as (${insertSets([tenantSet(6, "acme")])} returning user_id) select count(*) from w`)
    // Insert-or-update: a new row flags its user; an update of an existing row changes nothing else.
    yield* run(insertSets([tenantSet(7, "acme"), tenantSet(3, "acme")], "on conflict (project_id, user_id, tenant_id) do update set version = excluded.version + 1"))
    assert.deepStrictEqual(yield* Effect.promise(() => flagged(query)), [1, 2, 3, 4, 5, 6, 7])
    // User 0 holds no set: never flagged; a flag stays after its user's sets go (a stale true only costs a lookup).
    yield* run(`delete from tenant_preference_sets where user_id = '${user(7)}'`)
    assert.deepStrictEqual(yield* Effect.promise(() => flagged(query)), [1, 2, 3, 4, 5, 6, 7])
  })

describe("migration 0011: users.has_tenant_sets", () => {
  it.live("PGlite: backfilled, then kept by every kind of insert", () =>
    Effect.gen(function* () {
      const client = yield* Effect.acquireRelease(Effect.sync(() => new PGlite()), (c) => Effect.promise(() => c.close()))
      const db = drizzlePglite(client)
      yield* Effect.promise(() => migratePgliteDb(db, { migrationsFolder: before0011() }))
      yield* scenario(async (text) => (await client.query<Record<string, unknown>>(text)).rows, migratePglite(db))
    }).pipe(Effect.scoped), 60_000)

  it.live.skipIf(!available)("PostgreSQL: backfilled, then kept by every kind of insert", () =>
    Effect.gen(function* () {
      const { url } = yield* throwawayDatabase
      const sql = yield* Effect.acquireRelease(Effect.sync(() => postgres(url, { max: 1, onnotice: () => {} })), (c) => Effect.promise(() => c.end({ timeout: 5 })))
      yield* Effect.promise(() => migratePostgresDb(drizzlePostgres(sql), { migrationsFolder: before0011() }))
      yield* scenario(async (text) => [...(await sql.unsafe(text))], migratePostgres(url))
    }).pipe(Effect.scoped), 60_000)
})
