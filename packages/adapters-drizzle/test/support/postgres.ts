/**
 * The PostgreSQL server of a test run: `DATABASE_URL` (default the local server). Each run gets a
 * throwaway database (`notiflows_test_<random>`), migrated, dropped `WITH (FORCE)` at the end.
 * Unreachable server: in CI (`CI=true`) the run fails; elsewhere it says so and falls back to PGlite.
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import type { PostgresConfig, Repositories } from "../../src/index.js"
import { DrizzleDatabase, layerPglite, layerPostgres } from "../../src/index.js"

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

/** Probed once per test file: "postgres" when the server answers, else "pglite" (outside CI only). */
export const resolveTarget = async (url: string = serverUrl, ci: boolean = process.env.CI === "true"): Promise<"postgres" | "pglite"> => {
  const problem = await probeServer(url)
  if (problem === undefined) return "postgres"
  if (ci) {
    throw new Error(`PostgreSQL at ${url} is unreachable (${problem}); in CI (CI=true) the PostgreSQL suites must run on it.`)
  }
  console.warn(
    `\n*** PostgreSQL at ${url} is unreachable (${problem}).\n` +
      `*** FELL BACK TO PGlite: the "postgres" suites of this file run on PGlite instead. Set DATABASE_URL or start the server.\n`
  )
  return "pglite"
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

/**
 * The adapter on a throwaway database of the server (or, after a fallback, on in-memory PGlite),
 * with `config` applied to the postgres.js pool.
 */
export const layerServer = (
  target: "postgres" | "pglite",
  config: Omit<PostgresConfig, "url"> = {}
): Layer.Layer<Repositories | DrizzleDatabase, unknown> =>
  target === "pglite"
    ? layerPglite("memory://", config.prepare !== undefined ? { prepare: config.prepare } : {})
    : Layer.unwrapScoped(Effect.map(throwawayDatabase, ({ url }) => layerPostgres({ ...config, url })))



