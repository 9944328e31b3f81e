/**
 * Migrations 0003 (model v2) and 0004 (ledger, events) on a database with v1 data: built with the
 * migrations up to 0002, filled with the rows the v1 code path writes (v1 use cases over the v1
 * ports on a fully migrated database, users inserted as the v1 code inserted them, each row copied
 * with the columns v1 had), then migrated. 0004's defaults give those ledger entries exactly the
 * fields today's code writes (`patch`, `admin_api` for a secret key, no context). Every view and explicit view, for both APIs, is byte-identical
 * before and after, read through the v1 path and through the v2 global scope, so every ETag (a
 * hash of user id, API, kind and body) survives; history and versions continue. On PGlite and on
 * PostgreSQL (a throwaway database; skipped outside CI when the server is unreachable).
 */
import * as fs from "node:fs"
import { createHash } from "node:crypto"
import { PGlite } from "@electric-sql/pglite"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { drizzle as drizzlePglite } from "drizzle-orm/pglite"
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator"
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js"
import { migrate as migratePostgresDb } from "drizzle-orm/postgres-js/migrator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import postgres from "postgres"
import type { Audience, ExternalUserId, NotiflowId, ProjectId } from "@notiflows/domain"
import {
  ProjectRepository,
  deleteNotiflow,
  explicitView,
  getHistory,
  getPreferences,
  getScopedHistory,
  getScopedPreferences,
  globalScope,
  scopedExplicitView,
  scopedView,
  updateDefaults,
  updatePreferences,
  updateScopedPreferences,
  upsertNotiflow,
  view
} from "@notiflows/domain"
import type { Database, NotiflowsDatabase } from "../src/index.js"
import { DrizzleDatabase, layerRepositories, migratePglite, migratePostgres } from "../src/index.js"
import { scratchDir } from "./support/childProcess.js"
import { migrationsBefore } from "./support/migrations.js"
import { postgresAvailable, throwawayDatabase } from "./support/postgres.js"

const scratch = scratchDir()
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** The committed migrations up to the last v1 one (0002), as their own folder. */
const v1Migrations = (): string => migrationsBefore(scratch, 3, "0002_api_key_hash_unique")

/** The ETag formula of the HTTP layer (API.md §4.1): SHA-256 over user id, API, kind and body. */
const tag = (userId: string, audience: Audience, kind: "view" | "explicit", body: unknown) =>
  createHash("sha256").update(`${userId}\n${audience}\n${kind}\n${JSON.stringify(body)}`, "utf8").digest("base64url")

const admin = { actor: { type: "secret_key" as const, id: "key_migration" }, requestId: "req_migration", source: "admin_api" as const }
const AUDIENCES: ReadonlyArray<Audience> = ["admin", "user"]

/** Views, explicit views (both APIs) and history of each user through the v1 path. */
const v1Snapshot = (projectId: ProjectId, externalIds: ReadonlyArray<ExternalUserId>) =>
  Effect.forEach(externalIds, (externalId) =>
    Effect.gen(function* () {
      const s = yield* getPreferences(projectId, externalId)
      const out: Record<string, string> = { userId: s.userId, version: String(s.preferences.version) }
      for (const a of AUDIENCES) {
        out[`view:${a}`] = tag(s.userId, a, "view", view(s.preferences, s.catalog, s.defaults, a))
        out[`explicit:${a}`] = tag(s.userId, a, "explicit", explicitView(s.preferences, s.catalog, a))
        out[`body:${a}`] = JSON.stringify(view(s.preferences, s.catalog, s.defaults, a))
        out[`history:${a}`] = JSON.stringify((yield* getHistory(projectId, externalId, a, { limit: 50 })).items)
      }
      return out
    })
  )

