/**
 * The PostgreSQL suites' choice when the server is unreachable: fail in CI, otherwise report
 * them as skipped (`describe.skipIf`), never pass them green on something else.
 */
import { assert, describe, it } from "@effect/vitest"
import { postgresAvailable } from "./support/postgres.js"

const unreachable = "postgres://postgres@127.0.0.1:1/none"

describe("PostgreSQL probe", () => {
  it("an unreachable server fails the run when CI=true", async () => {
    const error = await postgresAvailable(unreachable, true).then(
      () => undefined,
      (e: unknown) => e
    )
    assert.instanceOf(error, Error)
    assert.include(String(error), "CI=true")
  })

  it("an unreachable server outside CI is unavailable (its suites are skipped)", async () => {
    assert.isFalse(await postgresAvailable(unreachable, false))
  })
})
