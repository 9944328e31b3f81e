/**
 * Driver failures leave the adapter sanitized (issue 10, defect 3): a `RepositoryError`'s cause
 * carries the operation, the error's class and its code, never the SQL, its bound parameters or
 * the driver's message (which may quote a value), and no stack when the database is unreachable.
 */
import { afterAll, describe, expect, it } from "vitest"
import { sql } from "drizzle-orm"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { RepositoryError } from "@notiflows/domain"
import { DrizzleDatabase, layerPglite, layerPostgres } from "../src/index.js"
import { DatabaseFailure } from "../src/internal/errors.js"
import { run } from "../src/internal/promiseToEffect.js"

const SECRET = "SECRET-VALUE-7f3a"

/** Every way the error could be printed or logged. */
const renderings = (error: unknown): ReadonlyArray<string> => {
  const e = error as RepositoryError
  const cause = e.cause as Error
  return [String(e), e.message, JSON.stringify(e), String(e.stack), String(cause), cause.message, String(cause.stack), JSON.stringify(cause), Cause.pretty(Cause.fail(e))]
}

const failureOf = async <A>(effect: Effect.Effect<A, unknown>): Promise<unknown> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Cause.squash(exit.cause)
}

describe("sanitized RepositoryError causes", () => {
  const pglite = ManagedRuntime.make(layerPglite("memory://"))
  afterAll(() => pglite.dispose())

  it("a failed query (drizzle wraps the SQL and its parameters into the message) keeps class, code and operation only", async () => {
    const exit = await pglite.runPromiseExit(
      Effect.flatMap(DrizzleDatabase, ({ db }) => run("users.find", () => db.execute(sql`select ${SECRET}::int as n`)))
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect(error).toBeInstanceOf(RepositoryError)
    const cause = (error as RepositoryError).cause
    expect(cause).toBeInstanceOf(DatabaseFailure)
    expect(cause).toMatchObject({ operation: "users.find", code: "22P02" })
    for (const text of renderings(error)) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toMatch(/select|::int|params/i)
    }
    // An unexpected failure keeps its stack frames (never its message line).
    expect(String((cause as Error).stack)).toMatch(/\n\s+at /)
  })

  it("an unreachable database: unavailable, class and socket code, no SQL, parameters or stack", async () => {
    const error = await failureOf(Layer.build(layerPostgres({ url: "postgres://postgres@127.0.0.1:1/none", connectTimeoutMs: 500 })).pipe(Effect.scoped))
    expect(error).toBeInstanceOf(RepositoryError)
    expect(error).toMatchObject({ operation: "migrate", unavailable: true })
    expect((error as RepositoryError).cause).toMatchObject({ code: "ECONNREFUSED" })
    for (const text of renderings(error)) expect(text).not.toMatch(/pg_advisory_lock|params|7361150421/)
    const cause = (error as RepositoryError).cause as Error
    for (const text of [String(cause), String(cause.stack), JSON.stringify(cause)]) expect(text).not.toMatch(/\n\s+at /)
  })

  it("a driver error wrapped the way drizzle wraps it", async () => {
    const driver = Object.assign(new Error(`duplicate key value (hash)=(${SECRET})`), { code: "23505" })
    const wrapped = new Error(`Failed query: insert into api_keys values ($1)\nparams: ${SECRET}`, { cause: driver })
    const error = await Effect.runPromise(Effect.flip(run("projects.createApiKey", () => Promise.reject(wrapped))))
    expect(error.cause).toMatchObject({ operation: "projects.createApiKey", code: "23505", errorClass: "Error" })
    for (const text of renderings(error)) expect(text).not.toContain(SECRET)
  })
})
