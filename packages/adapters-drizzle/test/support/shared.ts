/**
 * One build of a layer shared by several suites of a test file (each suite's `layer()` would
 * otherwise build its own: another PGlite, another throwaway database). Closed after the file.
 */
import { afterAll } from "@effect/vitest"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"

export const shared = <A, E>(layer: Layer.Layer<A, E>): Layer.Layer<A> => {
  const scope = Effect.runSync(Scope.make())
  let built: Promise<Context.Context<A>> | undefined
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))
  return Layer.effectContext(Effect.promise(() => (built ??= Effect.runPromise(Layer.buildWithScope(layer, scope)))))
}
