import { describe } from "@effect/vitest"
import * as Layer from "effect/Layer"
import { jobsSuite } from "@notiflows/testing"
import { layerPglite } from "../src/index.js"
import { layerSqlModelInspector } from "./support/SqlModelInspector.js"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"
import { shared } from "./support/shared.js"

const inspectors = Layer.merge(layerSqlInspector, layerSqlModelInspector)

jobsSuite("pglite jobs", shared(Layer.provideMerge(inspectors, layerPglite("memory://"))))

// Unreachable outside CI: reported as skipped (in CI the probe fails the file).
const available = await postgresAvailable()

describe.skipIf(!available)("postgres", () => {
  jobsSuite("postgres jobs", shared(Layer.provideMerge(inspectors, layerServer({ poolSize: 8 }))))
})
