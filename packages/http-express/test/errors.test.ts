import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import request from "supertest"
import { describe, expect, it } from "vitest"
import { PreferenceRepository, RepositoryError, ScopedPreferenceRepository, UserNotFound } from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"
import { toErrorResponse } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

/** In-memory adapters whose preference loads fail like a broken database. */
const brokenLayer = (unavailable: boolean) =>
  Layer.effectContext(
    Effect.map(InMemory.make, (ctx) =>
      // Preference reads go through the scoped repository since model v2 (MODEL.md); both fail alike.
      Context.add(
        Context.add(ctx, PreferenceRepository, {
          ...Context.get(ctx, PreferenceRepository),
          load: () =>
            Effect.fail(new RepositoryError({ operation: "preferences.load", unavailable, cause: new Error("SELECT * FROM prefs: password=hunter2 at 10.0.0.5") }))
        }),
        ScopedPreferenceRepository,
        {
          ...Context.get(ctx, ScopedPreferenceRepository),
          load: () =>
            Effect.fail(new RepositoryError({ operation: "preferences.load", unavailable, cause: new Error("SELECT * FROM prefs: password=hunter2 at 10.0.0.5") }))
        }
      )
    )
  )

const h = makeHarness()

const expectEnvelope = (res: request.Response, status: number, code: string) => {
  expect(res.status).toBe(status)
  expect(res.headers["content-type"]).toBe("application/json; charset=utf-8")
  expect(Object.keys(res.body)).toEqual(["error"])
  const e = res.body.error
  expect(e).toMatchObject({ type: `https://docs.notiflows.com/errors/${code}`, code, status })
  expect(e.request_id).toBe(res.headers["x-request-id"])
  expect(Object.keys(e)).toEqual(["type", "code", "message", "status", "request_id", "details"])
}

const seeded = async () => {
  const p = await h.project()
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/n1").set(p.admin).send({ name: "N1" }).expect(201)
  return { p, userId }
}

