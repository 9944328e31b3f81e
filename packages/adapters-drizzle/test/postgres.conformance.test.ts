import * as Layer from "effect/Layer"
import { conformanceSuite } from "@notiflows/testing"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { layerServer, resolveTarget } from "./support/postgres.js"

const target = await resolveTarget()
const suffix = target === "postgres" ? "" : " (fell back to PGlite)"

// A throwaway database per suite, migrated on start-up and dropped at the end.
conformanceSuite(`postgres${suffix}`, layerSqlInspector.pipe(Layer.provideMerge(layerServer(target, { poolSize: 8 }))))

// DATABASE_PREPARE=false: unnamed statements, nothing drizzle-prepared (pgbouncer transaction mode).
conformanceSuite(`postgres prepare=false${suffix}`, layerSqlInspector.pipe(Layer.provideMerge(layerServer(target, { poolSize: 8, prepare: false }))))
