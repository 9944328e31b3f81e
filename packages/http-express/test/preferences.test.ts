import express from "express"
import pino from "pino"
import request from "supertest"
import { describe, expect, it } from "vitest"
import { makeRouter } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const seeded = async () => {
  const p = await h.project({ securityMode: "off" })
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/visible").set(p.admin).send({ name: "Visible", default_channel_types: { sms: false } }).expect(201)
  await request(h.app).put("/api/admin/notiflows/hidden").set(p.admin).send({ name: "Hidden", include_in_preferences: false }).expect(201)
  await request(h.app).put("/api/admin/notiflows/security").set(p.admin).send({ name: "Security", required: true }).expect(201)
  const user = { "x-notiflows-api-key": p.publicKey, "x-notiflows-user-id": userId }
  return { p, userId, url: `/api/admin/users/${userId}/preferences`, user }
}

describe("preference reads: ETag, 304, explicit view", () => {
  it("strong ETag, If-None-Match 304, explicit view with its own tag", async () => {
    const { p, url } = await seeded()
    const res = await request(h.app).get(url).set(p.admin)
    expect(res.status).toBe(200)
    expect(res.body.notiflows).toEqual({
      hidden: { enabled: true, channel_types: {}, name: "Hidden" },
      security: { enabled: true, channel_types: {}, name: "Security" },
      visible: { enabled: true, channel_types: { sms: false }, name: "Visible" }
    })
    const etag = res.headers["etag"] as string
    expect(etag).toMatch(/^"[^"]+"$/)
    const r304 = await request(h.app).get(url).set(p.admin).set("If-None-Match", etag)
    expect(r304.status).toBe(304)
    expect(r304.headers["etag"]).toBe(etag)
    expect(r304.headers["cache-control"]).toBe("private, no-cache")
    expect(r304.text).toBe("")
    expect((await request(h.app).get(url).set(p.admin).set("If-None-Match", `W/${etag}`)).status).toBe(304)
    expect((await request(h.app).get(url).set(p.admin).set("If-None-Match", '"other"')).status).toBe(200)
    const explicit = await request(h.app).get(`${url}?explicit=true`).set(p.admin)
    expect(explicit.body).toEqual({ channel_types: {}, notiflows: {} })
    expect(explicit.headers["etag"]).not.toBe(etag)
    // The tag changes with the catalog and the defaults, not only the choices.
    await request(h.app).put("/api/admin/preferences/defaults").set(p.admin).send({ channel_types: { chat: false } }).expect(200)
    expect((await request(h.app).get(url).set(p.admin).set("If-None-Match", etag)).status).toBe(200)
  })
  it("GET …/preferences/explicit: the stored choices with their own ETag and 304, on both APIs, same as ?explicit=true", async () => {
    const { p, userId, url, user } = await seeded()
    await request(h.app)
      .put(url)
      .set(p.admin)
      .send({ channel_types: { sms: false }, notiflows: { visible: { enabled: false }, hidden: { channel_types: { email: false } } } })
      .expect(200)
    const view = await request(h.app).get(url).set(p.admin)
    for (const [base, headers, expected] of [
      [url, p.admin, { channel_types: { sms: false }, notiflows: { visible: { enabled: false }, hidden: { channel_types: { email: false } } } }],
      ["/api/admin/v1/users/" + userId + "/preferences", p.admin, { channel_types: { sms: false }, notiflows: { visible: { enabled: false }, hidden: { channel_types: { email: false } } } }],
      // The User API shows configurable notiflows only.
      ["/api/user/preferences", user, { channel_types: { sms: false }, notiflows: { visible: { enabled: false } } }],
      ["/api/user/v1/preferences", user, { channel_types: { sms: false }, notiflows: { visible: { enabled: false } } }]
    ] as const) {
      const res = await request(h.app).get(`${base}/explicit`).set(headers)
      expect(res.status, base).toBe(200)
      expect(res.body).toEqual(expected)
      const etag = res.headers["etag"] as string
      expect(etag).toMatch(/^"[^"]+"$/)
      expect(etag).not.toBe(view.headers["etag"])
      expect(res.headers["cache-control"]).toBe("private, no-cache")
      const legacy = await request(h.app).get(`${base}?explicit=true`).set(headers)
      expect(legacy.body).toEqual(res.body)
      expect(legacy.headers["etag"]).toBe(etag)
      const r304 = await request(h.app).get(`${base}/explicit`).set(headers).set("If-None-Match", etag)
      expect(r304.status).toBe(304)
      expect(r304.headers["etag"]).toBe(etag)
      // The view's tag does not revalidate the explicit view.
      expect((await request(h.app).get(`${base}/explicit`).set(headers).set("If-None-Match", view.headers["etag"] as string)).status).toBe(200)
    }
    const missing = await request(h.app).get("/api/admin/users/nobody-here/preferences/explicit").set(p.admin)
    expect(missing.status).toBe(404)
    expect(missing.body.error.details).toMatchObject({ resource: "user" })
  })
  it("a deleted and re-created user never reuses a tag", async () => {
    const { p, userId, url } = await seeded()
    const before = (await request(h.app).get(url).set(p.admin)).headers["etag"]
    await request(h.app).delete(`/api/admin/users/${userId}`).set(p.admin).expect(204)
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    const after = await request(h.app).get(url).set(p.admin)
    expect(after.headers["etag"]).not.toBe(before)
  })
  it("HEAD answers headers only", async () => {
    const { p, url } = await seeded()
    const res = await request(h.app).head(url).set(p.admin)
    expect(res.status).toBe(200)
    expect(res.headers["etag"]).toBeDefined()
    expect(res.text ?? "").toBe("")
  })
})

