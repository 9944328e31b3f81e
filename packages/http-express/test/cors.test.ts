import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()
const ALLOWED = "https://app.example.com"
const OTHER = "https://evil.example.net"

const setup = async () => {
  const p = await h.project({ securityMode: "off", allowedOrigins: [ALLOWED] })
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  const headers = { "x-notiflows-api-key": p.publicKey, "x-notiflows-user-id": userId }
  return { p, userId, headers }
}

describe("CORS on the User API", () => {
  it("preflight: 204 without auth; Allow-* only for an origin some project allows", async () => {
    await setup()
    const ok = await request(h.app)
      .options("/api/user/preferences")
      .set("Origin", ALLOWED)
      .set("Access-Control-Request-Method", "PUT")
      .set("Access-Control-Request-Headers", "x-notiflows-api-key, x-notiflows-user-key, content-type")
    expect(ok.status).toBe(204)
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED)
    expect(ok.headers["access-control-allow-methods"]).toBe("GET, PUT, HEAD")
    expect(ok.headers["access-control-allow-headers"]).toContain("x-notiflows-user-key")
    const no = await request(h.app).options("/api/user/v1/preferences").set("Origin", OTHER).set("Access-Control-Request-Method", "GET")
    expect(no.status).toBe(204)
    expect(Object.keys(no.headers).filter((k) => k.startsWith("access-control-allow"))).toEqual([])
  })
  it("real request: allowed origin sees ACAO and exposed headers; others get 403 origin_not_allowed", async () => {
    const { headers } = await setup()
    const ok = await request(h.app).get("/api/user/preferences").set(headers).set("Origin", ALLOWED)
    expect(ok.status).toBe(200)
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED)
    expect(ok.headers["access-control-expose-headers"]).toContain("ETag")
    expect(ok.headers["access-control-expose-headers"]).toContain("x-request-id")
    expect(ok.headers["access-control-expose-headers"]).toContain("RateLimit")
    expect(ok.headers["vary"]).toContain("Origin")
    const bad = await request(h.app).get("/api/user/preferences").set(headers).set("Origin", OTHER)
    expect(bad.status).toBe(403)
    expect(bad.body.error.code).toBe("forbidden")
    expect(bad.body.error.details).toEqual({ reason: "origin_not_allowed" })
    expect(bad.headers["access-control-allow-origin"]).toBeUndefined()
  })
  it("no origins configured = none allowed; no Origin header = not subject to origins", async () => {
    const p = await h.project({ securityMode: "off" })
    const userId = freshId("u")
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    const headers = { "x-notiflows-api-key": p.publicKey, "x-notiflows-user-id": userId }
    expect((await request(h.app).get("/api/user/preferences").set(headers).set("Origin", ALLOWED)).status).toBe(403)
    expect((await request(h.app).get("/api/user/preferences").set(headers)).status).toBe(200)
  })
  it("401 comes before 403; the allowed origin can read the 401", async () => {
    await setup()
    const res = await request(h.app).get("/api/user/preferences").set("Origin", ALLOWED)
    expect(res.status).toBe(401)
    expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED)
    const other = await request(h.app).get("/api/user/preferences").set("Origin", OTHER)
    expect(other.status).toBe(401)
    expect(other.headers["access-control-allow-origin"]).toBeUndefined()
  })
  it("the admin API sends no CORS headers; OPTIONS there is 204 with Allow", async () => {
    const { p } = await setup()
    const res = await request(h.app).get("/api/admin/users").set(p.admin).set("Origin", ALLOWED)
    expect(res.status).toBe(200)
    expect(res.headers["access-control-allow-origin"]).toBeUndefined()
    const opt = await request(h.app).options("/api/admin/users").set("Origin", ALLOWED)
    expect(opt.status).toBe(204)
    expect(opt.headers["allow"]).toBe("GET, HEAD, OPTIONS")
    expect(opt.headers["access-control-allow-origin"]).toBeUndefined()
  })
})