/** The same through the v2 global scope (history entries gain `tenant_id: null`, dropped here to compare). */
const v2Snapshot = (projectId: ProjectId, externalIds: ReadonlyArray<ExternalUserId>) =>
  Effect.forEach(externalIds, (externalId) =>
    Effect.gen(function* () {
      const s = yield* getScopedPreferences(projectId, externalId, globalScope)
      const out: Record<string, string> = { userId: s.userId, version: String(s.global.version) }
      for (const a of AUDIENCES) {
        out[`view:${a}`] = tag(s.userId, a, "view", scopedView(s, a))
        out[`explicit:${a}`] = tag(s.userId, a, "explicit", scopedExplicitView(s, a))
        out[`body:${a}`] = JSON.stringify(scopedView(s, a))
        const page = yield* getScopedHistory(projectId, externalId, globalScope, a, { limit: 50 })
        out[`history:${a}`] = JSON.stringify(page.items.map(({ tenant_id: _t, ...e }) => e))
      }
      return out
    })
  )

/**
 * A v1 database (migrations up to 0002 applied) and the way to apply the rest, and a database
 * with every migration, where today's v1 code path writes the rows copied into the v1 one.
 */
interface V1Database {
  readonly database: Database
  readonly migrateAll: Effect.Effect<void, unknown>
  readonly current: Effect.Effect<Database, unknown, Scope.Scope>
}

const pgliteDatabase = (client: PGlite): Database => ({
  db: drizzlePglite({ client }) as unknown as NotiflowsDatabase,
  driver: "pglite",
  prepare: true,
  query: async (text, params = []) => (await client.query<Record<string, unknown>>(text, [...params])).rows
})

const postgresDatabase = (client: postgres.Sql): Database => ({
  db: drizzlePostgres(client) as unknown as NotiflowsDatabase,
  driver: "postgres",
  prepare: true,
  query: async (text, params = []) => [...(await client.unsafe(text, params as Array<postgres.ParameterOrJSON<never>>))]
})

/**
 * The rows v1 wrote, copied from `from` (every migration) into `to` (a v1 schema): each row's
 * columns that `to` has (later migrations only add columns). Today's code cannot write a v1
 * schema itself (its statements name later columns and tables), so it writes them where they exist.
 */
const copyV1Rows = (from: Database, to: Database) =>
  Effect.promise(async () => {
    for (const table of ["projects", "api_keys", "notiflows", "users", "preference_sets", "preference_history"]) {
      for (const row of await from.query(`select row_to_json(t)::text as j from ${table} t`)) {
        await to.query(`insert into ${table} select * from json_populate_record(null::${table}, $1::json)`, [row["j"]])
      }
    }
  })

const pgliteV1: Effect.Effect<V1Database, never, Scope.Scope> = Effect.gen(function* () {
  const open = Effect.acquireRelease(
    Effect.promise(() => PGlite.create("memory://")),
    (c) => Effect.promise(() => c.close())
  )
  const client = yield* open
  const pglite = drizzlePglite({ client })
  yield* Effect.promise(() => migratePgliteDb(pglite, { migrationsFolder: v1Migrations() }))
  const current = Effect.gen(function* () {
    const c = yield* open
    yield* migratePglite(drizzlePglite({ client: c }))
    return pgliteDatabase(c)
  })
  return { database: pgliteDatabase(client), migrateAll: migratePglite(pglite), current }
})

const postgresV1: Effect.Effect<V1Database, never, Scope.Scope> = Effect.gen(function* () {
  const connect = (url: string) =>
    Effect.acquireRelease(
      Effect.sync(() => postgres(url, { max: 2, onnotice: () => {} })),
      (c) => Effect.promise(() => c.end({ timeout: 5 }))
    )
  const { url } = yield* throwawayDatabase
  const client = yield* connect(url)
  yield* Effect.promise(() => migratePostgresDb(drizzlePostgres(client), { migrationsFolder: v1Migrations() }))
  const current = Effect.gen(function* () {
    const other = yield* throwawayDatabase
    yield* migratePostgres(other.url)
    return postgresDatabase(yield* connect(other.url))
  })
  return { database: postgresDatabase(client), migrateAll: migratePostgres(url), current }
})

