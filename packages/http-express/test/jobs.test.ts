/**
 * Bulk writes and jobs over HTTP (BULK.md §1) on the in-memory adapters: 202 with `Location`
 * under the request's own base (mount prefix, `/admin/v1`), the job body without items, 422 with
 * every problem by path, 413 past 1 MiB, `?tenant_id=` refused, Idempotency-Key replays the same
 * job, the consent header on every item, and the job's items with their §3 errors, paged.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import { runNextJob } from "@notiflows/domain"
import { testExecutor } from "@notiflows/testing"
import { ifMatchPrecondition } from "../src/index.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const drain = async () => {
  const options = testExecutor({ precondition: (ifMatch) => ifMatchPrecondition(ifMatch, "admin") })
  while (await h.runtime.runPromise(runNextJob(options))) {
    // until no job is runnable
  }
}

const fields = (res: request.Response): Array<string> =>
  (res.body.error.details.fields as Array<{ field: string; reason: string }>).map(({ field, reason }) => `${field}|${reason}`).sort()

describe("POST /admin/preferences/bulk", () => {
  it("answers 202, the queued job without items, Location under the request's base; GET shows items with §3 errors", async () => {
    const p = await h.project()
    const a = freshId("user")
    await request(h.app).put(`/api/admin/users/${a}`).set(p.admin).send({}).expect(201)
    const ghost = freshId("ghost")
    const res = await request(h.app)
      .post("/api/admin/v1/preferences/bulk")
      .set(p.admin)
      .set("x-notiflows-consent-context", 'ip="203.0.113.9", user_agent="Bulk UA"')
      .send({ user_ids: [a, ghost], preferences: { channel_types: { sms: false } } })
      .expect(202)
    expect(res.headers["location"]).toBe(`/api/admin/v1/jobs/${res.body.id}`)
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: "preferences.bulk",
      status: "queued",
      mode: "merge",
      tenant_id: null,
      counts: { total: 2, pending: 2, updated: 0, unchanged: 0, failed: 0 },
      request_id: res.headers["x-request-id"],
      error: null,
      created_at: expect.any(String),
      started_at: null,
      completed_at: null
    })
    await drain()
    const job = await request(h.app).get(`/api/admin/jobs/${res.body.id}`).set(p.admin).expect(200)
    expect(job.body.status).toBe("completed")
    expect(job.body.counts).toEqual({ total: 2, pending: 0, updated: 1, unchanged: 0, failed: 1 })
    expect(job.body.items).toEqual([
      { index: 0, user_id: a, status: "updated", version: 1, error: null },
      {
        index: 1,
        user_id: ghost,
        status: "failed",
        version: null,
        error: {
          type: "https://docs.notiflows.com/errors/not_found",
          code: "not_found",
          message: "User not found",
          status: 404,
          details: { resource: "user", id: ghost }
        }
      }
    ])
    expect(job.body.page).toEqual({ after: expect.any(String), has_more_after: false, limit: 100 })
    const history = await request(h.app).get(`/api/admin/users/${a}/preferences/history`).set(p.admin).expect(200)
    expect(history.body.items[0]).toMatchObject({
      source: "bulk",
      operation: "patch",
      request_id: res.headers["x-request-id"],
      context: { ip: "203.0.113.9", user_agent: "Bulk UA" }
    })
    const firstPage = await request(h.app).get(`/api/admin/jobs/${res.body.id}?limit=1`).set(p.admin).expect(200)
    expect(firstPage.body.page.has_more_after).toBe(true)
    const second = await request(h.app)
      .get(`/api/admin/jobs/${res.body.id}?limit=1&after=${encodeURIComponent(firstPage.body.page.after as string)}`)
      .set(p.admin)
      .expect(200)
    expect(second.body.items.map((i: { index: number }) => i.index)).toEqual([1])
    const failed = await request(h.app).get(`/api/admin/jobs/${res.body.id}?status=failed`).set(p.admin).expect(200)
    expect(failed.body.items.map((i: { index: number }) => i.index)).toEqual([1])
  })

  it("Location follows the unversioned base; a replayed Idempotency-Key answers the same job", async () => {
    const p = await h.project()
    const key = freshId("idem")
    const body = { items: [{ user_id: freshId("u"), preferences: { channel_types: { email: false } } }] }
    const first = await request(h.app).post("/api/admin/preferences/bulk").set(p.admin).set("Idempotency-Key", key).send(body).expect(202)
    expect(first.headers["location"]).toBe(`/api/admin/jobs/${first.body.id}`)
    const again = await request(h.app).post("/api/admin/preferences/bulk").set(p.admin).set("Idempotency-Key", key).send(body).expect(202)
    expect(again.body.id).toBe(first.body.id)
    expect(again.headers["idempotent-replayed"]).toBe("true")
    const list = await request(h.app).get("/api/admin/jobs").set(p.admin).expect(200)
    expect(list.body.items.map((j: { id: string }) => j.id)).toEqual([first.body.id])
    await drain()
  })

  it("422 lists every problem by path; ?tenant_id= is 400; over 1 MiB is 413; bad ids and cursors are 400; unknown job 404", async () => {
    const p = await h.project()
    const bad = await request(h.app)
      .post("/api/admin/preferences/bulk")
      .set(p.admin)
      .send({ items: [{ user_id: "a", preferences: { channel_types: { fax: false } } }, { user_id: "a", preferences: {}, if_match: "nope" }] })
      .expect(422)
    expect(fields(bad)).toEqual(["items.0.preferences.channel_types.fax|unknown_channel_type", "items.1.if_match|invalid_format", "items.1.user_id|invalid_format"])
    await request(h.app).post("/api/admin/preferences/bulk?tenant_id=t1").set(p.admin).send({ user_ids: ["a"], preferences: {} }).expect(400)
    const big = { user_ids: ["a"], preferences: { channel_types: {} }, pad: "x".repeat(1024 * 1024) }
    const tooLarge = await request(h.app).post("/api/admin/preferences/bulk").set(p.admin).send(big)
    expect(tooLarge.status).toBe(413)
    // 1,000 items of ~300 bytes (over the 256 KiB default limit) are accepted.
    const items = Array.from({ length: 1000 }, (_, i) => ({ user_id: `user_${i}_${"p".repeat(200)}`, preferences: { channel_types: { sms: false } } }))
    await request(h.app).post("/api/admin/preferences/bulk").set(p.admin).send({ items }).expect(202)
    expect((await request(h.app).get("/api/admin/jobs/not-a-uuid").set(p.admin).expect(400)).body.error.details).toMatchObject({ reason: "invalid_param", param: "job_id" })
    const missing = await request(h.app).get("/api/admin/jobs/01890000-0000-7000-8000-000000000000").set(p.admin).expect(404)
    expect(missing.body.error.details).toEqual({ resource: "job", id: "01890000-0000-7000-8000-000000000000" })
    const job = (await request(h.app).get("/api/admin/jobs?limit=1").set(p.admin).expect(200)).body.items[0]
    await request(h.app).get(`/api/admin/jobs/${job.id}?after=bogus`).set(p.admin).expect(400)
    await request(h.app).get(`/api/admin/jobs/${job.id}?status=done`).set(p.admin).expect(400)
    await request(h.app).get(`/api/admin/jobs/${job.id}?limit=0`).set(p.admin).expect(400)
    await drain()
  })
})

