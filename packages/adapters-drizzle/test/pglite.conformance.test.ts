import * as Layer from "effect/Layer"
import { conformanceSuite } from "@notiflows/testing"
import { layerPglite } from "../src/index.js"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { shared } from "./support/shared.js"

// One migrated in-memory PGlite for the whole file (a fresh one costs ~2 s and ~650 MiB).
const pglite = shared(Layer.provideMerge(layerSqlInspector, layerPglite("memory://")))

conformanceSuite("pglite", pglite)
