import * as Layer from "effect/Layer"
import { conformanceSuite, idempotencySuite } from "@notiflows/testing"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { layerServer, resolveTarget } from "./support/postgres.js"
import { shared } from "./support/shared.js"

const target = await resolveTarget()
const suffix = target === "postgres" ? "" : " (fell back to PGlite)"

// A throwaway database per suite, migrated on start-up and dropped at the end.
const server = shared(Layer.provideMerge(layerSqlInspector, layerServer(target, { poolSize: 8 })))
conformanceSuite(`postgres${suffix}`, server)
idempotencySuite(`postgres${suffix}`, server)

// DATABASE_PREPARE=false: unnamed statements, nothing drizzle-prepared (pgbouncer transaction mode).
conformanceSuite(`postgres prepare=false${suffix}`, Layer.provideMerge(layerSqlInspector, layerServer(target, { poolSize: 8, prepare: false })))
