/**
 * `GET, PUT /admin/branding` (LINKS.md §2.4) over HTTP on the in-memory adapters: defaults, ETag
 * and 304, merge patch, 422 envelope, If-Match 412, Idempotency-Key replay, and the pages using
 * the stored branding within 5 s.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const fields = (res: request.Response): Array<string> =>
  (res.body.error.details.fields as Array<{ field: string; reason: string }>).map(({ field, reason }) => `${field}|${reason}`).sort()

describe("GET, PUT /admin/branding", () => {
  it("answers every default with a strong ETag; If-None-Match 304; /admin/v1 is the same resource", async () => {
    const p = await h.project()
    const res = await request(h.app).get("/api/admin/branding").set(p.admin).expect(200)
    expect(res.body).toEqual({
      name: expect.any(String),
      logo_url: null,
      accent_color: "#1d4ed8",
      help_url: null,
      privacy_url: null,
      channel_types: ["chat", "email", "in_app", "mobile_push", "sms", "web_push"]
    })
    expect(res.body.name.length).toBeGreaterThan(0)
    const etag = res.headers["etag"] as string
    expect(etag).toMatch(/^"[^"]+"$/)
    const v1 = await request(h.app).get("/api/admin/v1/branding").set(p.admin).expect(200)
    expect(v1.headers["etag"]).toBe(etag)
    const not = await request(h.app).get("/api/admin/branding").set(p.admin).set("If-None-Match", etag)
    expect(not.status).toBe(304)
    expect(not.headers["etag"]).toBe(etag)
  })

  it("PUT is a merge patch answering the GET body; null restores the default; If-Match 412 writes nothing", async () => {
    const p = await h.project()
    const before = await request(h.app).get("/api/admin/branding").set(p.admin).expect(200)
    const put = await request(h.app)
      .put("/api/admin/branding")
      .set(p.admin)
      .set("If-Match", before.headers["etag"] as string)
      .send({ name: "Acme", accent_color: "#0B5FFF", logo_url: "https://cdn.example.com/l.png", channel_types: ["email", "sms"] })
      .expect(200)
    expect(put.body).toEqual({ ...before.body, name: "Acme", accent_color: "#0b5fff", logo_url: "https://cdn.example.com/l.png", channel_types: ["email", "sms"] })
    const get = await request(h.app).get("/api/admin/branding").set(p.admin).expect(200)
    expect(get.body).toEqual(put.body)
    expect(get.headers["etag"]).toBe(put.headers["etag"])
    expect(put.headers["etag"]).not.toBe(before.headers["etag"])
    const stale = await request(h.app).put("/api/admin/branding").set(p.admin).set("If-Match", before.headers["etag"] as string).send({ name: "Other" })
    expect(stale.status).toBe(412)
    expect((await request(h.app).get("/api/admin/branding").set(p.admin)).body.name).toBe("Acme")
    const reset = await request(h.app).put("/api/admin/branding").set(p.admin).send({ name: null, channel_types: null }).expect(200)
    expect(reset.body).toEqual({ ...put.body, name: before.body.name, channel_types: before.body.channel_types })
  })

  it("422 validation_error lists every problem; 422 before 412; nothing written", async () => {
    const p = await h.project()
    const res = await request(h.app)
      .put("/api/admin/branding")
      .set(p.admin)
      .set("If-Match", '"nope"')
      .send({ name: "", logo_url: "http://x.example/l.png", accent_color: "#eeeeee", help_url: "ftp://x", channel_types: [], extra: 1 })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe("validation_error")
    expect(fields(res)).toEqual([
      "accent_color|insufficient_contrast",
      "channel_types|invalid_format",
      "extra|unknown_field",
      "help_url|invalid_format",
      "logo_url|invalid_format",
      "name|invalid_format"
    ])
    expect(JSON.stringify(res.body)).not.toContain("ftp://x")
    const get = await request(h.app).get("/api/admin/branding").set(p.admin).expect(200)
    expect(get.body.accent_color).toBe("#1d4ed8")
  })

  it("Idempotency-Key replays the first answer", async () => {
    const p = await h.project()
    const key = freshId("key")
    const first = await request(h.app).put("/api/admin/branding").set(p.admin).set("Idempotency-Key", key).send({ name: "One" }).expect(200)
    await request(h.app).put("/api/admin/branding").set(p.admin).send({ name: "Two" }).expect(200)
    const again = await request(h.app).put("/api/admin/branding").set(p.admin).set("Idempotency-Key", key).send({ name: "One" }).expect(200)
    expect(again.body).toEqual(first.body)
    expect((await request(h.app).get("/api/admin/branding").set(p.admin)).body.name).toBe("Two")
  })
})

describe("pages use the stored branding", () => {
  it("name, logo (CSP img-src), accent, footer links and channel order; changes seen within 5 s", async () => {
    const p = await h.project()
    const userId = freshId("u")
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
    const link = async (purpose: string) =>
      (await request(h.app).post(`/api/admin/users/${userId}/links`).set(p.admin).send(purpose === "unsubscribe" ? { purpose, scope: { notiflow_id: "newsletter" } } : { purpose }).expect(200)).body
        .token as string
    const plain = await request(h.app).get(`/api/l/unsubscribe/${await link("unsubscribe")}`).expect(200)
    expect(plain.text).toContain("--accent:#1d4ed8")
    await request(h.app)
      .put("/api/admin/branding")
      .set(p.admin)
      .send({
        name: "Acme <Mail>",
        logo_url: "https://cdn.example.com/logo.png",
        accent_color: "#0B5FFF",
        help_url: "https://help.example.com/",
        privacy_url: "https://example.com/privacy",
        channel_types: ["sms", "email"]
      })
      .expect(200)
    h.clock.now += 5_000
    const page = await request(h.app).get(`/api/l/unsubscribe/${await link("unsubscribe")}`).expect(200)
    expect(page.text).toContain("Acme &lt;Mail>")
    expect(page.text).toContain("--accent:#0b5fff")
    expect(page.text).toContain('src="https://cdn.example.com/logo.png"')
    expect(page.text).toContain('href="https://help.example.com/"')
    expect(page.text).toContain('href="https://example.com/privacy"')
    expect(page.headers["content-security-policy"]).toContain("img-src 'self' https://cdn.example.com;")
    const center = await request(h.app).get(`/api/l/preferences/${await link("preference_center")}`).expect(200)
    const sms = center.text.indexOf('name="pref.channel_types.sms"')
    const email = center.text.indexOf('name="pref.channel_types.email"')
    expect(sms).toBeGreaterThan(0)
    expect(email).toBeGreaterThan(sms)
    expect(center.text).not.toContain('name="pref.channel_types.chat"')
  })
})
