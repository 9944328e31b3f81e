import request from "supertest"
import { describe, expect, it } from "vitest"
import { makeHarness } from "./harness.js"

const SEED_BODY = '{ "channel_types": { "sms": false }, "notiflows": { "01HQXYZ123456789ABCDEFGHIJ": { "channel_types": { "email": false }, "enabled": true } } }'

describe("the seed's request (update-user-preferences.txt)", () => {
  it("answers the computed view", async () => {
    const h = makeHarness()
    const p = await h.project()
    const notiflow = await request(h.app)
      .put("/api/admin/notiflows/01HQXYZ123456789ABCDEFGHIJ")
      .set(p.admin)
      .send({ name: "Order Updates" })
    expect(notiflow.status).toBe(201)
    const user = await request(h.app).put("/api/admin/users/user_12345").set(p.admin).send({ email: "a@example.com" })
    expect(user.status).toBe(201)
    const res = await request(h.app)
      .put("/api/admin/users/user_12345/preferences")
      .set("x-notiflows-secret-key", p.secretKey)
      .set("Content-Type", "application/json")
      .send(SEED_BODY)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: false, web_push: true },
      notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { enabled: true, channel_types: { email: false }, name: "Order Updates" } }
    })
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8")
    expect(res.headers["etag"]).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    expect(res.headers["x-request-id"]).toMatch(/^req_/)
    const again = await request(h.app).get("/api/admin/v1/users/user_12345/preferences").set(p.admin)
    expect(again.body).toEqual(res.body)
    expect(again.headers["etag"]).toBe(res.headers["etag"])
    expect(again.headers["cache-control"]).toBe("private, no-cache")
  })
})
