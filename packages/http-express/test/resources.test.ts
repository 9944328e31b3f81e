import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

describe("users", () => {
  it("upsert 201 then 200, read, list newest first with cursors, erase 204 then 404", async () => {
    const p = await h.project()
    const ids = [freshId("a"), freshId("b"), freshId("c")]
    for (const id of ids) {
      const created = await request(h.app).put(`/api/admin/users/${encodeURIComponent(id)}`).set(p.admin).send({ email: `${id}@example.com` })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ external_id: id, email: `${id}@example.com` })
    }
    const updated = await request(h.app).put(`/api/admin/v1/users/${ids[0]!}`).set(p.admin).send({ first_name: "Ada", preferences: { channel_types: { sms: false } } })
    expect(updated.status).toBe(200)
    expect(updated.body.first_name).toBe("Ada")
    expect((await request(h.app).get(`/api/admin/users/${ids[0]!}/preferences`).set(p.admin)).body.channel_types.sms).toBe(false)
    const read = await request(h.app).get(`/api/admin/users/${ids[1]!}`).set(p.admin)
    expect(read.body.external_id).toBe(ids[1])
    const page1 = await request(h.app).get("/api/admin/users?limit=2").set(p.admin)
    expect(page1.body.items.map((u: { external_id: string }) => u.external_id)).toEqual([ids[2], ids[1]])
    expect(page1.body.page.has_more_after).toBe(true)
    const page2 = await request(h.app).get(`/api/admin/users?limit=2&after=${page1.body.page.after as string}`).set(p.admin)
    expect(page2.body.items.map((u: { external_id: string }) => u.external_id)).toEqual([ids[0]])
    expect(page2.body.page.has_more_after).toBe(false)
    expect((await request(h.app).get("/api/admin/users").set(p.admin)).body.page.limit).toBe(25)
    await request(h.app).delete(`/api/admin/users/${ids[0]!}`).set(p.admin).expect(204)
    expect((await request(h.app).delete(`/api/admin/users/${ids[0]!}`).set(p.admin)).status).toBe(404)
    expect((await request(h.app).get(`/api/admin/users/${ids[0]!}`).set(p.admin)).status).toBe(404)
  })
  it("unicode and slash-containing external ids travel percent-encoded", async () => {
    const p = await h.project()
    const id = `josé/${freshId("x")}`
    await request(h.app).put(`/api/admin/users/${encodeURIComponent(id)}`).set(p.admin).send({}).expect(201)
    const res = await request(h.app).get(`/api/admin/users/${encodeURIComponent(id)}/preferences`).set(p.admin)
    expect(res.status).toBe(200)
  })
  it("422 on bad profile fields", async () => {
    const p = await h.project()
    const res = await request(h.app).put("/api/admin/users/u1").set(p.admin).send({ phone: "123", external_id: "other", preferences: null })
    expect(res.status).toBe(422)
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(["external_id", "phone", "preferences"])
  })
})

