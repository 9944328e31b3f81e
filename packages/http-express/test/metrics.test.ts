import request from "supertest"
import { describe, expect, it } from "vitest"
import { makeMetrics } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

describe("/metrics", () => {
  it("serves Prometheus text with request latencies by route template and the domain counters", async () => {
    const p = await h.project()
    const userId = freshId("u")
    await request(h.app).put(`/api/admin/v1/users/${userId}`).set(p.admin).send({}).expect(201)
    await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin).expect(200)
    await request(h.app).get(`/api/admin/users/nobody/preferences`).set(p.admin).expect(404)
    const key = freshId("k")
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("Idempotency-Key", key).send({}).expect(200)
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("Idempotency-Key", key).send({}).expect(200)
    const res = await request(h.app).get("/api/metrics")
    expect(res.status).toBe(200)
    expect(res.headers["content-type"]).toMatch(/^text\/plain/)
    expect(res.text).toContain('notiflows_http_request_duration_seconds_count{method="GET",route="/admin/users/{user_id}/preferences",status="200"} 1')
    expect(res.text).toContain('notiflows_http_request_duration_seconds_count{method="GET",route="/admin/users/{user_id}/preferences",status="404"} 1')
    // `/admin/v1` and `/admin` count as one route.
    expect(res.text).toContain('notiflows_http_request_duration_seconds_count{method="PUT",route="/admin/users/{user_id}",status="201"} 1')
    expect(res.text).toContain("notiflows_idempotent_replays_total 1")
    expect(res.text).toMatch(/notiflows_version_conflict_retries_total \d+/)
    expect(res.text).not.toContain(p.secretKey)
  })
})

describe("database load gauges", () => {
  it("are named for what they count: the pool size and the use cases in flight", async () => {
    const metrics = makeMetrics({ processMetrics: false, pool: () => ({ max: 10, useCasesInFlight: 3 }) })
    const { text } = await metrics.render()
    expect(text).toContain("notiflows_db_pool_max_connections 10")
    expect(text).toContain("notiflows_use_cases_in_flight 3")
    expect(text).not.toContain("pool_in_use")
  })
})
