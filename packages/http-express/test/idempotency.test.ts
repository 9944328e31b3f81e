import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const seeded = async () => {
  const p = await h.project({ securityMode: "off" })
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/n1").set(p.admin).send({ name: "One" }).expect(201)
  return { p, userId, url: `/api/admin/users/${userId}/preferences` }
}

const historyOf = async (p: { admin: Record<string, string> }, userId: string) =>
  (await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin)).body.items as Array<unknown>

describe("Idempotency-Key", () => {
  it("replays the first response with its status, body and request id, and applies the write once", async () => {
    const { p, userId, url } = await seeded()
    const key = freshId("idem")
    const first = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).set("x-request-id", "first-req").send({ channel_types: { sms: false } })
    expect(first.status).toBe(200)
    expect(first.headers["idempotent-replayed"]).toBeUndefined()
    // Another writer changes the same key meanwhile; the replay still answers the first response.
    await request(h.app).put(url).set(p.admin).send({ channel_types: { sms: true } }).expect(200)
    const again = await request(h.app).put(`/api/admin/v1/users/${userId}/preferences`).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } })
    expect(again.status).toBe(200)
    expect(again.headers["idempotent-replayed"]).toBe("true")
    expect(again.headers["x-request-id"]).toBe("first-req")
    expect(again.headers["etag"]).toBe(first.headers["etag"])
    expect(again.body).toEqual(first.body)
    expect(await historyOf(p, userId)).toHaveLength(2)
  })

  it("treats equivalent bodies (key order) as the same request and a different body as a reuse (409)", async () => {
    const { p, url } = await seeded()
    const key = freshId("idem")
    await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false, email: true } }).expect(200)
    const same = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).type("json").send('{"channel_types":{"email":true,"sms":false}}')
    expect(same.headers["idempotent-replayed"]).toBe("true")
    const reused = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: true } })
    expect(reused.status).toBe(409)
    expect(reused.body.error).toMatchObject({ code: "conflict", details: { reason: "idempotency_key_reused", idempotency_key: key } })
  })

  it("keeps 4xx answers too, but not errors raised before the key is checked", async () => {
    const { p, url } = await seeded()
    const key = freshId("idem")
    const invalid = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { fax: true } })
    expect(invalid.status).toBe(422)
    const replay = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { fax: true } })
    expect(replay.status).toBe(422)
    expect(replay.headers["idempotent-replayed"]).toBe("true")
    // 400 invalid_json comes before the key check: nothing is kept, a corrected retry runs.
    const key2 = freshId("idem")
    await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key2).type("json").send("{oops").expect(400)
    const ok = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key2).send({ channel_types: { sms: false } })
    expect(ok.status).toBe(200)
    expect(ok.headers["idempotent-replayed"]).toBeUndefined()
  })

  it("scopes keys by project: the same key in another project is a new request", async () => {
    const a = await seeded()
    const b = await seeded()
    const key = freshId("idem")
    await request(h.app).put(a.url).set(a.p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } }).expect(200)
    const other = await request(h.app).put(b.url).set(b.p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } })
    expect(other.status).toBe(200)
    expect(other.headers["idempotent-replayed"]).toBeUndefined()
  })

  it("scopes user API keys by user", async () => {
    const { p } = await seeded()
    const u1 = freshId("u")
    const u2 = freshId("u")
    for (const u of [u1, u2]) await request(h.app).put(`/api/admin/users/${u}`).set(p.admin).send({}).expect(201)
    const key = freshId("idem")
    const as = (u: string) => ({ "x-notiflows-api-key": p.publicKey, "x-notiflows-user-id": u, "Idempotency-Key": key })
    await request(h.app).put("/api/user/preferences").set(as(u1)).send({ channel_types: { sms: false } }).expect(200)
    const second = await request(h.app).put("/api/user/preferences").set(as(u2)).send({ channel_types: { sms: false } })
    expect(second.status).toBe(200)
    expect(second.headers["idempotent-replayed"]).toBeUndefined()
  })

  it("a retry storm (20 concurrent requests, one key) applies the write exactly once", async () => {
    const { p, userId, url } = await seeded()
    const key = freshId("idem")
    const results = await Promise.all(
      Array.from({ length: 20 }, () => request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ notiflows: { n1: { enabled: false } } }))
    )
    const statuses = results.map((r) => r.status)
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.details.reason).toBe("idempotency_key_in_use")
    expect(results.filter((r) => r.status === 200 && r.headers["idempotent-replayed"] === undefined)).toHaveLength(1)
    expect(await historyOf(p, userId)).toHaveLength(1)
  })

  it("expires records after 24 h (injected clock)", async () => {
    const { p, userId, url } = await seeded()
    const key = freshId("idem")
    await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } }).expect(200)
    await request(h.app).put(url).set(p.admin).send({ channel_types: { sms: null } }).expect(200)
    h.clock.now += 24 * 60 * 60 * 1000
    const fresh = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", key).send({ channel_types: { sms: false } })
    expect(fresh.headers["idempotent-replayed"]).toBeUndefined()
    expect(await historyOf(p, userId)).toHaveLength(3)
  })

  it("rejects a malformed key with 400 invalid_header", async () => {
    const { p, url } = await seeded()
    const res = await request(h.app).put(url).set(p.admin).set("Idempotency-Key", "x".repeat(256)).send({})
    expect(res.status).toBe(400)
    expect(res.body.error.details).toMatchObject({ reason: "invalid_header" })
  })
})
