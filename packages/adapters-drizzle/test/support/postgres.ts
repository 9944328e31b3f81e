/**
 * The PostgreSQL server of a test run: `DATABASE_URL` (default the local server). Each run gets a
 * throwaway database (`notiflows_test_<random>`), migrated, dropped `WITH (FORCE)` at the end.
 * Unreachable server: in CI (`CI=true`) the run fails; elsewhere the PostgreSQL suites are
 * reported as skipped (`describe.skipIf(!available)`), never run elsewhere nor passed green.
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import type { PostgresConfig, Repositories } from "../../src/index.js"
import type { DrizzleDatabase } from "../../src/index.js"
import { layerPostgres } from "../../src/index.js"

export const serverUrl: string = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** The reason the server cannot be used, or `undefined` when it answers. */
export const probeServer = async (url: string = serverUrl): Promise<string | undefined> => {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await sql`select 1`
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined)
  }
}

/**
 * Probed once per test file: `true` when the server answers. An unreachable server is `false`
 * outside CI (the caller skips its suites) and a failure in CI (`CI=true`), where they must run.
 */
export const postgresAvailable = async (url: string = serverUrl, ci: boolean = process.env.CI === "true"): Promise<boolean> => {
  const problem = await probeServer(url)
  if (problem === undefined) return true
  if (ci) {
    throw new Error(`PostgreSQL at ${url} is unreachable (${problem}); in CI (CI=true) the PostgreSQL suites must run on it.`)
  }
  return false
}

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** A throwaway database on the server, created on acquire and dropped on release; yields its URL. */
export const throwawayDatabase = Effect.acquireRelease(
  Effect.promise(async () => {
    const name = `notiflows_test_${randomBytes(6).toString("hex")}`
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
    try {
      await admin.unsafe(`create database ${name}`)
    } finally {
      await admin.end({ timeout: 5 })
    }
    return { name, url: withDatabase(serverUrl, name) }
  }),
  ({ name }) =>
    Effect.promise(async () => {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`)
      } finally {
        await admin.end({ timeout: 5 })
      }
    })
)

/** The adapter on a throwaway database of the server, with `config` applied to the postgres.js pool. */
export const layerServer = (config: Omit<PostgresConfig, "url"> = {}): Layer.Layer<Repositories | DrizzleDatabase, unknown> =>
  Layer.unwrapScoped(Effect.map(throwawayDatabase, ({ url }) => layerPostgres({ ...config, url })))
