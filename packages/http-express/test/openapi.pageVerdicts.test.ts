/**
 * The document's verdict is the server's, for the `/l` form bodies (LINKS.md §3, §5; issue 9's
 * rule applied to the pages): generated form bodies (field names and values from what pages,
 * mailbox providers and mistakes send, repeated fields included) go to a fresh link, and the
 * server's accept/refuse verdict must equal Ajv's verdict against the operation's request body in
 * `/openapi.json`, read as the readers read a form (a repeated field counts with its last value).
 *
 * Accepted: 200 (or the center's 409 stale page: a current `etag` is state, not shape). Refused:
 * the 400 page (a multipart body that is not one-click: 415). An undo form with a non-empty ticket
 * has no verdict: whether a ticket verifies is cryptography, a second pass the document states in
 * words only.
 */
import { Ajv2020 } from "ajv/dist/2020.js"
import * as fc from "fast-check"
import request from "supertest"
import { beforeAll, describe, expect, it } from "vitest"
import { makeOpenApiDocument, ROUTES } from "../src/index.js"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()
const doc = makeOpenApiDocument(ROUTES, "/api") as { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: object }> } }>> }
const ajv = new Ajv2020({ strict: false })
const bodySchema = (path: string, type: string) => ajv.compile(doc.paths[path]!["post"]!.requestBody.content[type]!.schema)
const RUNS = 60
let p: SeededProject
let userId: string

beforeAll(async () => {
  p = await h.project()
  userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
})

const mint = async (purpose: "unsubscribe" | "preference_center"): Promise<string> => {
  const body = purpose === "unsubscribe" ? { purpose, scope: { notiflow_id: "newsletter", channel_type: "email" } } : { purpose }
  const res = await request(h.app).post(`/api/admin/users/${userId}/links`).set(p.admin).send(body).expect(200)
  return `/api/l/${purpose === "unsubscribe" ? "unsubscribe" : "preferences"}/${res.body.token as string}`
}

/** A form as its reader sees it: the last value of each field. */
const asObject = (fields: ReadonlyArray<readonly [string, string]>): Record<string, string> => Object.fromEntries(fields)

const fieldsOf = (names: ReadonlyArray<string>, values: ReadonlyArray<string>, minLength = 0) =>
  fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) })), {
    minLength,
    maxLength: 6
  })

const UNSUBSCRIBE_NAMES = ["List-Unsubscribe", "list-unsubscribe", "action", "undo", "lang", "other"]
const UNSUBSCRIBE_VALUES = ["One-Click", "ONE-click", "One-Click ", "no", "", "unsubscribe", "resubscribe", "undo", "save", "de"]

const urlencoded = (path: string, fields: ReadonlyArray<readonly [string, string]>) =>
  request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send(new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString())

const multipart = (path: string, fields: ReadonlyArray<readonly [string, string]>) => {
  let req = request(h.app).post(path)
  for (const [k, v] of fields) req = req.field(k, v)
  return req
}

describe("/l form bodies: the document's verdict is the server's", () => {
  it("POST /l/unsubscribe/{token}, urlencoded", async () => {
    const valid = bodySchema("/l/unsubscribe/{token}", "application/x-www-form-urlencoded")
    await fc.assert(
      fc.asyncProperty(fieldsOf(UNSUBSCRIBE_NAMES, UNSUBSCRIBE_VALUES), async (fields) => {
        const form = asObject(fields)
        const documented = valid(form)
        const res = await urlencoded(await mint("unsubscribe"), fields)
        expect([200, 400], JSON.stringify(fields)).toContain(res.status)
        const oneClick = /^one-click$/i.test(form["List-Unsubscribe"] ?? "")
        if (!oneClick && form["action"] === "undo" && (form["undo"] ?? "") !== "") return // a ticket's validity: no verdict
        expect(res.status === 200, `${JSON.stringify(fields)}: document says ${documented}`).toBe(documented)
      }),
      { numRuns: RUNS }
    )
  })

  it("POST /l/unsubscribe/{token}, multipart (one-click only)", async () => {
    const valid = bodySchema("/l/unsubscribe/{token}", "multipart/form-data")
    await fc.assert(
      fc.asyncProperty(fieldsOf(UNSUBSCRIBE_NAMES, UNSUBSCRIBE_VALUES, 1), async (fields) => {
        const documented = valid(asObject(fields))
        const res = await multipart(await mint("unsubscribe"), fields)
        expect([200, 400, 415], JSON.stringify(fields)).toContain(res.status)
        expect(res.status === 200, `${JSON.stringify(fields)}: document says ${documented}`).toBe(documented)
      }),
      { numRuns: RUNS }
    )
  })

  it("POST /l/preferences/{token}, urlencoded", async () => {
    const valid = bodySchema("/l/preferences/{token}", "application/x-www-form-urlencoded")
    const names = ["etag", "action", "lang", "shown.channel_types.email", "shown.channel_types.sms", "shown.bogus", "pref.channel_types.email", "other"]
    const values = ["ETAG", "", "save", "1", "0", "2", "on", "en"]
    await fc.assert(
      fc.asyncProperty(fieldsOf(names, values), async (generated) => {
        const path = await mint("preference_center")
        const etag = (await request(h.app).get(path).expect(200)).headers["etag"] as string
        // The rendered view's tag where the generator says ETAG (a current one, sometimes).
        const fields = generated.map(([k, v]) => [k, v === "ETAG" ? etag : v] as const)
        const documented = valid(asObject(fields))
        const res = await urlencoded(path, fields)
        expect([200, 400, 409], JSON.stringify(fields)).toContain(res.status)
        expect(res.status !== 400, `${JSON.stringify(fields)}: document says ${documented}`).toBe(documented)
      }),
      { numRuns: RUNS }
    )
  })
})
