/**
 * Issue 10, defect 2 through the router: NUL and lone surrogates in any stored string answer
 * 422 `invalid_format` at their path and change nothing; ids in paths answer 400. Numbers JSON cannot
 * hold (`1e400`, Infinity once parsed) are refused the same way.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const expectInvalidFormat = (res: request.Response, field: string): void => {
  expect(res.status).toBe(422)
  expect(res.body.error.code).toBe("validation_error")
  expect(res.body.error.details.fields).toEqual([{ field, reason: "invalid_format", message: expect.any(String) }])
}

describe("text PostgreSQL cannot store", () => {
  it("a user upsert with NUL or a lone surrogate is 422 and creates nothing", async () => {
    const p = await h.project()
    const id = freshId("u")
    const cases: ReadonlyArray<[unknown, string]> = [
      [{ first_name: "a\u0000b" }, "first_name"],
      [{ last_name: "\ud800" }, "last_name"],
      [{ custom_fields: { k: "\ud800" } }, "custom_fields.k"],
      [{ custom_fields: { nested: [{ deep: "x\u0000" }] } }, "custom_fields.nested.0.deep"],
      [{ custom_fields: { "k\u0000": 1 } }, "custom_fields.k\u0000"]
    ]
    for (const [body, field] of cases) {
      expectInvalidFormat(await request(h.app).put(`/api/admin/users/${id}`).set(p.admin).send(body as object), field)
    }
    expect((await request(h.app).get(`/api/admin/users/${id}`).set(p.admin)).status).toBe(404)
  })

  it("an update with them is 422 and leaves the user as it was", async () => {
    const p = await h.project()
    const id = freshId("u")
    await request(h.app).put(`/api/admin/users/${id}`).set(p.admin).send({ first_name: "Ada", custom_fields: { k: "v" } }).expect(201)
    expectInvalidFormat(await request(h.app).put(`/api/admin/users/${id}`).set(p.admin).send({ custom_fields: { k: "\udfff" } }), "custom_fields.k")
    const read = await request(h.app).get(`/api/admin/users/${id}`).set(p.admin)
    expect(read.body).toMatchObject({ first_name: "Ada", custom_fields: { k: "v" } })
  })

  it("a custom field number JSON cannot hold (1e400) is 422 and creates nothing (it would be stored as null)", async () => {
    const p = await h.project()
    const id = freshId("u")
    const res = await request(h.app).put(`/api/admin/users/${id}`).set(p.admin).set("content-type", "application/json").send(`{"custom_fields":{"big":1e400}}`)
    expectInvalidFormat(res, "custom_fields.big")
    expect((await request(h.app).get(`/api/admin/users/${id}`).set(p.admin)).status).toBe(404)
  })

  it("a notiflow name with them is 422 and creates nothing", async () => {
    const p = await h.project()
    for (const name of ["\u0000", "Orders \ud800"]) {
      expectInvalidFormat(await request(h.app).put("/api/admin/notiflows/orders").set(p.admin).send({ name }), "name")
    }
    expect((await request(h.app).get("/api/admin/notiflows/orders").set(p.admin)).status).toBe(404)
  })

  it("ids in paths with them stay 400 invalid_param", async () => {
    const p = await h.project()
    for (const raw of ["a%00b", "%ED%A0%80"]) {
      const res = await request(h.app).put(`/api/admin/users/${raw}`).set(p.admin).send({})
      expect(res.status).toBe(400)
      expect(res.body.error.details).toEqual({ reason: "invalid_param", param: "user_id" })
    }
  })
})
