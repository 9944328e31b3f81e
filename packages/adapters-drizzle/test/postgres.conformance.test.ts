import { describe, layer } from "@effect/vitest"
import * as Layer from "effect/Layer"
import { categoriesSuite, conformanceSuite, scopedPreferencesSuite, setListingSuite, tenantsSuite, brandingSuite, webhooksSuite } from "@notiflows/testing"
import { modelCases } from "./support/modelCases.js"
import { layerSqlModelInspector } from "./support/SqlModelInspector.js"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"
import { shared } from "./support/shared.js"

// Unreachable outside CI: reported as skipped (in CI the probe fails the file).
const available = await postgresAvailable()

const inspectors = Layer.merge(layerSqlInspector, layerSqlModelInspector)

describe.skipIf(!available)("postgres", () => {
  // A throwaway database per suite, migrated on start-up and dropped at the end.
  const server = shared(Layer.provideMerge(inspectors, layerServer({ poolSize: 8 })))
  conformanceSuite("postgres", server)
  categoriesSuite("postgres categories", server)
  tenantsSuite("postgres tenants", server)
  brandingSuite("postgres branding", server)
webhooksSuite("postgres webhooks", server)
  scopedPreferencesSuite("postgres scoped preferences", server)
  setListingSuite("postgres every set", server)
  layer(server, { excludeTestServices: true, timeout: "120 seconds" })("postgres model storage", (it) => modelCases(it))

  // DATABASE_PREPARE=false: unnamed statements, nothing drizzle-prepared (pgbouncer transaction mode).
  const unprepared = shared(Layer.provideMerge(inspectors, layerServer({ poolSize: 8, prepare: false })))
  conformanceSuite("postgres prepare=false", unprepared)
  categoriesSuite("postgres prepare=false categories", unprepared)
  tenantsSuite("postgres prepare=false tenants", unprepared)
  scopedPreferencesSuite("postgres prepare=false scoped preferences", unprepared)
  setListingSuite("postgres prepare=false every set", unprepared)
  layer(unprepared, { excludeTestServices: true, timeout: "120 seconds" })("postgres prepare=false model storage", (it) => modelCases(it))
})
