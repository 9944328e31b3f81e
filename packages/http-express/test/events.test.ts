/**
 * The ledger and the feed over HTTP (EVENTS.md §1, §3) on the in-memory adapters: ledger fields
 * in admin and user history (no `context` on the User API), `GET /admin/events` with cursors,
 * limits, types, `now`, cursors bound to their project, 400s, and 410 after retention.
 */
import * as Effect from "effect/Effect"
import request from "supertest"
import { describe, expect, it } from "vitest"
import { EventRepository } from "@notiflows/domain"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const seed = async () => {
  const p = await h.project({ securityMode: "off" })
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  return { p, userId }
}

describe("ledger (EVENTS.md §1)", () => {
  it("admin history shows operation, source and context; the User API's omits context", async () => {
    const { p, userId } = await seed()
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    await request(h.app)
      .put("/api/user/preferences?tenant_id=acme")
      .set("x-notiflows-api-key", p.publicKey)
      .set("x-notiflows-user-id", userId)
      .set("User-Agent", `Agent/${"é".repeat(600)}`)
      .send({ channel_types: { chat: false } })
      .expect(200)
    await request(h.app).delete(`/api/admin/users/${userId}/preferences`).set(p.admin).expect(200)
    const global = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
    expect(global.body.items.map((e: Record<string, unknown>) => [e["version"], e["operation"], e["source"], e["context"], e["tenant_id"]])).toEqual([
      [2, "reset", "admin_api", null, null],
      [1, "patch", "admin_api", null, null]
    ])
    const tenant = await request(h.app).get(`/api/admin/users/${userId}/preferences/history?tenant_id=acme`).set(p.admin).expect(200)
    const entry = tenant.body.items[0] as { source: string; context: { ip: string | null; user_agent: string }; tenant_id: string; actor: { type: string } }
    expect(entry.source).toBe("user_api")
    expect(entry.tenant_id).toBe("acme")
    expect(entry.actor.type).toBe("dev_user_id")
    expect(typeof entry.context.ip).toBe("string")
    expect(Array.from(entry.context.user_agent)).toHaveLength(512)
    const own = await request(h.app)
      .get("/api/user/preferences/history?tenant_id=acme")
      .set("x-notiflows-api-key", p.publicKey)
      .set("x-notiflows-user-id", userId)
      .expect(200)
    expect(own.body.items).toHaveLength(1)
    expect(own.body.items[0]).not.toHaveProperty("context")
    expect(own.body.items[0]).toMatchObject({ operation: "patch", source: "user_api", tenant_id: "acme" })
  })
})

describe("x-notiflows-consent-context on admin writes (EVENTS.md, Decisions 1)", () => {
  it("records the relayed context with source admin_api; a malformed header is 400 invalid_header and changes nothing", async () => {
    const { p, userId } = await seed()
    const h1 = 'ip="2001:db8::1", user_agent="Mozilla/5.0 (X11)", other=?1'
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("x-notiflows-consent-context", h1).send({ channel_types: { sms: false } }).expect(200)
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).set("x-notiflows-consent-context", 'ip="203.0.113.9"').send({ preferences: { channel_types: { sms: true } } }).expect(200)
    await request(h.app).delete(`/api/admin/users/${userId}/preferences`).set(p.admin).expect(200)
    const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
    expect(history.body.items.map((e: { source: string; context: unknown }) => [e.source, e.context])).toEqual([
      ["admin_api", null],
      ["admin_api", { ip: "203.0.113.9", user_agent: null }],
      ["admin_api", { ip: "2001:db8::1", user_agent: "Mozilla/5.0 (X11)" }]
    ])
    for (const bad of ['ip="not an address"', "ip=203", 'ip="1.2.3.4", user_agent=token', "ip=(\"1.2.3.4\")", 'ip="1.2.3.4"; x=', "=="]) {
      const res = await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("x-notiflows-consent-context", bad).send({ channel_types: { email: false } })
      expect(res.status, bad).toBe(400)
      expect(res.body.error.details).toEqual({ reason: "invalid_header", param: "x-notiflows-consent-context" })
    }
    const after = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
    expect(after.body.items).toHaveLength(3)
  })
})

