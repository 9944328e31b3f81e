/** The replica against the router on PostgreSQL (a throwaway database; skipped outside CI without a server). */
import { describe } from "vitest"
import { replicaSuite } from "./ReplicaSuite.js"
import { postgresAvailable, startService } from "./support.js"

const available = await postgresAvailable()

describe.skipIf(!available)("PostgreSQL", () => {
  replicaSuite("PostgreSQL", () => startService({ database: "postgres" }), 42)
})
