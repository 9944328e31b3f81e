/**
 * Preference model v2 over HTTP (MODEL.md §4, §5, §8) on the in-memory adapters: categories,
 * tenant defaults with locks, the tenants list, `?tenant_id=` on preference and evaluate routes,
 * M§3's write example and a `tenant_lock` decision, and the v1 shapes without a tenant.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const fields = (res: request.Response): Array<{ field: string; reason: string }> =>
  (res.body.error.details.fields as Array<{ field: string; reason: string }>).map(({ field, reason }) => ({ field, reason }))

/** M§3's catalog: `product` (sms off by default), `marketing`, `newsletter` in both, a user, and tenant `acme`. */
const worked = async () => {
  const p = await h.project()
  const admin = (r: request.Test) => r.set(p.admin)
  await admin(request(h.app).put("/api/admin/categories/product")).send({ name: "Product news", default_channel_types: { sms: false } }).expect(201)
  await admin(request(h.app).put("/api/admin/categories/marketing")).send({ name: "Marketing" }).expect(201)
  await admin(request(h.app).put("/api/admin/notiflows/newsletter")).send({ name: "Newsletter", categories: ["product", "marketing"] }).expect(201)
  const userId = freshId("u")
  await admin(request(h.app).put(`/api/admin/users/${userId}`)).send({}).expect(201)
  const tenant = freshId("acme")
  return { p, userId, tenant }
}

const lockEmail = (p: SeededProject, tenant: string) =>
  request(h.app)
    .put(`/api/admin/tenants/${tenant}/preferences/defaults`)
    .set(p.admin)
    .send({ channel_types: { email: false }, locks: { channel_types: { email: true } } })
    .expect(200)

describe("categories (M§5)", () => {
  it("create 201, update 200, read, list, soft delete 204 then 404 category, restore 201 from the defaults", async () => {
    const p = await h.project()
    const created = await request(h.app).put("/api/admin/categories/marketing").set(p.admin).send({ name: "Marketing", default_enabled: false })
    expect(created.status).toBe(201)
    expect(Object.keys(created.body)).toEqual(["id", "name", "include_in_preferences", "default_enabled", "default_channel_types", "created_at", "updated_at"])
    expect(created.body).toMatchObject({ id: "marketing", name: "Marketing", include_in_preferences: true, default_enabled: false, default_channel_types: {} })
    const updated = await request(h.app).put("/api/admin/categories/marketing").set(p.admin).send({ default_enabled: null, default_channel_types: { sms: false } })
    expect(updated.status).toBe(200)
    expect(updated.body).toMatchObject({ default_enabled: true, default_channel_types: { sms: false } })
    await request(h.app).get("/api/admin/categories/marketing").set(p.admin).expect(200)
    const list = await request(h.app).get("/api/admin/categories").set(p.admin).expect(200)
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual(["marketing"])
    await request(h.app).delete("/api/admin/categories/marketing").set(p.admin).expect(204)
    const gone = await request(h.app).get("/api/admin/categories/marketing").set(p.admin)
    expect(gone.status).toBe(404)
    expect(gone.body.error.details).toEqual({ resource: "category", id: "marketing" })
    expect((await request(h.app).delete("/api/admin/categories/marketing").set(p.admin)).status).toBe(404)
    expect((await request(h.app).get("/api/admin/categories").set(p.admin)).body.items).toEqual([])
    const noName = await request(h.app).put("/api/admin/categories/marketing").set(p.admin).send({})
    expect(noName.status).toBe(422)
    expect(fields(noName)).toEqual([{ field: "name", reason: "required" }])
    const restored = await request(h.app).put("/api/admin/categories/marketing").set(p.admin).send({ name: "Again" })
    expect(restored.status).toBe(201)
    expect(restored.body).toMatchObject({ default_enabled: true, default_channel_types: {} })
  })
  it("a malformed category_id is 400 invalid_param; `required` is 422 unknown_field", async () => {
    const p = await h.project()
    const bad = await request(h.app).put("/api/admin/categories/__proto__").set(p.admin).send({ name: "x" })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details).toMatchObject({ reason: "invalid_param", param: "category_id" })
    const req = await request(h.app).put("/api/admin/categories/c").set(p.admin).send({ name: "x", required: true })
    expect(req.status).toBe(422)
    expect(fields(req)).toEqual([{ field: "required", reason: "unknown_field" }])
  })
  it("notiflows gain `categories` (live ids in order); unknown ids are 422 unknown_category; the list carries [] by default", async () => {
    const { p } = await worked()
    const n = await request(h.app).get("/api/admin/notiflows/newsletter").set(p.admin).expect(200)
    expect(n.body.categories).toEqual(["product", "marketing"])
    const bad = await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ categories: ["product", "nope"] })
    expect(bad.status).toBe(422)
    expect(fields(bad)).toEqual([{ field: "categories.1", reason: "unknown_category" }])
    await request(h.app).put("/api/admin/notiflows/plain").set(p.admin).send({ name: "Plain" }).expect(201)
    const list = await request(h.app).get("/api/admin/notiflows").set(p.admin).expect(200)
    expect(list.body.items.map((i: { id: string; categories: Array<string> }) => [i.id, i.categories])).toEqual([
      ["newsletter", ["product", "marketing"]],
      ["plain", []]
    ])
    await request(h.app).delete("/api/admin/categories/product").set(p.admin).expect(204)
    expect((await request(h.app).get("/api/admin/notiflows/newsletter").set(p.admin)).body.categories).toEqual(["marketing"])
  })
})

