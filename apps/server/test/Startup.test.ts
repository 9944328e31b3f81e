/**
 * The message of a failed start: names the variable to look at, carries no SQL, parameter, key,
 * hash or stack (issue 10, defect 3).
 */
import { describe, expect, it } from "vitest"
import { DatabaseFailure } from "@notiflows/adapters-drizzle"
import { RepositoryError } from "@notiflows/domain"
import { loadConfig } from "../src/Config.js"
import { startupFailureMessage } from "../src/Service.js"

const postgresConfig = loadConfig({ DATABASE_URL: "postgres://app:s3cret@db.internal:6543/prefs" })
const pgliteConfig = loadConfig({ NOTIFLOWS_DATA_DIR: "/var/lib/notiflows" })

describe("startup failure messages", () => {
  it("an unreachable PostgreSQL names DATABASE_URL and where, never the password, SQL or a stack", () => {
    const error = new RepositoryError({ operation: "migrate", unavailable: true, cause: new DatabaseFailure("migrate", "Error", "ECONNREFUSED", undefined) })
    const message = startupFailureMessage(error, postgresConfig)
    expect(message).toBe(
      "cannot reach the database: PostgreSQL at db.internal:6543/prefs (DATABASE_URL) is unavailable (Error ECONNREFUSED during migrate). Check DATABASE_URL and that the database is running."
    )
    expect(message).not.toContain("s3cret")
  })

  it("a database error on PGlite names NOTIFLOWS_DATA_DIR", () => {
    const error = new RepositoryError({ operation: "projects.create", unavailable: false, cause: new DatabaseFailure("projects.create", "DatabaseError", "23505", "    at x (y.js:1:1)") })
    expect(startupFailureMessage(error, pgliteConfig)).toBe(
      "the database failed during projects.create: embedded PGlite at /var/lib/notiflows (NOTIFLOWS_DATA_DIR) (DatabaseError 23505)."
    )
  })

  it("a taken port names PORT and HOST", () => {
    const error = Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:3000"), { code: "EADDRINUSE" })
    expect(startupFailureMessage(error, loadConfig({}))).toBe("cannot listen on 127.0.0.1:3000 (EADDRINUSE): choose another PORT or HOST.")
  })

  it("a cause that is not sanitized is not printed", () => {
    const error = new RepositoryError({ operation: "migrate", unavailable: false, cause: new Error("Failed query: select 1 params: SECRET") })
    expect(startupFailureMessage(error, undefined)).not.toMatch(/SECRET|select/)
  })
})