const migrationCase = (open: Effect.Effect<V1Database, never, Scope.Scope>) =>
  Effect.gen(function* () {
    const { database, migrateAll, current } = yield* open
    const writer = yield* current
    const writerPorts = Layer.provideMerge(layerRepositories, Layer.succeed(DrizzleDatabase, writer))
    const ports = Layer.provideMerge(layerRepositories, Layer.succeed(DrizzleDatabase, database))

    // v1 data through the v1 code path.
    const externalIds = ["alice", "bob", "carol"].map((id) => id as ExternalUserId)
    const nf = (id: string) => id as NotiflowId
    const projectId = yield* Effect.provide(
      Effect.gen(function* () {
        // Written on the fully migrated database (today's create also makes a link key, a table of
        // 0005); copyV1Rows carries only the v1 columns and tables over.
        const project = yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "v1", securityMode: "on" }))
        yield* updateDefaults(project.id, { channel_types: { sms: false } })
        yield* upsertNotiflow(project.id, nf("newsletter"), { name: "Newsletter", default_channel_types: { email: true } })
        yield* upsertNotiflow(project.id, nf("hidden"), { name: "Hidden", include_in_preferences: false })
        yield* upsertNotiflow(project.id, nf("gone"), { name: "Gone" })
        yield* upsertNotiflow(project.id, nf("deleted"), { name: "Deleted" })
        // Users as the v1 code created them: the user and an empty set at version 0.
        for (const [i, externalId] of externalIds.entries()) {
          const id = `0190f3a0-0000-7000-8000-00000000000${i}`
          const at = "2026-01-01T00:00:00.000Z"
          yield* Effect.promise(() =>
            writer.query(
              `with u as (insert into users (project_id, id, external_id, revision, created_at, updated_at) values ($1, $2, $3, 1, $4, $4) returning project_id, id)
               insert into preference_sets (project_id, user_id, updated_at) select project_id, id, $4 from u`,
              [project.id, id, externalId, at]
            )
          )
        }
        const put = (name: string, body: unknown) => updatePreferences({ projectId: project.id, externalId: name as ExternalUserId, audience: "admin", body, context: admin })
        yield* put("alice", { channel_types: { email: false }, notiflows: { newsletter: { enabled: false, channel_types: { sms: true } } } })
        yield* put("alice", { notiflows: { hidden: { enabled: false }, gone: { enabled: false } } })
        yield* put("bob", { channel_types: { chat: false, sms: true }, notiflows: { deleted: { channel_types: { email: false } } } })
        yield* deleteNotiflow(project.id, nf("deleted"))
        return project.id as ProjectId
      }),
      writerPorts
    )
    const before = yield* Effect.provide(v1Snapshot(projectId, externalIds), writerPorts)
    yield* copyV1Rows(writer, database)

    yield* migrateAll
    const columns = yield* Effect.promise(() =>
      database.query("select column_name from information_schema.columns where table_name = 'preference_sets' and column_name = 'categories'")
    )
    assert.strictEqual(columns.length, 1)

    const after = yield* Effect.provide(
      Effect.gen(function* () {
        const v1 = yield* v1Snapshot(projectId, externalIds)
        const v2 = yield* v2Snapshot(projectId, externalIds)
        // Versions continue on the v2 path after the migration.
        const next = yield* updateScopedPreferences({
          projectId,
          externalId: "alice" as ExternalUserId,
          scope: globalScope,
          audience: "admin",
          body: { channel_types: { web_push: false } },
          context: admin
        })
        return { v1, v2, nextVersion: next.global.version }
      }),
      ports
    )
    assert.deepStrictEqual(after.v1, before)
    assert.deepStrictEqual(after.v2, before)
    assert.deepStrictEqual(before.map((u) => u.version), ["2", "1", "0"])
    assert.strictEqual(after.nextVersion, 3)
  }).pipe(Effect.scoped)

const available = await postgresAvailable()

describe("migration 0003 (model v2) on a v1 database", () => {
  it.effect("PGlite: keeps every v1 row as the global set: views, explicit views, ETags, versions and history unchanged", () =>
    migrationCase(pgliteV1), 120_000)
  it.effect.skipIf(!available)("PostgreSQL: keeps every v1 row as the global set: views, explicit views, ETags, versions and history unchanged", () =>
    migrationCase(postgresV1), 120_000)
})
