/**
 * @notiflows/testing — the in-memory reference adapters, arbitraries derived from the domain
 * schemas, the merge law suite and the conformance suites every adapter must pass.
 */
export * as InMemory from "./InMemory.js"
export type { AdapterServices, ModelServices } from "./InMemory.js"
export { layer as layerInMemory } from "./InMemory.js"
export * from "./StorageInspector.js"
export * from "./ModelInspector.js"
export { CAPABILITIES } from "./internal/fixtures.js"
export type { Capability, SuiteOptions } from "./internal/fixtures.js"
export type { CapabilityCases, ConformanceLayer, ConformanceServices, SuiteCases, SuiteIt, SuiteLayer } from "./internal/harness.js"
export * from "./ConformanceSuite.js"
export * from "./UsersSuite.js"
export * from "./CatalogSuite.js"
export * from "./ProjectsSuite.js"
export * from "./PreferencesSuite.js"
export * from "./HistorySuite.js"
export * from "./ConcurrencySuite.js"
export * as Arbitraries from "./Arbitraries.js"
export * as Ids from "./Ids.js"
export * from "./MergeLaws.js"
export * from "./IdempotencySuite.js"
export * as OpenApiContract from "./OpenApiContract.js"
