/**
 * EVENTS.md §4.5 over HTTP on the in-memory adapters: the deliveries log (filters, 404), replay
 * (a range after a cursor in feed order and the current filter, by ids whatever the filter, 409
 * endpoint_disabled / replay_in_progress, 422 unknown ids and bad bodies), and the test ping to a
 * local receiver (private addresses allowed by the policy), verified with `standardwebhooks`.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as Layer from "effect/Layer"
import { WebhookPolicy } from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"
import { Webhook } from "standardwebhooks"
import request from "supertest"
import { afterAll, describe, expect, it } from "vitest"
import { makeHarness } from "./harness.js"

const h = makeHarness({}, Layer.merge(InMemory.layer, Layer.succeed(WebhookPolicy, { allowPrivate: true, timeoutMs: 2_000 })))

const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = []
let answer = 204
const server = http.createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
    res.writeHead(answer, { "retry-after": "7" })
    res.end("thanks")
  })
})
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const fields = (res: request.Response): Array<string> =>
  (res.body.error.details.fields as Array<{ field: string; reason: string }>).map(({ field, reason }) => `${field}|${reason}`).sort()

const setup = async (eventTypes: ReadonlyArray<string> = ["*"]) => {
  const p = await h.project()
  const created = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: receiverUrl, event_types: eventTypes }).expect(201)
  return { p, id: created.body.id as string, secret: created.body.secret as string }
}

describe("deliveries, replay, test", () => {
  it("test ping: one signed webhook.test attempt now, 200 with the delivery whatever the receiver answered; logged", async () => {
    const { p, id, secret } = await setup()
    answer = 204
    const ok = await request(h.app).post(`/api/admin/webhooks/${id}/test`).set(p.admin).expect(200)
    expect(ok.body).toMatchObject({ event_type: "webhook.test", trigger: "test", status: "succeeded", cancelled_reason: null, next_attempt_at: null })
    expect(ok.body.attempts).toEqual([
      { number: 1, started_at: expect.any(String), duration_ms: expect.any(Number), response_status: 204, error: null, retry_after: null, response_body: "" }
    ])
    const last = received[received.length - 1]!
    const event = new Webhook(secret).verify(last.body, last.headers as Record<string, string>) as { id: string; type: string; data: unknown }
    expect(event).toMatchObject({ id: ok.body.event_id, type: "webhook.test", project_id: p.project.id, data: { webhook_id: id } })
    answer = 500
    const failed = await request(h.app).post(`/api/admin/webhooks/${id}/test`).set(p.admin).expect(200)
    expect(failed.body).toMatchObject({ status: "failed", attempts: [{ response_status: 500, error: null, retry_after: 7, response_body: "thanks" }] })
    // A disabled endpoint is tested too.
    await request(h.app).patch(`/api/admin/webhooks/${id}`).set(p.admin).send({ status: "disabled" }).expect(200)
    answer = 204
    await request(h.app).post(`/api/admin/webhooks/${id}/test`).set(p.admin).expect(200)
    const log = await request(h.app).get(`/api/admin/webhooks/${id}/deliveries`).set(p.admin).expect(200)
    expect(log.body.items.map((d: { status: string }) => d.status)).toEqual(["succeeded", "failed", "succeeded"])
    const onlyFailed = await request(h.app).get(`/api/admin/webhooks/${id}/deliveries?status=failed`).set(p.admin).expect(200)
    expect(onlyFailed.body.items).toHaveLength(1)
    const byEvent = await request(h.app).get(`/api/admin/webhooks/${id}/deliveries?event_id=${ok.body.event_id}`).set(p.admin).expect(200)
    expect(byEvent.body.items.map((d: { id: string }) => d.id)).toEqual([ok.body.id])
    expect((await request(h.app).get(`/api/admin/webhooks/${id}/deliveries?status=lost`).set(p.admin)).status).toBe(400)
    expect((await request(h.app).get("/api/admin/webhooks/0190a1f4-0000-7000-8000-000000000000/deliveries").set(p.admin)).status).toBe(404)
  })

  it("replay: a range in feed order under the current filter (202 until), one range at a time; ids whatever the filter; 409 and 422 rules", async () => {
    const { p, id } = await setup(["preferences.updated"])
    const start = await request(h.app).get("/api/admin/events?after=now").set(p.admin).expect(200)
    await request(h.app).put("/api/admin/users/ada").set(p.admin).send({}).expect(201)
    await request(h.app).put("/api/admin/users/ada/preferences").set(p.admin).send({ channel_types: { sms: false } }).expect(200)
    await request(h.app).put("/api/admin/users/ada/preferences").set(p.admin).send({ channel_types: { sms: true } }).expect(200)
    const feed = (await request(h.app).get(`/api/admin/events?after=${start.body.page.after}`).set(p.admin).expect(200)).body.items as Array<{ id: string; type: string }>
    expect(feed.map((e) => e.type)).toEqual(["user.created", "preferences.updated", "preferences.updated"])
    const range = await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ after: start.body.page.after }).expect(202)
    expect(range.body).toEqual({ webhook_id: id, until: expect.any(String) })
    const log = (await request(h.app).get(`/api/admin/webhooks/${id}/deliveries`).set(p.admin).expect(200)).body.items as Array<{ event_id: string; trigger: string; status: string }>
    expect(log.map((d) => d.event_id).reverse()).toEqual([feed[1]!.id, feed[2]!.id])
    expect(log.every((d) => d.trigger === "replay" && d.status === "pending")).toBe(true)
    const busy = await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ after: start.body.page.after }).expect(409)
    expect(busy.body.error.details.reason).toBe("replay_in_progress")
    await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ event_ids: [feed[0]!.id] }).expect(202)
    const unknown = await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ event_ids: [feed[0]!.id, "0190a1f4-0000-7000-8000-000000000000", "x"] }).expect(422)
    expect(fields(unknown)).toEqual(["event_ids.1|invalid_format", "event_ids.2|invalid_format"])
    expect(fields(await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({}).expect(422))).toEqual(["|invalid_format"])
    expect(fields(await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ after: "nope" }).expect(422))).toEqual(["after|invalid_format"])
    expect(fields(await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ event_ids: [] }).expect(422))).toEqual(["event_ids|invalid_format"])
    // Disabling cancels what is pending (endpoint_disabled); a disabled endpoint refuses replays.
    await request(h.app).patch(`/api/admin/webhooks/${id}`).set(p.admin).send({ status: "disabled" }).expect(200)
    const cancelled = (await request(h.app).get(`/api/admin/webhooks/${id}/deliveries?status=cancelled`).set(p.admin).expect(200)).body.items
    expect(cancelled).toHaveLength(3)
    expect(cancelled.every((d: { cancelled_reason: string }) => d.cancelled_reason === "endpoint_disabled")).toBe(true)
    const disabled = await request(h.app).post(`/api/admin/webhooks/${id}/replay`).set(p.admin).send({ event_ids: [feed[0]!.id] }).expect(409)
    expect(disabled.body.error.details.reason).toBe("endpoint_disabled")
  })
})