describe("tenant defaults and tenants (M§5)", () => {
  it("GET never 404s; PUT checks every lock's value (required / invalid_format at the value's path); strong ETag, 304, If-Match", async () => {
    const p = await h.project()
    const tenant = freshId("t")
    const url = `/api/admin/tenants/${tenant}/preferences/defaults`
    const empty = await request(h.app).get(url).set(p.admin).expect(200)
    expect(empty.body).toEqual({ channel_types: {}, categories: {}, notiflows: {}, locks: { channel_types: {}, categories: {}, notiflows: {} } })
    expect(empty.headers["etag"]).toMatch(/^"[A-Za-z0-9_-]+"$/)
    const noValue = await request(h.app).put(url).set(p.admin).send({ locks: { channel_types: { email: true } } })
    expect(noValue.status).toBe(422)
    expect(fields(noValue)).toEqual([{ field: "channel_types.email", reason: "required" }])
    const overTrue = await request(h.app).put(url).set(p.admin).send({ channel_types: { email: true }, locks: { channel_types: { email: true } } })
    expect(overTrue.status).toBe(422)
    expect(fields(overTrue)).toEqual([{ field: "channel_types.email", reason: "invalid_format" }])
    const mapNull = await request(h.app).put(url).set(p.admin).send({ locks: { categories: null } })
    expect(mapNull.status).toBe(422)
    const stale = await request(h.app).put(url).set(p.admin).set("If-Match", '"stale"').send({ channel_types: { email: false } })
    expect(stale.status).toBe(412)
    expect(stale.headers["etag"]).toBe(empty.headers["etag"])
    const ok = await request(h.app).put(url).set(p.admin).set("If-Match", String(empty.headers["etag"])).send({ channel_types: { email: false }, locks: { channel_types: { email: true } } })
    expect(ok.status).toBe(200)
    expect(ok.body.locks.channel_types).toEqual({ email: true })
    expect(ok.headers["etag"]).not.toBe(empty.headers["etag"])
    const notModified = await request(h.app).get(url).set(p.admin).set("If-None-Match", String(ok.headers["etag"]))
    expect(notModified.status).toBe(304)
    await request(h.app).put(url).set(p.admin).set("If-Match", "*").send({ channel_types: { sms: false } }).expect(200)
    const cleared = await request(h.app).delete(url).set(p.admin).expect(200)
    expect(cleared.body).toEqual(empty.body)
    expect(cleared.headers["etag"]).toBe(empty.headers["etag"])
  })
  it("a malformed tenant_id (path or query) is 400 invalid_param tenant_id", async () => {
    const p = await h.project()
    for (const url of ["/api/admin/tenants/a%20b/preferences/defaults", "/api/admin/users/u/preferences?tenant_id=constructor", "/api/admin/tenants?user_id=%00"]) {
      const res = await request(h.app).get(url).set(p.admin)
      expect(res.status).toBe(400)
      expect(res.body.error.details.reason).toBe("invalid_param")
    }
    const res = await request(h.app).get("/api/admin/users/u/preferences?tenant_id=").set(p.admin)
    expect(res.body.error.details).toMatchObject({ reason: "invalid_param", param: "tenant_id" })
  })
  it("GET /admin/tenants lists tenants with defaults or sets; ?user_id= only that user's (404 user when unknown)", async () => {
    const { p, userId, tenant } = await worked()
    await lockEmail(p, tenant)
    const other = freshId("beta")
    await request(h.app).put(`/api/admin/users/${userId}/preferences?tenant_id=${other}`).set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    const all = await request(h.app).get("/api/admin/tenants").set(p.admin).expect(200)
    expect(all.body.items).toEqual([{ id: tenant, has_defaults: true }, { id: other, has_defaults: false }].sort((a, b) => (a.id < b.id ? -1 : 1)))
    const mine = await request(h.app).get(`/api/admin/tenants?user_id=${userId}`).set(p.admin).expect(200)
    expect(mine.body.items).toEqual([{ id: other, has_defaults: false }])
    const unknown = await request(h.app).get("/api/admin/tenants?user_id=nobody").set(p.admin)
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.details).toEqual({ resource: "user", id: "nobody" })
  })
})