describe("§3 statuses", () => {
  it("404 route and 405 with Allow", async () => {
    const p = await h.project()
    const r404 = await request(h.app).get("/api/admin/nope").set(p.admin)
    expectEnvelope(r404, 404, "not_found")
    expect(r404.body.error.details).toEqual({ resource: "route" })
    const r405 = await request(h.app).post("/api/admin/users/x/preferences").set(p.admin)
    expectEnvelope(r405, 405, "method_not_allowed")
    expect(r405.headers["allow"]).toBe("GET, PUT, DELETE, HEAD, OPTIONS")
    expect(r405.body.error.details).toEqual({})
    // Paths outside the API are left to the host app.
    expect((await request(h.app).get("/api/host-route")).status).toBe(404)
    expect((await request(h.app).get("/host-route")).text).toBe("host")
  })
  it("415, 413, 400 invalid_json (syntax, empty, depth), duplicate keys last-wins", async () => {
    const { p, userId } = await seeded()
    const url = `/api/admin/users/${userId}/preferences`
    const r415 = await request(h.app).put(url).set(p.admin).set("Content-Type", "text/plain").send("{}")
    expectEnvelope(r415, 415, "unsupported_media_type")
    expect(r415.body.error.details.reason).toBe("unsupported_content_type")
    const big = JSON.stringify({ channel_types: {}, pad: "x".repeat(256 * 1024) })
    const r413 = await request(h.app).put(url).set(p.admin).set("Content-Type", "application/json").send(big)
    expectEnvelope(r413, 413, "payload_too_large")
    expect(r413.body.error.details).toEqual({ limit: 262144 })
    for (const body of ["{", "", "   ", "[".repeat(33) + "]".repeat(33), '{"a":\u0001}']) {
      const res = await request(h.app).put(url).set(p.admin).set("Content-Type", "application/json").send(body)
      expectEnvelope(res, 400, "bad_request")
      expect(res.body.error.details).toEqual({ reason: "invalid_json" })
    }
    const noType = await request(h.app).put(url).set(p.admin)
    expect(noType.body.error.details).toEqual({ reason: "invalid_json" })
    // 32 levels parse (and then fail validation: 422), 33 do not.
    const deep32 = await request(h.app).put(url).set(p.admin).set("Content-Type", "application/json").send("[".repeat(32) + "]".repeat(32))
    expect(deep32.status).toBe(422)
    const dup = await request(h.app)
      .put(url)
      .set(p.admin)
      .set("Content-Type", "application/merge-patch+json")
      .send('{"channel_types":{"sms":true,"sms":false}}')
    expect(dup.status).toBe(200)
    expect(dup.body.channel_types.sms).toBe(false)
  })
  it("400 invalid_param for path and query parameters", async () => {
    const p = await h.project()
    const cases: Array<[string, string]> = [
      [`/api/admin/users/${"x".repeat(256)}`, "user_id"],
      ["/api/admin/users/a%01b", "user_id"],
      ["/api/admin/users/%E0%A4%A", "user_id"],
      ["/api/admin/notiflows/__proto__", "notiflow_id"],
      ["/api/admin/notiflows/bad%20id", "notiflow_id"],
      ["/api/admin/users?limit=0", "limit"],
      ["/api/admin/users?limit=1001", "limit"],
      ["/api/admin/users?after=zzz", "after"],
      ["/api/admin/users?limit=1&limit=2", "limit"]
    ]
    for (const [url, param] of cases) {
      const res = await request(h.app).get(url).set(p.admin)
      expectEnvelope(res, 400, "bad_request")
      expect(res.body.error.details).toEqual({ reason: "invalid_param", param })
    }
  })
  it("404 user / notiflow, 422 fields, 412 with current ETag", async () => {
    const { p, userId } = await seeded()
    const r404 = await request(h.app).get("/api/admin/users/ghost/preferences").set(p.admin)
    expectEnvelope(r404, 404, "not_found")
    expect(r404.body.error.details).toEqual({ resource: "user", id: "ghost" })
    const nf = await request(h.app).post(`/api/admin/users/${userId}/preferences/evaluate`).set(p.admin).send({ notiflow_id: "ghost" })
    expect(nf.body.error.details).toEqual({ resource: "notiflow", id: "ghost" })
    const r422 = await request(h.app)
      .put(`/api/admin/users/${userId}/preferences`)
      .set(p.admin)
      .send({ channel_types: { fax: true, sms: "no" }, notiflows: { nope: { enabled: true } }, extra: 1 })
    expectEnvelope(r422, 422, "validation_error")
    expect(r422.body.error.details.fields).toEqual(
      expect.arrayContaining([
        { field: "channel_types.fax", reason: "unknown_channel_type", message: expect.any(String) },
        { field: "channel_types.sms", reason: "invalid_type", message: expect.any(String) },
        { field: "notiflows.nope", reason: "unknown_notiflow", message: expect.any(String) },
        { field: "extra", reason: "unknown_field", message: expect.any(String) }
      ])
    )
    const current = (await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin)).headers["etag"]
    const r412 = await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("If-Match", '"stale"').send({})
    expectEnvelope(r412, 412, "precondition_failed")
    expect(r412.body.error.details).toEqual({ reason: "etag_mismatch", current_status: current })
    expect(r412.headers["etag"]).toBe(current)
  })
  it("500 and 503 from repository errors never leak causes; logs carry the operation and class, never the cause's message", async () => {
    for (const [unavailable, status, code] of [[false, 500, "internal_error"], [true, 503, "service_unavailable"]] as const) {
      const b = makeHarness({}, brokenLayer(unavailable))
      const p = await b.project()
      const res = await request(b.app).get("/api/admin/users/u1/preferences").set(p.admin)
      expectEnvelope(res, status, code)
      expect(res.body.error.details).toEqual(unavailable ? { retry_after: 1 } : {})
      expect(JSON.stringify(res.body)).not.toMatch(/hunter2|SELECT|10\.0\.0\.5|stack/)
      const logs = b.logs.join("")
      expect(logs).toContain('"operation":"preferences.load"')
      expect(logs).toContain('"type":"Error"')
      expect(logs).not.toMatch(/hunter2|SELECT|10\.0\.0\.5/)
      // A stack only for the unexpected failure, not for an unavailable store.
      expect(logs.includes('"stack"')).toBe(!unavailable)
    }
  })
  it("503 readiness never leaks causes", async () => {
    const failing = makeHarness({ readiness: () => Promise.reject(new Error("SELECT secret FROM pg_shadow")) })
    const res = await request(failing.app).get("/api/readyz")
    expectEnvelope(res, 503, "service_unavailable")
    expect(res.body.error.details).toEqual({ retry_after: 1 })
    expect(res.headers["retry-after"]).toBe("1")
    expect(JSON.stringify(res.body)).not.toContain("pg_shadow")
    expect((await request(h.app).get("/api/readyz")).body).toEqual({ status: "ok" })
    expect((await request(h.app).get("/api/healthz")).body).toEqual({ status: "ok" })
  })
})