describe("GET /admin/events (EVENTS.md §3)", () => {
  it("pages the project's events oldest first with opaque cursors; page.after is never null", async () => {
    const { p, userId } = await seed()
    for (const sms of [false, true, false]) {
      await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms } }).expect(200)
    }
    const first = await request(h.app).get("/api/admin/events?limit=2").set(p.admin).expect(200)
    expect(first.headers["content-type"]).toBe("application/json; charset=utf-8")
    expect(first.headers["cache-control"]).toBe("no-store")
    // The user's creation comes first (PUT /admin/users/{id}), then the set's versions.
    expect(first.body.items.map((e: { type: string; data: { version?: number } }) => [e.type, e.data.version])).toEqual([
      ["user.created", undefined],
      ["preferences.updated", 1]
    ])
    expect(first.body.items[0].data.user).toMatchObject({ external_id: userId })
    expect(first.body.page).toEqual({ after: expect.any(String), has_more_after: true, limit: 2 })
    const second = await request(h.app).get(`/api/admin/events?after=${first.body.page.after}`).set(p.admin).expect(200)
    expect(second.body.items.map((e: { data: { version: number } }) => e.data.version)).toEqual([2, 3])
    expect(second.body.page).toMatchObject({ has_more_after: false, limit: 100 })
    const empty = await request(h.app).get(`/api/admin/events?after=${second.body.page.after}`).set(p.admin).expect(200)
    expect(empty.body).toEqual({ items: [], page: { after: second.body.page.after, has_more_after: false, limit: 100 } })
    const e = first.body.items[1]
    expect(Object.keys(e)).toEqual(["id", "type", "occurred_at", "project_id", "data"])
    expect(e).toMatchObject({ type: "preferences.updated", project_id: p.project.id, data: { user_id: userId, tenant_id: null, operation: "patch" } })
  })

  it("types filters; now answers the end; another project's cursor and bad values are 400 invalid_param", async () => {
    const { p, userId } = await seed()
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    const only = await request(h.app).get("/api/admin/events?types=preferences.*").set(p.admin).expect(200)
    expect(only.body.items.map((x: { type: string }) => x.type)).toEqual(["preferences.updated"])
    const users = await request(h.app).get("/api/admin/events?types=user.created,user.deleted").set(p.admin).expect(200)
    expect(users.body.items.map((x: { type: string }) => x.type)).toEqual(["user.created"])
    const none = await request(h.app).get("/api/admin/events?types=category.*,tenant_defaults.updated").set(p.admin).expect(200)
    expect(none.body).toEqual({ items: [], page: { after: expect.any(String), has_more_after: false, limit: 100 } })
    const now = await request(h.app).get("/api/admin/events?after=now").set(p.admin).expect(200)
    expect(now.body.items).toEqual([])
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: true } }).expect(200)
    const next = await request(h.app).get(`/api/admin/events?after=${now.body.page.after}`).set(p.admin).expect(200)
    expect(next.body.items.map((x: { data: { version: number } }) => x.data.version)).toEqual([2])

    const other = await h.project()
    for (const [query, param] of [
      [`after=${now.body.page.after}`, "after"],
      ["after=garbage", "after"],
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["types=fax.sent", "types"],
      ["types=preferences.updated,", "types"],
      [`types=${Array(21).fill("user.created").join(",")}`, "types"]
    ] as const) {
      const res = await request(h.app).get(`/api/admin/events?${query}`).set(other.admin)
      expect(res.status, query).toBe(400)
      expect(res.body.error.details).toEqual({ reason: "invalid_param", param })
    }
    const own = await request(h.app).get("/api/admin/events").set(other.admin).expect(200)
    expect(own.body.items).toEqual([])
  })

  it("a cursor behind events removed by retention is 410 cursor_expired", async () => {
    const { p, userId } = await seed()
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    const start = await request(h.app).get("/api/admin/events?after=now").set(p.admin).expect(200)
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: true } }).expect(200)
    await h.runtime.runPromise(Effect.flatMap(EventRepository, (r) => r.purge(new Date(Date.now() + 60_000))))
    const gone = await request(h.app).get(`/api/admin/events?after=${start.body.page.after}`).set(p.admin)
    expect(gone.status).toBe(410)
    expect(gone.body.error).toMatchObject({ code: "cursor_expired", status: 410, details: { param: "after" } })
    const restart = await request(h.app).get("/api/admin/events").set(p.admin).expect(200)
    expect(restart.body.items).toEqual([])
  })
})

