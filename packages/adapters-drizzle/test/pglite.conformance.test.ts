import { layer } from "@effect/vitest"
import * as Layer from "effect/Layer"
import { categoriesSuite, conformanceSuite, scopedPreferencesSuite, setListingSuite, tenantsSuite, brandingSuite, webhooksSuite } from "@notiflows/testing"
import { layerPglite } from "../src/index.js"
import { modelCases } from "./support/modelCases.js"
import { layerSqlModelInspector } from "./support/SqlModelInspector.js"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { shared } from "./support/shared.js"

// One migrated in-memory PGlite for the whole file (a fresh one costs ~2 s and ~650 MiB).
const pglite = shared(Layer.provideMerge(Layer.merge(layerSqlInspector, layerSqlModelInspector), layerPglite("memory://")))

conformanceSuite("pglite", pglite)
categoriesSuite("pglite categories", pglite)
tenantsSuite("pglite tenants", pglite)
brandingSuite("pglite branding", pglite)
webhooksSuite("pglite webhooks", pglite)
scopedPreferencesSuite("pglite scoped preferences", pglite)
setListingSuite("pglite every set", pglite)
layer(pglite, { excludeTestServices: true, timeout: "120 seconds" })("pglite model storage", (it) => modelCases(it))
