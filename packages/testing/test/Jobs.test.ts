import { jobsSuite } from "../src/JobsSuite.js"
import { layer } from "../src/InMemory.js"

jobsSuite("in-memory jobs", layer)
