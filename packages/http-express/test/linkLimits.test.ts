/**
 * The `/l` limits (LINKS.md §6): per link and per project for pages and forms, failures per
 * address for invalid tokens, and one-click never refused (past ten a minute it writes nothing).
 */
import pino from "pino"
import request from "supertest"
import { describe, expect, it } from "vitest"
import { makeRateLimits } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

const limits = makeRateLimits({
  logger: pino({ level: "silent" }),
  rules: { linkToken: { points: 3, windowSeconds: 60 }, linkFailures: { points: 2, windowSeconds: 60 } }
})
const h = makeHarness({ hooks: { links: limits.links } })

const link = async () => {
  const p = await h.project()
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
  const minted = await request(h.app)
    .post(`/api/admin/users/${userId}/links`)
    .set(p.admin)
    .send({ purpose: "unsubscribe", scope: { notiflow_id: "newsletter" } })
    .expect(200)
  return { p, userId, path: `/api/l/unsubscribe/${minted.body.token as string}` }
}

const oneClick = (path: string) => request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send("List-Unsubscribe=One-Click")

describe("link rate limits", () => {
  it("link_token: pages past the budget are 429 with Retry-After and RateLimit headers; one-click is never refused", async () => {
    const { p, userId, path } = await link()
    for (let i = 0; i < 3; i++) {
      const ok = await request(h.app).get(path).expect(200)
      expect(ok.headers["ratelimit-policy"]).toContain('"link_token";q=3;w=60')
    }
    const refused = await request(h.app).get(path).expect(429)
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0)
    expect(refused.headers["content-type"]).toBe("text/html; charset=utf-8")
    await oneClick(path).expect(200)
    const prefs = await request(h.app).get(`/api/admin/users/${userId}/preferences/explicit`).set(p.admin).expect(200)
    expect(prefs.body.notiflows.newsletter).toEqual({ enabled: false })
  })

  it("one-click past ten a minute for a link answers 200 and writes nothing", async () => {
    const { p, userId, path } = await link()
    for (let i = 0; i < 10; i++) await oneClick(path).expect(200)
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ notiflows: { newsletter: { enabled: true } } }).expect(200)
    await oneClick(path).expect(200)
    const prefs = await request(h.app).get(`/api/admin/users/${userId}/preferences/explicit`).set(p.admin).expect(200)
    expect(prefs.body.notiflows.newsletter).toEqual({ enabled: true })
  })

  it("link_failures: invalid tokens from one address turn 429 past the budget; valid tokens are never blocked", async () => {
    const { path } = await link()
    await request(h.app).get("/api/l/unsubscribe/bogus1").expect(404)
    await request(h.app).get("/api/l/unsubscribe/bogus2").expect(404)
    await request(h.app).get("/api/l/unsubscribe/bogus3").expect(429)
    await request(h.app).get(path).expect(200)
  })
})
