import pino from "pino"
import request from "supertest"
import { afterEach, describe, expect, it, vi } from "vitest"
import { makeRateLimits, parseRateRule } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

const limited = (rules: Parameters<typeof makeRateLimits>[0]["rules"], redis?: Parameters<typeof makeRateLimits>[0]["redis"]) => {
  const rejected: Array<string> = []
  let storeErrors = 0
  const limits = makeRateLimits({
    rules: rules ?? {},
    logger: pino({ level: "silent" }),
    onReject: (policy) => rejected.push(policy),
    onStoreError: () => storeErrors++,
    ...(redis !== undefined ? { redis } : {})
  })
  const h = makeHarness({ hooks: { afterAuth: limits.afterAuth, onAuthFailure: limits.onAuthFailure } })
  return { h, rejected, storeErrors: () => storeErrors }
}

afterEach(() => {
  vi.useRealTimers()
})

describe("rate limit rules", () => {
  it("parses requests per window", () => {
    expect(parseRateRule("1000/1s")).toEqual({ points: 1000, windowSeconds: 1 })
    expect(parseRateRule("600/m")).toEqual({ points: 600, windowSeconds: 60 })
    expect(parseRateRule(" 5 / 2h ")).toEqual({ points: 5, windowSeconds: 7200 })
    for (const bad of ["", "0/1s", "10", "10/0s", "ten/1s", "10/1d"]) expect(() => parseRateRule(bad)).toThrow(/e\.g\. 1000\/1s/)
  })
})

describe("rate limits", () => {
  it("limits the admin API per project with the §3 envelope and the draft headers", async () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    const { h, rejected } = limited({ admin: { points: 3, windowSeconds: 1 } })
    const a = await h.project()
    const b = await h.project()
    const statuses: Array<number> = []
    let last: request.Response | undefined
    for (let i = 0; i < 4; i++) {
      last = await request(h.app).get("/api/admin/users").set(a.admin)
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(last!.body.error).toMatchObject({ code: "rate_limited", status: 429, details: { limit: 3, window: "1s" } })
    expect(last!.body.error.details.retry_after).toBeGreaterThanOrEqual(1)
    expect(last!.headers["retry-after"]).toBe(String(last!.body.error.details.retry_after))
    expect(last!.headers["ratelimit-policy"]).toBe('"admin";q=3;w=1')
    expect(last!.headers["ratelimit"]).toMatch(/^"admin";r=0;t=\d+$/)
    expect(rejected).toEqual(["admin"])
    // Another project has its own budget.
    const other = await request(h.app).get("/api/admin/users").set(b.admin)
    expect(other.status).toBe(200)
    expect(other.headers["ratelimit"]).toMatch(/^"admin";r=2;t=\d$/)
    // The window passes (fake clock): the project is served again.
    vi.setSystemTime(Date.now() + 1100)
    expect((await request(h.app).get("/api/admin/users").set(a.admin)).status).toBe(200)
  })

  it("limits the user API per user and per project", async () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    const { h } = limited({ user: { points: 2, windowSeconds: 1 }, userProject: { points: 3, windowSeconds: 1 } })
    const p = await h.project({ securityMode: "off" })
    const users = [freshId("u"), freshId("u")]
    for (const u of users) await request(h.app).put(`/api/admin/users/${u}`).set(p.admin).send({}).expect(201)
    const as = (u: string) => ({ "x-notiflows-api-key": p.publicKey, "x-notiflows-user-id": u })
    const first = await request(h.app).get("/api/user/preferences").set(as(users[0]!))
    expect(first.status).toBe(200)
    expect(first.headers["ratelimit-policy"]).toBe('"user";q=2;w=1, "project";q=3;w=1')
    expect(first.headers["ratelimit"]).toMatch(/^"user";r=1;t=\d, "project";r=2;t=\d$/)
    expect((await request(h.app).get("/api/user/preferences").set(as(users[0]!))).status).toBe(200)
    const perUser = await request(h.app).get("/api/user/preferences").set(as(users[0]!))
    expect(perUser.status).toBe(429)
    expect(perUser.body.error.details.limit).toBe(2)
    // The second user still has its own budget, until the project's runs out.
    expect((await request(h.app).get("/api/user/preferences").set(as(users[1]!))).status).toBe(200)
    const perProject = await request(h.app).get("/api/user/preferences").set(as(users[1]!))
    expect(perProject.status).toBe(429)
    expect(perProject.body.error.details.limit).toBe(3)
  })

  it("limits failed authentications per address and never blocks valid credentials", async () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    const { h, rejected } = limited({ authFailures: { points: 3, windowSeconds: 1 } })
    const p = await h.project()
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++) statuses.push((await request(h.app).get("/api/admin/users").set("x-notiflows-secret-key", "sk_wrong")).status)
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    expect(rejected).toContain("auth_failures")
    expect((await request(h.app).get("/api/admin/users").set(p.admin)).status).toBe(200)
  })

  it("fails open when the shared store is down, and counts it", async () => {
    // A Redis client that is never ready: rate-limiter-flexible refuses to use it.
    const down = { status: "end", on: () => down, once: () => down } as never
    const { h, storeErrors } = limited({ admin: { points: 1, windowSeconds: 1 } }, down)
    const p = await h.project()
    for (let i = 0; i < 3; i++) expect((await request(h.app).get("/api/admin/users").set(p.admin)).status).toBe(200)
    expect(storeErrors()).toBeGreaterThanOrEqual(3)
  })
})
