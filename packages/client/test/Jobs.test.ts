/**
 * `admin.preferences.bulk` and `admin.jobs` (BULK.md §1) with a fake `fetch`: the submit's path,
 * body and Idempotency-Key; a job's items walked page by page with `after` and `status`; `wait`
 * polling until the job ends.
 */
import { describe, expect, it } from "vitest"
import { createAdminClient } from "../src/index.js"

const job = (status: string) => ({
  id: "0193b7d2-8a4e-7c4e-9f00-000000000001",
  type: "preferences.bulk",
  status,
  mode: "merge",
  tenant_id: null,
  counts: { total: 2, pending: status === "completed" ? 0 : 2, updated: status === "completed" ? 2 : 0, unchanged: 0, failed: 0 },
  request_id: "req_1",
  error: null,
  created_at: "2026-11-30T09:00:00.000Z",
  started_at: null,
  completed_at: null
})
const item = (index: number) => ({ index, user_id: `u${index}`, status: "updated", version: 1, error: null })

const fake = (answers: ReadonlyArray<{ status: number; body: unknown }>) => {
  const calls: Array<{ url: URL; method: string; headers: Headers; body: unknown }> = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: new URL(String(input)), method: init?.method ?? "GET", headers: new Headers(init?.headers), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) })
    const a = answers[Math.min(calls.length - 1, answers.length - 1)]!
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { "content-type": "application/json", "x-request-id": "req_x" } })
  }) as typeof globalThis.fetch
  return { calls, admin: createAdminClient({ baseUrl: "http://api.test", secretKey: "sk_test", fetch, retry: false }) }
}

describe("admin.preferences.bulk and admin.jobs", () => {
  it("submits to /admin/v1/preferences/bulk with an Idempotency-Key and answers the queued job", async () => {
    const { calls, admin } = fake([{ status: 202, body: job("queued") }])
    const res = await admin.preferences.bulk({ user_ids: ["u0", "u1"], preferences: { channel_types: { sms: false } } })
    expect(res.data.status).toBe("queued")
    expect(res.data.counts.total).toBe(2)
    expect([calls[0]!.method, calls[0]!.url.pathname]).toEqual(["POST", "/admin/v1/preferences/bulk"])
    expect(calls[0]!.headers.get("idempotency-key")).toMatch(/.+/)
    expect(calls[0]!.body).toEqual({ user_ids: ["u0", "u1"], preferences: { channel_types: { sms: false } } })
  })

  it("walks a job's items page by page (after, status) and waits for the end", async () => {
    const { calls, admin } = fake([
      { status: 200, body: { ...job("completed"), items: [item(0)], page: { after: "c1", has_more_after: true, limit: 1 } } },
      { status: 200, body: { ...job("completed"), items: [item(1)], page: { after: "c2", has_more_after: false, limit: 1 } } }
    ])
    const items = await admin.jobs.items(job("x").id, { limit: 1, status: "updated" }).toArray()
    expect(items.map((i) => i.index)).toEqual([0, 1])
    expect(calls.map((c) => [c.url.pathname, c.url.searchParams.get("after"), c.url.searchParams.get("status")])).toEqual([
      [`/admin/v1/jobs/${job("x").id}`, null, "updated"],
      [`/admin/v1/jobs/${job("x").id}`, "c1", "updated"]
    ])
    const waiting = fake([
      { status: 200, body: { ...job("running"), items: [], page: { after: null, has_more_after: false, limit: 1 } } },
      { status: 200, body: { ...job("completed"), items: [], page: { after: null, has_more_after: false, limit: 1 } } }
    ])
    const done = await waiting.admin.jobs.wait(job("x").id, { intervalMs: 1 })
    expect(done.data.status).toBe("completed")
    expect(waiting.calls).toHaveLength(2)
  })
})