describe("catalog and defaults", () => {
  it("notiflow upsert, read, list, soft delete, restore", async () => {
    const p = await h.project()
    expect((await request(h.app).put("/api/admin/notiflows/b").set(p.admin).send({})).status).toBe(422)
    await request(h.app).put("/api/admin/notiflows/b").set(p.admin).send({ name: "B" }).expect(201)
    await request(h.app).put("/api/admin/notiflows/a").set(p.admin).send({ name: "A" }).expect(201)
    const upd = await request(h.app).put("/api/admin/notiflows/a").set(p.admin).send({ default_enabled: false })
    expect(upd.status).toBe(200)
    expect(upd.body).toMatchObject({ id: "a", name: "A", default_enabled: false, include_in_preferences: true, required: false })
    expect((await request(h.app).get("/api/admin/notiflows/a").set(p.admin)).body.name).toBe("A")
    const list = await request(h.app).get("/api/admin/notiflows?limit=1").set(p.admin)
    expect(list.body.items.map((n: { id: string }) => n.id)).toEqual(["a"])
    const next = await request(h.app).get(`/api/admin/notiflows?limit=1&after=${list.body.page.after as string}`).set(p.admin)
    expect(next.body.items.map((n: { id: string }) => n.id)).toEqual(["b"])
    await request(h.app).delete("/api/admin/notiflows/a").set(p.admin).expect(204)
    expect((await request(h.app).get("/api/admin/notiflows/a").set(p.admin)).status).toBe(404)
    expect((await request(h.app).delete("/api/admin/notiflows/a").set(p.admin)).status).toBe(404)
    expect((await request(h.app).put("/api/admin/notiflows/a").set(p.admin).send({ name: "A again" })).status).toBe(201)
  })
  it("defaults: read all six, merge patch, null returns to true", async () => {
    const p = await h.project()
    const d = await request(h.app).get("/api/admin/preferences/defaults").set(p.admin)
    expect(d.body).toEqual({ channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: true, web_push: true } })
    const off = await request(h.app).put("/api/admin/preferences/defaults").set(p.admin).send({ channel_types: { sms: false } })
    expect(off.body.channel_types.sms).toBe(false)
    const back = await request(h.app).put("/api/admin/v1/preferences/defaults").set(p.admin).send({ channel_types: { sms: null } })
    expect(back.body.channel_types.sms).toBe(true)
    expect((await request(h.app).put("/api/admin/preferences/defaults").set(p.admin).send({ channel_types: null })).status).toBe(422)
  })
  it("defaults/explicit: only what was stored, a stored true included; the effective view stays as it was", async () => {
    const p = await h.project()
    const explicit = () => request(h.app).get("/api/admin/v1/preferences/defaults/explicit").set(p.admin)
    expect((await explicit()).body).toEqual({ channel_types: {} })
    const before = await request(h.app).get("/api/admin/preferences/defaults").set(p.admin)
    await request(h.app).put("/api/admin/preferences/defaults").set(p.admin).send({ channel_types: { sms: true, email: false } }).expect(200)
    const after = await request(h.app).get("/api/admin/preferences/defaults").set(p.admin)
    // A stored `true` is invisible in the effective view (byte for byte as before, but for email).
    expect(after.text).toBe(before.text.replace('"email":true', '"email":false'))
    const e = await explicit()
    expect(e.status).toBe(200)
    expect(e.text).toBe('{"channel_types":{"email":false,"sms":true}}')
    await request(h.app).put("/api/admin/preferences/defaults").set(p.admin).send({ channel_types: { sms: null } }).expect(200)
    expect((await explicit()).body).toEqual({ channel_types: { email: false } })
    expect((await request(h.app).get("/api/admin/preferences/defaults/explicit")).status).toBe(401)
  })
})

describe("evaluation", () => {
  it("single and batch", async () => {
    const p = await h.project()
    await request(h.app).put("/api/admin/notiflows/n").set(p.admin).send({ name: "N" }).expect(201)
    await request(h.app).put("/api/admin/users/u1").set(p.admin).send({ preferences: { channel_types: { sms: false } } }).expect(201)
    const one = await request(h.app).post("/api/admin/users/u1/preferences/evaluate").set(p.admin).send({ notiflow_id: "n", channel_types: ["sms", "email"] })
    expect(one.body).toEqual({
      user_id: "u1",
      notiflow_id: "n",
      channel_types: {
        sms: { deliver: false, reason: "channel_opt_out", source: "user" },
        email: { deliver: true, reason: "allowed", source: "default" }
      }
    })
    const batch = await request(h.app).post("/api/admin/preferences/evaluate").set(p.admin).send({ notiflow_id: "n", user_ids: ["ghost", "u1"], channel_types: ["sms"] })
    expect(batch.body.results).toEqual([
      { user_id: "ghost", user_found: false, channel_types: { sms: { deliver: true, reason: "allowed", source: "default" } } },
      { user_id: "u1", user_found: true, channel_types: { sms: { deliver: false, reason: "channel_opt_out", source: "user" } } }
    ])
    const empty = await request(h.app).post("/api/admin/preferences/evaluate").set(p.admin).send({ notiflow_id: "n", user_ids: [] })
    expect(empty.body.error.details.fields[0]).toMatchObject({ field: "user_ids", reason: "required" })
    const dup = await request(h.app).post("/api/admin/preferences/evaluate").set(p.admin).send({ notiflow_id: "n", user_ids: ["u1"], channel_types: ["sms", "sms"] })
    expect(dup.body.error.details.fields[0]).toMatchObject({ reason: "invalid_format" })
  })
})
