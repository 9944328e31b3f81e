/**
 * `/metrics` passes `promtool check metrics` (Debian's `prometheus` package; `.ci/run` installs
 * it when missing). Outside CI without promtool the test reports SKIPPED, never passed; in CI a
 * missing promtool fails.
 */
import { spawnSync } from "node:child_process"
import request from "supertest"
import { describe, expect, it } from "vitest"
import { INVALID_DEFAULT_GAUGES } from "../src/Metrics.js"
import { makeMetrics } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" })
const hasPromtool = promtool.status === 0
const inCi = process.env["CI"] === "true"
if (!hasPromtool && !inCi) console.warn("promtool is not installed: `promtool check metrics` is SKIPPED (apt-get install prometheus)")

const check = (text: string) => spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })

describe("/metrics under promtool", () => {
  it.skipIf(!hasPromtool && !inCi)("passes `promtool check metrics` with process, pool and request metrics", async () => {
    expect(hasPromtool, "promtool must be installed in CI (.ci/run installs Debian's prometheus)").toBe(true)
    // The production set: process metrics on, pool gauges, and some traffic through the router.
    const metrics = makeMetrics({ processMetrics: true, pool: () => ({ max: 10, useCasesInFlight: 1 }) })
    const h = makeHarness({ metrics: metrics.render, hooks: { onResponse: metrics.observeRequest } })
    const p = await h.project()
    await request(h.app).put(`/api/admin/users/${freshId("u")}`).set(p.admin).send({}).expect(201)
    await request(h.app).get("/api/admin/users/nobody").set(p.admin).expect(404)
    const res = await request(h.app).get("/api/metrics").expect(200)
    expect(res.text).toContain("nodejs_active_handles")
    expect(res.text).toContain("notiflows_http_request_duration_seconds_bucket")
    for (const name of INVALID_DEFAULT_GAUGES) expect(res.text).not.toContain(`${name} `)
    const result = check(res.text)
    expect(`${result.stdout}${result.stderr}`).toBe("")
    expect(result.status).toBe(0)
  })

  it.skipIf(!hasPromtool && !inCi)("promtool does refuse prom-client's default `_total` gauges (the check is not vacuous)", async () => {
    expect(hasPromtool).toBe(true)
    const { Registry, collectDefaultMetrics } = await import("prom-client")
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const result = check(await registry.metrics())
    expect(`${result.stdout}${result.stderr}`).toMatch(/nodejs_active_handles_total/)
  })
})
