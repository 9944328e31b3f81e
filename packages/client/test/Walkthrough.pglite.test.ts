/** The client's walk-through against the router on embedded PGlite. */
import { walkthroughSuite } from "./WalkthroughSuite.js"
import { startService } from "./support.js"

walkthroughSuite("PGlite", () => startService({ database: "pglite" }))
