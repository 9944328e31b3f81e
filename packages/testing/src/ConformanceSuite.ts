/**
 * The whole conformance suite: every capability suite against one build of an adapter layer.
 * An adapter's test file calls it in one line, then adds its own cases:
 *
 * ```ts
 * conformanceSuite("in-memory", InMemory.layer)
 * ```
 */
import { describe } from "@effect/vitest"
import { catalogCases } from "./CatalogSuite.js"
import { concurrencyCases } from "./ConcurrencySuite.js"
import { historyCases } from "./HistorySuite.js"
import type { SuiteOptions } from "./internal/fixtures.js"
import type { SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { preferencesCases } from "./PreferencesSuite.js"
import { projectsCases } from "./ProjectsSuite.js"
import { usersCases } from "./UsersSuite.js"

/**
 * Runs every capability suite against `layer`, built once (in `beforeAll`) for all of them.
 * Cases isolate themselves with a fresh project each, so the order does not matter.
 */
export const conformanceSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, (it, opts) => {
    describe("users", () => usersCases(it, opts))
    describe("catalog", () => catalogCases(it, opts))
    describe("projects", () => projectsCases(it, opts))
    describe("preferences", () => preferencesCases(it, opts))
    describe("history", () => historyCases(it, opts))
    describe("concurrency", () => concurrencyCases(it, opts))
  })
