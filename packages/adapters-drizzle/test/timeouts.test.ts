/**
 * Per-operation time bounds (`internal/timeouts.ts`): a repository call's driver calls fail past
 * the call's deadline with an unavailable `RepositoryError` named after the repository call; without a
 * bound nothing is timed; an interrupted caller stops waiting. No database: driver calls are
 * plain promises here.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { RepositoryError } from "@notiflows/domain"
import { DatabaseFailure } from "../src/internal/errors.js"
import { run, runTransaction, Abort } from "../src/internal/promiseToEffect.js"
import { bounded, boundService } from "../src/internal/timeouts.js"

const never = (): Promise<number> => new Promise<number>(() => {})
const after = <A>(ms: number, value: A): Promise<A> => new Promise<A>((resolve) => setTimeout(() => resolve(value), ms))

describe("time bounds", () => {
  it.effect("a driver call past the bound fails unavailable, named after the repository call", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(bounded("preferences.load", 20, run("preferences.load.query", never)))
      assert.instanceOf(error, RepositoryError)
      assert.strictEqual(error.operation, "preferences.load")
      assert.isTrue(error.unavailable)
      assert.instanceOf(error.cause, DatabaseFailure)
      assert.strictEqual((error.cause as DatabaseFailure).code, "OPERATION_TIMEOUT")
    })
  )

  it.effect("within the bound, values and driver failures pass through unchanged", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* bounded("x.y", 1_000, run("x.y", () => after(5, 42))), 42)
      const failed = yield* Effect.flip(bounded("x.y", 1_000, run("x.read", () => Promise.reject(new Error("boom")))))
      assert.strictEqual(failed.operation, "x.read")
      assert.isFalse(failed.unavailable)
      // A transaction's Abort is its domain outcome, inside the bound as outside.
      const aborted = yield* Effect.flip(bounded("x.y", 1_000, runTransaction<number, string>("x.tx", () => Promise.reject(new Abort("nope")))))
      assert.strictEqual(aborted, "nope")
      // A synchronous throw of the driver call is a failure too.
      const thrown = yield* Effect.flip(run("x.sync", () => { throw new Error("sync") }))
      assert.strictEqual(thrown.operation, "x.sync")
    })
  )

  it.effect("one deadline for the whole repository call, whatever its statements; the bound ends with the call", () =>
    Effect.gen(function* () {
      // Two sequential calls of 30 ms under a 50 ms bound: the second passes the call's deadline.
      const both = bounded("x.two", 50, Effect.zipWith(run("a", () => after(30, 1)), run("b", () => after(30, 2)), (a, b) => a + b))
      const late = yield* Effect.flip(both)
      assert.strictEqual(late.operation, "x.two")
      assert.isTrue(late.unavailable)
      // Within the deadline, both complete.
      assert.strictEqual(yield* bounded("x.two", 1_000, Effect.zipWith(run("a", () => after(5, 1)), run("b", () => after(5, 2)), (a, b) => a + b)), 3)
      // Outside a bounded call nothing is timed (a slow call completes).
      assert.strictEqual(yield* run("slow", () => after(60, 7)), 7)
      // Nested: the earlier deadline applies, under its own name.
      const inner = yield* Effect.flip(bounded("outer", 5_000, bounded("inner", 20, run("q", never))))
      assert.strictEqual(inner.operation, "inner")
      const outer = yield* Effect.flip(bounded("outer", 20, bounded("inner", 5_000, run("q", never))))
      assert.strictEqual(outer.operation, "outer")
    })
  )

  it.effect("boundService bounds every Effect-returning method under its port's name", () =>
    Effect.gen(function* () {
      const service = { load: (n: number) => run("q", () => (n > 0 ? never() : after(1, n))), size: 3 }
      const bound = boundService("preferences", service, 20)
      assert.strictEqual(bound.size, 3)
      assert.strictEqual(yield* bound.load(0), 0)
      const error = yield* Effect.flip(bound.load(1))
      assert.strictEqual(error.operation, "preferences.load")
      assert.isTrue(error.unavailable)
    })
  )

  it.live("an interrupted caller stops waiting", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(bounded("x.wait", 5_000, run("q", never)))
      yield* Effect.sleep("5 millis")
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
    }).pipe(Effect.timeout("2 seconds"))
  )
})
