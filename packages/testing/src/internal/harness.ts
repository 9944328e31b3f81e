/**
 * How a capability suite is registered: one layer build per suite (SQL adapters are expensive),
 * live services (retries may sleep; `TestClock` would stall them), cases isolated by fresh ids.
 */
import type { Vitest } from "@effect/vitest"
import { layer } from "@effect/vitest"
import type * as Layer from "effect/Layer"
import type { AdapterServices } from "../InMemory.js"
import type { SuiteOptions } from "./fixtures.js"

/** The `it` a suite's cases are registered with. */
export type SuiteIt = Vitest.MethodsNonLive<AdapterServices, true>

/** What an adapter hands to the suites. */
export type SuiteLayer = Layer.Layer<AdapterServices, unknown>

/** Registers cases against an `it` whose effects run with the adapter's services. */
export type SuiteCases = (it: SuiteIt, options: SuiteOptions) => void

/** Builds `layer_` once for all of `cases` (in `beforeAll`) inside a `describe(name)`. */
export const runSuite = (name: string, layer_: SuiteLayer, options: SuiteOptions | undefined, cases: SuiteCases): void =>
  layer(layer_, { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => cases(it, options ?? {}))