describe("preference writes: If-Match, reset, history", () => {
  it("If-Match: current tag and * succeed, weak and stale tags are 412, the explicit tag counts", async () => {
    const { p, url } = await seeded()
    const tag = (await request(h.app).get(url).set(p.admin)).headers["etag"] as string
    const weak = await request(h.app).put(url).set(p.admin).set("If-Match", `W/${tag}`).send({ channel_types: { sms: false } })
    expect(weak.status).toBe(412)
    const ok = await request(h.app).put(url).set(p.admin).set("If-Match", tag).send({ channel_types: { sms: false } })
    expect(ok.status).toBe(200)
    expect(ok.headers["etag"]).not.toBe(tag)
    const stale = await request(h.app).put(url).set(p.admin).set("If-Match", tag).send({ channel_types: { sms: true } })
    expect(stale.status).toBe(412)
    expect(stale.body.error.details.current_status).toBe(ok.headers["etag"])
    await request(h.app).put(url).set(p.admin).set("If-Match", "*").send({ channel_types: { email: false } }).expect(200)
    const explicitTag = (await request(h.app).get(`${url}?explicit=true`).set(p.admin)).headers["etag"] as string
    await request(h.app).delete(url).set(p.admin).set("If-Match", explicitTag).expect(200)
    expect((await request(h.app).delete(url).set(p.admin).set("If-Match", explicitTag)).status).toBe(412)
    expect((await request(h.app).put("/api/admin/users/ghost/preferences").set(p.admin).set("If-Match", "*").send({})).status).toBe(404)
  })
  it("DELETE resets to defaults; history is newest first, paginated, with actors and request ids", async () => {
    const { p, url } = await seeded()
    for (const sms of [false, true, false]) {
      await request(h.app).put(url).set(p.admin).set("x-request-id", `rq-${String(sms)}`).send({ channel_types: { sms } }).expect(200)
    }
    const noop = await request(h.app).put(url).set(p.admin).send({ channel_types: { sms: false } })
    expect(noop.status).toBe(200)
    const reset = await request(h.app).delete(url).set(p.admin)
    expect(reset.body.channel_types.sms).toBe(true)
    const page1 = await request(h.app).get(`${url}/history?limit=2`).set(p.admin)
    expect(page1.status).toBe(200)
    expect(page1.body.items.map((e: { version: number }) => e.version)).toEqual([4, 3])
    expect(page1.body.items[0].changes).toEqual([{ path: "channel_types.sms", from: false, to: null }])
    expect(page1.body.items[0].actor).toEqual({ type: "secret_key", id: p.secretKeyId })
    expect(page1.body.page).toMatchObject({ has_more_after: true, has_more_before: false, limit: 2 })
    const page2 = await request(h.app).get(`${url}/history?limit=2&after=${page1.body.page.after as string}`).set(p.admin)
    expect(page2.body.items.map((e: { version: number }) => e.version)).toEqual([2, 1])
    expect(page2.body.items[1].request_id).toBe("rq-false")
    const back = await request(h.app).get(`${url}/history?limit=2&before=${page2.body.page.before as string}`).set(p.admin)
    expect(back.body.items.map((e: { version: number }) => e.version)).toEqual([4, 3])
  })
})

