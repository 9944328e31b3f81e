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

describe("GET /admin/events (EVENTS.md §3)", () => {
  it("pages the project's events oldest first with opaque cursors; page.after is never null", async () => {
    const { p, userId } = await seed()
    for (const sms of [false, true, false]) {
      await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms } }).expect(200)
    }
    const first = await request(h.app).get("/api/admin/events?limit=2").set(p.admin).expect(200)
    expect(first.headers["content-type"]).toBe("application/json; charset=utf-8")
    expect(first.headers["cache-control"]).toBe("no-store")
    expect(first.body.items.map((e: { data: { version: number } }) => e.data.version)).toEqual([1, 2])
    expect(first.body.page).toEqual({ after: expect.any(String), has_more_after: true, limit: 2 })
    const second = await request(h.app).get(`/api/admin/events?after=${first.body.page.after}`).set(p.admin).expect(200)
    expect(second.body.items.map((e: { data: { version: number } }) => e.data.version)).toEqual([3])
    expect(second.body.page).toMatchObject({ has_more_after: false, limit: 100 })
    const empty = await request(h.app).get(`/api/admin/events?after=${second.body.page.after}`).set(p.admin).expect(200)
    expect(empty.body).toEqual({ items: [], page: { after: second.body.page.after, has_more_after: false, limit: 100 } })
    const e = first.body.items[0]
    expect(Object.keys(e)).toEqual(["id", "type", "occurred_at", "project_id", "data"])
    expect(e).toMatchObject({ type: "preferences.updated", project_id: p.project.id, data: { user_id: userId, tenant_id: null, operation: "patch" } })
  })

  it("types filters; now answers the end; another project's cursor and bad values are 400 invalid_param", async () => {
    const { p, userId } = await seed()
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    const only = await request(h.app).get("/api/admin/events?types=preferences.*").set(p.admin).expect(200)
    expect(only.body.items).toHaveLength(1)
    const none = await request(h.app).get("/api/admin/events?types=user.created,user.deleted").set(p.admin).expect(200)
    expect(none.body.items).toEqual([])
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
