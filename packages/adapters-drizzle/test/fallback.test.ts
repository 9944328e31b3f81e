/**
 * The PostgreSQL suites' choice when the server is unreachable: fail in CI, otherwise say so
 * loudly and fall back to PGlite (never a silent skip).
 */
import { assert, describe, it, vi } from "@effect/vitest"
import { resolveTarget } from "./support/postgres.js"

const unreachable = "postgres://postgres@127.0.0.1:1/none"

describe("PostgreSQL target", () => {
  it("an unreachable server fails the run when CI=true", async () => {
    const error = await resolveTarget(unreachable, true).then(
      () => undefined,
      (e: unknown) => e
    )
    assert.instanceOf(error, Error)
    assert.include(String(error), "CI=true")
  })

  it("an unreachable server outside CI falls back to PGlite and says so", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {})
    try {
      assert.strictEqual(await resolveTarget(unreachable, false), "pglite")
      assert.include(String(warn.mock.calls[0]?.[0]), "FELL BACK TO PGlite")
    } finally {
      warn.mockRestore()
    }
  })
})
