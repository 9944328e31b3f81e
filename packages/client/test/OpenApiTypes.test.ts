/**
 * The client's types are generated from the published contract: `src/generated/openapi.ts` is
 * openapi-typescript's output for the document the router serves (`makeOpenApiDocument(ROUTES)`,
 * exactly what `GET /openapi.json` answers at the root). This test fails when the committed file
 * and the document disagree; `pnpm --filter @notiflows/client generate` rewrites it.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import openapiTS, { astToString } from "openapi-typescript"
import type { OpenAPI3 } from "openapi-typescript"
import { describe, expect, it } from "vitest"
import { makeOpenApiDocument, ROUTES } from "@notiflows/http-express"

const TARGET = fileURLToPath(new URL("../src/generated/openapi.ts", import.meta.url))

const HEADER = `/**
 * GENERATED from the service's OpenAPI document (\`/openapi.json\`) by openapi-typescript.
 * Do not edit: run \`pnpm --filter @notiflows/client generate\` after a route or Schema changes
 * (test/OpenApiTypes.test.ts fails while this file and the document disagree).
 */
/* eslint-disable */
`

export const generate = async (): Promise<string> =>
  HEADER + astToString(await openapiTS(makeOpenApiDocument(ROUTES) as unknown as OpenAPI3, { exportType: false }))

describe("generated types", () => {
  it("match the OpenAPI document the router serves", async () => {
    const expected = await generate()
    if (process.env["NOTIFLOWS_WRITE_GENERATED"] === "1") writeFileSync(TARGET, expected)
    const committed = readFileSync(TARGET, "utf8")
    expect(committed, "src/generated/openapi.ts is stale: run `pnpm --filter @notiflows/client generate`").toBe(expected)
  })
})