describe("order of checks (§3)", () => {
  it("route and method before auth; auth before content type, size and syntax", async () => {
    expect((await request(h.app).get("/api/admin/unknown")).status).toBe(404)
    expect((await request(h.app).patch("/api/admin/users/x")).status).toBe(405)
    const unauth = await request(h.app).put("/api/admin/users/x/preferences").set("Content-Type", "text/plain").send("{")
    expect(unauth.status).toBe(401)
  })
  it("415 before 413 before 400 before path params before 404 before 422 before 412", async () => {
    const { p, userId } = await seeded()
    const bad = `/api/admin/users/${"x".repeat(300)}/preferences`
    const big = "x".repeat(300 * 1024)
    expect((await request(h.app).put(bad).set(p.admin).set("Content-Type", "text/plain").send(big)).status).toBe(415)
    expect((await request(h.app).put(bad).set(p.admin).set("Content-Type", "application/json").send(big)).status).toBe(413)
    expect((await request(h.app).put(bad).set(p.admin).set("Content-Type", "application/json").send("{")).status).toBe(400)
    const param = await request(h.app).put(bad).set(p.admin).send({ bad: true })
    expect(param.body.error.details.reason).toBe("invalid_param")
    expect((await request(h.app).put("/api/admin/users/ghost/preferences").set(p.admin).set("If-Match", '"x"').send({ bad: true })).status).toBe(404)
    expect((await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("If-Match", '"x"').send({ bad: true })).status).toBe(422)
    expect((await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("If-Match", '"x"').send({})).status).toBe(412)
  })
  it("evaluate: unknown user 404, then unknown well-formed notiflow 404, then 422", async () => {
    const { p, userId } = await seeded()
    const ghost = await request(h.app).post("/api/admin/users/ghost/preferences/evaluate").set(p.admin).send({ notiflow_id: "ghost", x: 1 })
    expect(ghost.body.error.details.resource).toBe("user")
    const nf = await request(h.app).post(`/api/admin/users/${userId}/preferences/evaluate`).set(p.admin).send({ notiflow_id: "ghost", x: 1 })
    expect(nf.body.error.details.resource).toBe("notiflow")
    const v = await request(h.app).post(`/api/admin/users/${userId}/preferences/evaluate`).set(p.admin).send({ notiflow_id: "n1", x: 1 })
    expect(v.status).toBe(422)
  })
})

describe("request ids", () => {
  it("echoes valid incoming ids and replaces invalid ones", async () => {
    const ok = await request(h.app).get("/api/healthz").set("x-request-id", "abc.DEF_123-x")
    expect(ok.headers["x-request-id"]).toBe("abc.DEF_123-x")
    for (const bad of ["has space", "x".repeat(129), "ü"]) {
      const res = await request(h.app).get("/api/admin/nope").set("x-request-id", bad)
      expect(res.headers["x-request-id"]).toMatch(/^req_[A-Za-z0-9_-]+$/)
      expect(res.body.error.request_id).toBe(res.headers["x-request-id"])
    }
  })
})

describe("UserNotFound names the user only by the id the caller sent", () => {
  it("an external id is answered; an internal user id (from a port) never is", () => {
    expect(toErrorResponse(new UserNotFound({ externalId: "ada" }), "admin").details).toEqual({ resource: "user", id: "ada" })
    const internalId = "0b7f6f1e-6a43-4a7e-9d1c-2b0b1f0c9a11"
    const answered = toErrorResponse(new UserNotFound({ userId: internalId }), "admin")
    expect(answered.status).toBe(404)
    expect(answered.details).toEqual({ resource: "user" })
    expect(JSON.stringify(answered)).not.toContain(internalId)
  })
})