describe("preferences in a tenant scope (M§2–§5)", () => {
  it("M§3's write example: a locked leaf refuses the whole patch (422 locked), the version does not move; globally it succeeds", async () => {
    const { p, userId, tenant } = await worked()
    await lockEmail(p, tenant)
    const body = { channel_types: { email: true }, notiflows: { newsletter: { enabled: false } } }
    const refused = await request(h.app).put(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).send(body)
    expect(refused.status).toBe(422)
    expect(fields(refused)).toEqual([{ field: "channel_types.email", reason: "locked" }])
    const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(history.body.items).toEqual([])
    const explicit = await request(h.app).get(`/api/admin/users/${userId}/preferences/explicit?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(explicit.body).toEqual({ channel_types: {}, notiflows: {} })
    // false at the locked leaf is the lock's value: accepted, stores nothing.
    await request(h.app).put(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).send({ channel_types: { email: false } }).expect(200)
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send(body).expect(200)
  })
  it("the tenant view has `locked`, the global view none; evaluate ?tenant_id= decides by tenant_lock and gains tenant_id after user_id", async () => {
    const { p, userId, tenant } = await worked()
    await lockEmail(p, tenant)
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { email: true } }).expect(200)
    const tenantView = await request(h.app).get(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(Object.keys(tenantView.body)).toEqual(["channel_types", "categories", "notiflows", "locked"])
    expect(tenantView.body.locked).toEqual({ channel_types: { email: true } })
    expect(tenantView.body.channel_types.email).toBe(false)
    expect(tenantView.body.notiflows.newsletter.categories).toEqual(["product", "marketing"])
    const globalView = await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin).expect(200)
    expect(globalView.body.locked).toBeUndefined()
    expect(globalView.body.channel_types.email).toBe(true)
    const one = await request(h.app)
      .post(`/api/admin/users/${userId}/preferences/evaluate?tenant_id=${tenant}`)
      .set(p.admin)
      .send({ notiflow_id: "newsletter", channel_types: ["email", "sms"] })
      .expect(200)
    expect(Object.keys(one.body)).toEqual(["user_id", "tenant_id", "notiflow_id", "channel_types"])
    expect(one.body.tenant_id).toBe(tenant)
    expect(one.body.channel_types.email).toEqual({ deliver: false, reason: "channel_opt_out", source: "tenant_lock" })
    expect(one.body.channel_types.sms).toEqual({ deliver: false, reason: "category_channel_opt_out", source: "category_default", category_id: "product" })
    const global = await request(h.app).post(`/api/admin/users/${userId}/preferences/evaluate`).set(p.admin).send({ notiflow_id: "newsletter", channel_types: ["email"] })
    expect(Object.keys(global.body)).toEqual(["user_id", "notiflow_id", "channel_types"])
    expect(global.body.channel_types.email).toEqual({ deliver: true, reason: "allowed", source: "user" })
    const batch = await request(h.app)
      .post(`/api/admin/preferences/evaluate?tenant_id=${tenant}`)
      .set(p.admin)
      .send({ notiflow_id: "newsletter", channel_types: ["email"], user_ids: [userId, "nobody"] })
      .expect(200)
    expect(Object.keys(batch.body)).toEqual(["notiflow_id", "tenant_id", "results"])
    expect(batch.body.results.map((r: { user_found: boolean; channel_types: { email: { source: string } } }) => [r.user_found, r.channel_types.email.source])).toEqual([
      [true, "tenant_lock"],
      [false, "tenant_lock"]
    ])
    const keyInBody = await request(h.app).post("/api/admin/preferences/evaluate").set(p.admin).send({ notiflow_id: "newsletter", user_ids: [userId], tenant_id: tenant })
    expect(keyInBody.status).toBe(422)
    expect(fields(keyInBody)).toEqual([{ field: "tenant_id", reason: "unknown_field" }])
  })
  it("ETags: identical bodies in two scopes differ; a global tag on a tenant write is 412; the tenant's set has its own version and history", async () => {
    const { p, userId, tenant } = await worked()
    const g = await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin).expect(200)
    const t = await request(h.app).get(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(t.text).toBe(g.text)
    expect(t.headers["etag"]).not.toBe(g.headers["etag"])
    const cross = await request(h.app).put(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).set("If-Match", String(g.headers["etag"])).send({ channel_types: { sms: false } })
    expect(cross.status).toBe(412)
    await request(h.app).put(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).set("If-Match", String(t.headers["etag"])).send({ channel_types: { sms: false } }).expect(200)
    const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(history.body.items.map((e: { version: number; tenant_id: string }) => [e.version, e.tenant_id])).toEqual([[1, tenant]])
    expect((await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin)).body.items).toEqual([])
    const reset = await request(h.app).delete(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(reset.body.channel_types.sms).toBe(true)
    expect((await request(h.app).get(`/api/admin/users/${userId}/preferences/history?tenant_id=${tenant}`).set(p.admin)).body.items).toHaveLength(2)
  })
  it("PUT /admin/users/{id} patches the global set, categories included", async () => {
    const { p, userId, tenant } = await worked()
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({ preferences: { categories: { marketing: { enabled: false } } } }).expect(200)
    const view = await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin).expect(200)
    expect(view.body.categories.marketing.enabled).toBe(false)
    const unknown = await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({ preferences: { categories: { nope: { enabled: false } } } })
    expect(unknown.status).toBe(422)
    expect(fields(unknown)).toEqual([{ field: "preferences.categories.nope", reason: "unknown_category" }])
    // The global choice reaches the tenant view (R1 step 3) until the tenant set says otherwise.
    const inTenant = await request(h.app).get(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`).set(p.admin).expect(200)
    expect(inTenant.body.categories.marketing.enabled).toBe(false)
  })
  it("PUT /admin/users/{id}?tenant_id= is 400 invalid_param (preferences there patch the global set)", async () => {
    const p = await h.project()
    const res = await request(h.app).put("/api/admin/users/u1?tenant_id=acme").set(p.admin).send({})
    expect(res.status).toBe(400)
    expect(res.body.error.details).toMatchObject({ reason: "invalid_param", param: "tenant_id" })
  })
  it("order of checks (M§8): tenant_id 400 before the user's 404; lock problems (422) before If-Match (412)", async () => {
    const { p, userId, tenant } = await worked()
    const res = await request(h.app).get("/api/admin/users/nobody/preferences?tenant_id=__proto__").set(p.admin)
    expect(res.status).toBe(400)
    await lockEmail(p, tenant)
    const locked = await request(h.app)
      .put(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`)
      .set(p.admin)
      .set("If-Match", '"stale"')
      .send({ channel_types: { email: null } })
    expect(locked.status).toBe(422)
    expect(fields(locked)).toEqual([{ field: "channel_types.email", reason: "locked" }])
    const unknown = await request(h.app)
      .put(`/api/admin/users/${userId}/preferences?tenant_id=${tenant}`)
      .set(p.admin)
      .set("If-Match", '"stale"')
      .send({ categories: { nope: { enabled: false } } })
    expect(unknown.status).toBe(422)
    expect(fields(unknown)).toEqual([{ field: "categories.nope", reason: "unknown_category" }])
  })
  it("the idempotency fingerprint covers ?tenant_id=: the same key and body in another scope is 409", async () => {
    const { p, userId, tenant } = await worked()
    const key = freshId("idem")
    const url = `/api/admin/users/${userId}/preferences`
    await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } }).expect(200)
    const other = await request(h.app).put(`${url}?tenant_id=${tenant}`).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } })
    expect(other.status).toBe(409)
    expect(other.body.error.details.reason).toBe("idempotency_key_reused")
  })
})

describe("without a tenant or a category the v1 shapes stand (M§7)", () => {
  it("views carry no `categories` or `locked`; history entries gain tenant_id: null", async () => {
    const p = await h.project()
    const userId = freshId("u")
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    const put = await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    expect(Object.keys(put.body)).toEqual(["channel_types", "notiflows"])
    const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
    expect(history.body.items[0].tenant_id).toBeNull()
  })
})
