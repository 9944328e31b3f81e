/** The replica against the router on embedded PGlite. */
import { replicaSuite } from "./ReplicaSuite.js"
import { startService } from "./support.js"

replicaSuite("PGlite", () => startService({ database: "pglite" }), 15)
