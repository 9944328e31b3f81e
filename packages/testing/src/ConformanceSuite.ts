/**
 * The whole conformance suite: every capability suite against one build of an adapter layer.
 * An adapter's test file calls it in one line, then adds its own cases:
 *
 * ```ts
 * conformanceSuite("in-memory", InMemory.layer)
 * ```
 */
import { describe } from "@effect/vitest"
import type { SuiteOptions } from "./internal/fixtures.js"
import type { SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { usersCases } from "./UsersSuite.js"

/** Runs every capability suite against `layer`, built once (in `beforeAll`) for all of them. */
export const conformanceSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, (it, opts) => {
    describe("users", () => usersCases(it, opts))
  })
