/** The client's walk-through against the router on PostgreSQL (a throwaway database; skipped outside CI without a server). */
import { describe } from "vitest"
import { walkthroughSuite } from "./WalkthroughSuite.js"
import { postgresAvailable, startService } from "./support.js"

const available = await postgresAvailable()

describe.skipIf(!available)("PostgreSQL", () => {
  walkthroughSuite("PostgreSQL", () => startService({ database: "postgres" }))
})