describe("/openapi.json webhooks (EVENTS.md §2)", () => {
  it("describes every event type; every event the service writes validates against its type's schema", async () => {
    const { Ajv2020 } = await import("ajv/dist/2020.js")
    const { EVENT_SCHEMAS, EVENT_TYPES } = await import("@notiflows/domain")
    expect(EVENT_SCHEMAS.map((e) => e.type).sort()).toEqual([...EVENT_TYPES].sort())
    const doc = (await request(h.app).get("/api/openapi.json").expect(200)).body as {
      webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: object }> }; parameters: ReadonlyArray<{ name: string }> } }>
      paths: Record<string, Record<string, { parameters: ReadonlyArray<{ name: string; in: string }> }>>
      components: object
    }
    expect(Object.keys(doc.webhooks).sort()).toEqual(EVENT_SCHEMAS.map((e) => e.type).sort())
    for (const hook of Object.values(doc.webhooks)) {
      expect(hook.post.parameters.map((p) => p.name)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"])
    }
    // The consent header is documented where it is taken.
    const consent = (path: string, method: string) => doc.paths[path]![method]!.parameters.some((p) => p.name === "x-notiflows-consent-context" && p.in === "header")
    expect(consent("/admin/users/{user_id}/preferences", "put")).toBe(true)
    expect(consent("/admin/users/{user_id}/preferences", "delete")).toBe(true)
    expect(consent("/admin/users/{user_id}", "put")).toBe(true)
    expect(consent("/admin/users/{user_id}/preferences", "get")).toBe(false)

    // Every kind of change, then an erasure, through the API.
    const { p, userId } = await seed()
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({ email: "x@example.com", preferences: { channel_types: { sms: false } } }).expect(200)
    await request(h.app).put("/api/admin/categories/marketing").set(p.admin).send({ name: "Marketing" }).expect(201)
    const createdNews = await request(h.app).put("/api/admin/notiflows/news").set(p.admin).send({ name: "News", categories: ["marketing"] }).expect(201)
    await request(h.app).put("/api/admin/notiflows/news").set(p.admin).send({ name: "News 2" }).expect(200)
    await request(h.app).delete("/api/admin/notiflows/news").set(p.admin).expect(204)
    await request(h.app).delete("/api/admin/categories/marketing").set(p.admin).expect(204)
    await request(h.app).put("/api/admin/preferences/defaults").set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    await request(h.app).put("/api/admin/tenants/acme/preferences/defaults").set(p.admin).send({ channel_types: { email: false }, locks: { channel_types: { email: true } } }).expect(200)
    await request(h.app).delete("/api/admin/tenants/acme/preferences/defaults").set(p.admin).expect(200)
    const other = freshId("u")
    await request(h.app).put(`/api/admin/users/${other}`).set(p.admin).send({ preferences: { channel_types: { chat: false } } }).expect(201)
    await request(h.app).delete(`/api/admin/users/${other}`).set(p.admin).expect(204)
    const feed = await request(h.app).get("/api/admin/events?limit=1000").set(p.admin).expect(200)
    const items = feed.body.items as ReadonlyArray<{ type: string; data: Record<string, unknown> }>
    expect(items.map((e) => e.type)).toEqual([
      "user.created",
      "user.updated",
      "preferences.updated",
      "category.created",
      "notiflow.created",
      "notiflow.updated",
      "notiflow.deleted",
      "category.deleted",
      "defaults.updated",
      "tenant_defaults.updated",
      "tenant_defaults.updated",
      "user.created",
      "preferences.updated",
      "user.deleted"
    ])
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
    ajv.addSchema({ $id: "doc", components: doc.components })
    for (const item of items) {
      const redacted = item.data["redacted"] === true
      const own = doc.webhooks[item.type]!.post.requestBody.content["application/json"]!.schema
      const schema = redacted ? { $ref: "#/components/schemas/RedactedEvent" } : own
      const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')) as object)
      expect(validate(item), `${item.type}: ${JSON.stringify(validate.errors)}`).toBe(true)
    }
    expect(items.filter((e) => e.data["redacted"] === true)).toHaveLength(2)
    // Catalog events say who wrote them over the admin API.
    const news = items.find((e) => e.type === "notiflow.created")!
    expect(news.data["notiflow"]).toEqual(createdNews.body)
    expect(news.data).toMatchObject({ revision: 1, actor: { type: "secret_key", id: p.secretKeyId }, source: "admin_api", request_id: createdNews.headers["x-request-id"] })
  })
})

describe("DELETE /admin/users/{user_id} (EVENTS.md §1.3)", () => {
  it("erases the idempotency records naming the user: the key is free again", async () => {
    const { p, userId } = await seed()
    const key = freshId("idem")
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).set("Idempotency-Key", key).send({ email: "a@example.com" }).expect(200)
    // Reused for another request while the record exists: 409.
    const reused = await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).set("Idempotency-Key", key).send({ email: "b@example.com" })
    expect(reused.status).toBe(409)
    await request(h.app).delete(`/api/admin/users/${userId}`).set(p.admin).expect(204)
    // The record named the user (its path): gone with it, so the key runs a new request.
    const again = await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).set("Idempotency-Key", key).send({ email: "b@example.com" })
    expect(again.status).toBe(201)
    expect(again.headers["idempotent-replayed"]).toBeUndefined()
    await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
  })
})
