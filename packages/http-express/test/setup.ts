/** Checks every response recorded in this test file against `/openapi.json` (see contract.ts). */
import { afterAll } from "vitest"
import { recorder } from "./contract.js"

afterAll(async () => {
  await recorder.verify()
})
