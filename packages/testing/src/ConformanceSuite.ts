/**
 * The whole conformance suite: every capability suite against one build of an adapter layer.
 * An adapter's test file calls it in one line, then adds its own cases:
 *
 * ```ts
 * conformanceSuite("in-memory", InMemory.layer)
 * conformanceSuite("my-adapter", MyAdapter.layer, { disable: { idempotency: true } })
 * ```
 */
import { describe } from "@effect/vitest"
import { catalogCases } from "./CatalogSuite.js"
import { concurrencyCases } from "./ConcurrencySuite.js"
import { historyCases } from "./HistorySuite.js"
import { idempotencyCases } from "./IdempotencySuite.js"
import type { Capability, SuiteOptions } from "./internal/fixtures.js"
import type { CapabilityCases, ConformanceLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { preferencesCases } from "./PreferencesSuite.js"
import { projectsCases } from "./ProjectsSuite.js"
import { usersCases } from "./UsersSuite.js"

const CASES: { readonly [K in Capability]: CapabilityCases } = {
  users: usersCases,
  catalog: catalogCases,
  projects: projectsCases,
  preferences: preferencesCases,
  history: historyCases,
  concurrency: concurrencyCases,
  idempotency: idempotencyCases
}

/**
 * Runs every capability suite against `layer`, built once (in `beforeAll`) for all of them.
 * Cases isolate themselves with a fresh project each, so the order does not matter.
 * `options.disable` names capabilities whose cases are not registered at all (as better-auth's
 * `disableTests`): an adapter without a capability declares so in its configuration.
 */
export const conformanceSuite = (name: string, layer: ConformanceLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, (it, opts) => {
    for (const capability of Object.keys(CASES) as ReadonlyArray<Capability>) {
      if (opts.disable?.[capability] !== true) describe(capability, () => CASES[capability](it, opts))
    }
  })
