import { eventsSuite } from "../src/EventsSuite.js"
import { layer } from "../src/InMemory.js"

eventsSuite("in-memory events", layer)
