/**
 * How a capability suite is registered: one layer build per suite (SQL adapters are expensive),
 * live services (retries may sleep; `TestClock` would stall them), cases isolated by fresh ids.
 */
import type { Vitest } from "@effect/vitest"
import { layer } from "@effect/vitest"
import type * as Layer from "effect/Layer"
import type { IdempotencyRepository } from "@notiflows/domain"
import type { AdapterServices } from "../InMemory.js"
import type { SuiteOptions } from "./fixtures.js"

/** The `it` a capability's cases are registered with. */
export type SuiteIt = Vitest.MethodsNonLive<AdapterServices, true>

/** Every port: what `conformanceSuite` runs its cases with. */
export type ConformanceServices = AdapterServices | IdempotencyRepository

/** What an adapter hands to a single capability suite (`usersSuite`, ...). */
export type SuiteLayer = Layer.Layer<AdapterServices, unknown>

/** What an adapter hands to `conformanceSuite`: every port, the idempotency store included. */
export type ConformanceLayer = Layer.Layer<ConformanceServices, unknown>

/** Registers cases against an `it` whose effects run with the adapter's services. */
export type SuiteCases = (it: SuiteIt, options: SuiteOptions) => void

/** Cases of any capability, against an `it` with every port. */
export type CapabilityCases = (it: Vitest.MethodsNonLive<ConformanceServices, true>, options: SuiteOptions) => void

/** Builds `layer_` once for all of `cases` (in `beforeAll`) inside a `describe(name)`. */
export const runSuite = <R extends ConformanceServices>(
  name: string,
  layer_: Layer.Layer<R, unknown>,
  options: SuiteOptions | undefined,
  cases: (it: Vitest.MethodsNonLive<R, true>, options: SuiteOptions) => void
): void => layer(layer_, { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => cases(it, options ?? {}))
