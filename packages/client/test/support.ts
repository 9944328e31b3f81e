/**
 * The real service for the client's tests: the published router (`@notiflows/http-express`) on
 * embedded PGlite (`@notiflows/adapters-drizzle`) with the idempotency hook, listening on a free
 * port, as a host app or the standalone server wires it. One per test file (PGlite is heavy);
 * cases isolate themselves with fresh ids.
 */
import { randomBytes } from "node:crypto"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import express from "express"
import * as jose from "jose"
import { pino } from "pino"
import postgres from "postgres"
import { layerPglite, layerPostgres } from "@notiflows/adapters-drizzle"
import { EventRepository, layerProjectViewCache, mintApiKey, ProjectRepository } from "@notiflows/domain"
import { makeIdempotencyHook, makeRouter } from "@notiflows/http-express"

export interface TestService {
  readonly url: string
  readonly secretKey: string
  readonly publicKey: string
  /** Signs a user token (RS256, the project's signing key) for `sub`. */
  readonly token: (sub: string) => Promise<string>
  /** Retention: removes every event that occurred before now + 1 s (EventRepository.purge). */
  readonly purgeEvents: () => Promise<number>
  readonly close: () => Promise<void>
}

const serverUrl = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

/**
 * True when PostgreSQL answers. Unreachable: `false` outside CI (the PostgreSQL suite is reported
 * skipped), a failure in CI (`CI=true`), where it must run.
 */
export const postgresAvailable = async (): Promise<boolean> => {
  const sql = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch (e) {
    if (process.env["CI"] === "true") throw new Error(`PostgreSQL at ${serverUrl} is unreachable (${String(e)}); in CI the PostgreSQL suites must run.`)
    return false
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined)
  }
}

/** A throwaway database on the server (`notiflows_test_<random>`), dropped by the returned function. */
const throwawayDatabase = async (): Promise<{ readonly url: string; readonly drop: () => Promise<void> }> => {
  const name = `notiflows_test_${randomBytes(6).toString("hex")}`
  const run = async (statement: string) => {
    const sql = postgres(serverUrl, { max: 1, onnotice: () => {} })
    try {
      await sql.unsafe(statement)
    } finally {
      await sql.end({ timeout: 5 })
    }
  }
  await run(`create database ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) }
}

export interface ServiceOptions {
  /** Embedded PGlite (default) or a throwaway database on the PostgreSQL server. */
  readonly database?: "pglite" | "postgres"
  /** Origins whose browsers may call the User API (CORS). */
  readonly allowedOrigins?: ReadonlyArray<string>
}

export const startService = async (options: ServiceOptions = {}): Promise<TestService> => {
  const pg = options.database === "postgres" ? await throwawayDatabase() : undefined
  const storage = pg === undefined ? layerPglite("memory://") : layerPostgres({ url: pg.url, poolSize: 4 })
  const runtime = ManagedRuntime.make(Layer.orDie(Layer.provideMerge(layerProjectViewCache(), storage)))
  const app = express()
  app.use(makeRouter(runtime, { logger: pino({ level: "silent" }), publicUrl: "http://127.0.0.1", hooks: { aroundHandler: makeIdempotencyHook({ runtime }) } }))
  const { publicKey: spki, privateKey } = await jose.generateKeyPair("RS256", { extractable: true })
  const secret = await Effect.runPromise(mintApiKey("secret"))
  const pub = await Effect.runPromise(mintApiKey("public"))
  await runtime.runPromise(
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const project = yield* projects.create({ name: "Client tests", securityMode: "on" })
      const publicKeyPem = yield* Effect.promise(() => jose.exportSPKI(spki))
      yield* projects.update(project.id, { signingKeys: [{ kid: "client-test", publicKeyPem }], allowedOrigins: options.allowedOrigins ?? [] })
      yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: secret.prefix, hash: secret.hash })
      yield* projects.createApiKey({ projectId: project.id, kind: "public", prefix: pub.prefix, hash: pub.hash })
    })
  )
  const server = await new Promise<import("node:http").Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secretKey: secret.key,
    publicKey: pub.key,
    token: (sub) => new jose.SignJWT({ sub }).setProtectedHeader({ alg: "RS256", kid: "client-test" }).setExpirationTime("10m").sign(privateKey),
    purgeEvents: () => runtime.runPromise(Effect.flatMap(EventRepository, (r) => r.purge(new Date(Date.now() + 1000)))),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await runtime.dispose()
      await pg?.drop()
    }
  }
}

/** A fresh id for isolation between cases. */
export const freshId = (prefix: string): string => `${prefix}_${Math.random().toString(36).slice(2, 10)}`
