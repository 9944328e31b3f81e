/**
 * Webhook endpoints over HTTP (EVENTS.md §4.1) on the in-memory adapters: create (201, secret
 * once), list, GET with ETag/304, PATCH merge patch with If-Match, DELETE with If-Match, secret
 * rotation; 404 `resource: webhook`; 422 `invalid_format` for private URLs.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import { makeHarness } from "./harness.js"

const h = makeHarness()

const fields = (res: request.Response): Array<string> =>
  (res.body.error.details.fields as Array<{ field: string; reason: string }>).map(({ field, reason }) => `${field}|${reason}`).sort()

describe("/admin/webhooks", () => {
  it("POST creates (201, secret shown once); GET answers it without the secret, with an ETag and 304", async () => {
    const p = await h.project()
    const res = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: "https://example.com/hooks", description: "CRM" }).expect(201)
    expect(res.body).toEqual({
      id: expect.any(String),
      url: "https://example.com/hooks",
      description: "CRM",
      event_types: ["*"],
      status: "enabled",
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
      previous_secret_expires_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/)
    })
    const { secret: _secret, ...shown } = res.body as Record<string, unknown>
    const get = await request(h.app).get(`/api/admin/webhooks/${res.body.id}`).set(p.admin).expect(200)
    expect(get.body).toEqual(shown)
    const etag = get.headers["etag"] as string
    expect(etag).toMatch(/^"[^"]+"$/)
    expect((await request(h.app).get(`/api/admin/v1/webhooks/${res.body.id}`).set(p.admin).set("If-None-Match", etag)).status).toBe(304)
    const list = await request(h.app).get("/api/admin/webhooks?limit=10").set(p.admin).expect(200)
    expect(list.body.items).toEqual([shown])
    expect(list.body.page).toMatchObject({ has_more_after: false, limit: 10 })
  })

  it("PATCH merges with If-Match (412 on a stale tag); DELETE honours If-Match; unknown ids are 404 webhook", async () => {
    const p = await h.project()
    const created = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: "https://example.com/h" }).expect(201)
    const path = `/api/admin/webhooks/${created.body.id}`
    const before = await request(h.app).get(path).set(p.admin).expect(200)
    const patched = await request(h.app)
      .patch(path)
      .set(p.admin)
      .set("Content-Type", "application/merge-patch+json")
      .set("If-Match", before.headers["etag"] as string)
      .send(JSON.stringify({ status: "disabled", event_types: ["preferences.updated"], id: "ignored" }))
      .expect(200)
    expect(patched.body).toMatchObject({ status: "disabled", disabled_reason: "manual", event_types: ["preferences.updated"], id: created.body.id })
    expect(patched.body.disabled_at).toEqual(expect.any(String))
    const stale = await request(h.app).patch(path).set(p.admin).set("If-Match", before.headers["etag"] as string).send({ description: "x" })
    expect(stale.status).toBe(412)
    expect((await request(h.app).delete(path).set(p.admin).set("If-Match", before.headers["etag"] as string)).status).toBe(412)
    await request(h.app).delete(path).set(p.admin).set("If-Match", patched.headers["etag"] as string).expect(204)
    const gone = await request(h.app).get(path).set(p.admin).expect(404)
    expect(gone.body.error.details).toEqual({ resource: "webhook", id: created.body.id })
    expect((await request(h.app).get("/api/admin/webhooks/nope").set(p.admin)).status).toBe(404)
  })

  it("secret rotation answers the new secret and until when the previous one signs", async () => {
    const p = await h.project()
    const created = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: "https://example.com/h" }).expect(201)
    const rotated = await request(h.app).post(`/api/admin/webhooks/${created.body.id}/secret/rotate`).set(p.admin).send({ overlap_seconds: 3600 }).expect(200)
    expect(rotated.body.secret).toMatch(/^whsec_/)
    expect(rotated.body.secret).not.toBe(created.body.secret)
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3590_000)
    const get = await request(h.app).get(`/api/admin/webhooks/${created.body.id}`).set(p.admin).expect(200)
    expect(get.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at)
  })

  it("422 invalid_format for private or non-https URLs, every problem listed", async () => {
    const p = await h.project()
    const res = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: "https://169.254.169.254/latest" }).expect(422)
    expect(fields(res)).toEqual(["url|invalid_format"])
    const many = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: "https://example.com", event_types: [], colour: 1 }).expect(422)
    expect(fields(many)).toEqual(["colour|unknown_field", "event_types|invalid_format"])
  })
})