describe("user API", () => {
  it("shows and accepts only configurable notiflows; hidden ids are unknown_notiflow", async () => {
    const { p, userId, user } = await seeded()
    const view = await request(h.app).get("/api/user/preferences").set(user)
    expect(Object.keys(view.body.notiflows)).toEqual(["visible"])
    const hidden = await request(h.app).put("/api/user/preferences").set(user).send({ notiflows: { hidden: { enabled: false }, security: null } })
    expect(hidden.status).toBe(422)
    expect(hidden.body.error.details.fields.map((f: { reason: string }) => f.reason)).toEqual(["unknown_notiflow", "unknown_notiflow"])
    const ok = await request(h.app).put("/api/user/v1/preferences").set(user).send({ notiflows: { visible: { channel_types: { sms: true } } } })
    expect(ok.body.notiflows.visible.channel_types).toEqual({ sms: true })
    // User and admin views carry different tags; If-Match uses the same API's tag.
    const adminTag = (await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin)).headers["etag"] as string
    expect((await request(h.app).put("/api/user/preferences").set(user).set("If-Match", adminTag).send({})).status).toBe(412)
    const own = await request(h.app).get("/api/user/preferences/history").set(user)
    expect(own.body.items).toHaveLength(1)
    expect((await request(h.app).delete("/api/user/preferences").set(user)).status).toBe(405)
  })
})

describe("host app settings", () => {
  it("etag, fresh and trust proxy settings of the host change nothing", async () => {
    const { p, url } = await seeded()
    for (const configure of [(a: express.Express) => a.set("etag", "strong"), (a: express.Express) => a.set("trust proxy", true)]) {
      const app = express()
      configure(app)
      app.use("/mounted/deeper", makeRouter(h.runtime, { logger: pino({ level: "silent" }), publicUrl: "http://127.0.0.1" }))
      const res = await request(app).get(`/mounted/deeper${url.replace("/api", "")}`).set(p.admin)
      expect(res.status).toBe(200)
      expect(res.headers["etag"]).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
      const list = await request(app).get("/mounted/deeper/admin/users").set(p.admin)
      expect(list.headers["etag"]).toBeUndefined()
      expect((await request(app).get("/mounted/deeper/admin/users").set(p.admin).set("If-None-Match", "*")).status).toBe(200)
    }
  })
})

describe("user API history with hidden notiflows", () => {
  it("keeps cursors from the page as read, so entries filtered out never strand a client", async () => {
    const { p, userId, url, user } = await seeded()
    await request(h.app).put(url).set(p.admin).send({ notiflows: { visible: { enabled: false } } }).expect(200)
    for (const enabled of [false, true, false]) {
      await request(h.app).put(url).set(p.admin).send({ notiflows: { hidden: { enabled } } }).expect(200)
    }
    const first = await request(h.app).get("/api/user/preferences/history?limit=2").set(user)
    expect(first.status).toBe(200)
    expect(first.body.items).toEqual([])
    expect(first.body.page.has_more_after).toBe(true)
    expect(first.body.page.after).toEqual(expect.any(String))
    const second = await request(h.app).get(`/api/user/preferences/history?limit=2&after=${first.body.page.after}`).set(user)
    expect(second.status).toBe(200)
    expect(second.body.items.map((e: { version: number }) => e.version)).toEqual([1])
    expect(JSON.stringify(second.body)).not.toContain("hidden")
    expect(userId).toBeDefined()
  })
})
