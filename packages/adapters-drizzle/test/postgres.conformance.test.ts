import { describe } from "@effect/vitest"
import * as Layer from "effect/Layer"
import { conformanceSuite } from "@notiflows/testing"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"
import { shared } from "./support/shared.js"

// Unreachable outside CI: reported as skipped (in CI the probe fails the file).
const available = await postgresAvailable()

describe.skipIf(!available)("postgres", () => {
  // A throwaway database per suite, migrated on start-up and dropped at the end.
  conformanceSuite("postgres", shared(Layer.provideMerge(layerSqlInspector, layerServer({ poolSize: 8 }))))

  // DATABASE_PREPARE=false: unnamed statements, nothing drizzle-prepared (pgbouncer transaction mode).
  conformanceSuite("postgres prepare=false", Layer.provideMerge(layerSqlInspector, layerServer({ poolSize: 8, prepare: false })))
})
