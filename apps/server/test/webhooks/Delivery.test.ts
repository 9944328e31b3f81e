/**
 * Webhook delivery end to end on the built service (EVENTS.md §4.2, §4.3), PGlite: every request
 * verified with `standardwebhooks` once per live secret (both during a rotation's overlap), the
 * exact header set, per-user order of first receipt with a receiver failing at random (retries
 * on a small time scale), Retry-After honoured, 410 disabling the endpoint with
 * `webhook.disabled` in the feed.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { client, randomKey, startService } from "../support.js"
import type { Receiver } from "./receiver.js"
import { eventually, startReceiver, verifyWith } from "./receiver.js"

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

const ENV = {
  NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE: "true",
  NOTIFLOWS_WEBHOOK_TIME_SCALE: "0.0001",
  NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS: "2"
}

const start = async (extra: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "notiflows-webhooks-"))
  const keys = { NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: randomKey("sk") }
  const service = await startService({ ...ENV, ...extra, ...keys, NOTIFLOWS_DATA_DIR: dir })
  cleanups.push(async () => {
    await service.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return { service, api: client(service.url, { "x-notiflows-secret-key": keys.NOTIFLOWS_SECRET_KEY }) }
}

const receive = async (respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> => {
  const r = await startReceiver(respond)
  cleanups.push(() => r.close())
  return r
}

type Event = { id: string; type: string; data: { user_id?: string; version?: number; webhook?: { id: string; status: string; disabled_reason: string } } }

describe("webhook delivery (PGlite)", () => {
  it("signs with both secrets during an overlap, sends exactly the §4.2 headers, keeps each user's versions in order through random failures", async () => {
    const { api, service } = await start()
    let failures = 0
    // Fails ~30% of first receipts at random (never twice in a row for one id, to keep the run short).
    const seen = new Set<string>()
    const receiver = await receive((body) => {
      const id = (JSON.parse(body) as { id: string }).id
      const fail = !seen.has(id) && Math.random() < 0.3
      seen.add(id)
      if (fail) failures++
      return fail ? { status: 503 } : { status: 204 }
    })
    const created = await api.post("/admin/webhooks", { url: receiver.url, event_types: ["preferences.updated", "user.*"] })
    expect(created.status).toBe(201)
    const first = created.body.secret as string
    const users = ["ada", "bob", "cy"]
    for (const u of users) expect((await api.put(`/admin/users/${u}`, {})).status).toBe(201)
    for (let v = 0; v < 5; v++) {
      await Promise.all(users.map(async (u) => expect((await api.put(`/admin/users/${u}/preferences`, { channel_types: { sms: v % 2 === 0 } })).status).toBe(200)))
    }
    const rotated = await api.post(`/admin/webhooks/${created.body.id}/secret/rotate`, { overlap_seconds: 3600 })
    expect(rotated.status).toBe(200)
    const second = rotated.body.secret as string
    for (const u of users) expect((await api.put(`/admin/users/${u}/preferences`, { channel_types: { email: false } })).status).toBe(200)
    const feed = ((await api.get("/admin/events?limit=1000")).body as { items: Array<Event> }).items
    expect(feed).toHaveLength(3 + 15 + 3)
    await eventually(() => new Set(receiver.received.filter((r) => r.status === 204).map((r) => r.id)).size === feed.length, 30_000, "every event delivered")
    // Every request verifies with standardwebhooks, once per live secret: before the rotation with
    // the first only; during the overlap with both (the new one first).
    for (const r of receiver.received) {
      const event = JSON.parse(r.body) as Event
      expect(r.id).toBe((event as { id: string }).id)
      expect(verifyWith(first, r)).toEqual(event)
      if (r.signature.includes(" ")) expect(verifyWith(second, r)).toEqual(event)
      else expect(() => verifyWith(second, r)).toThrow()
      expect(Object.keys(r.headers).sort()).toEqual(["connection", "content-length", "content-type", "host", "user-agent", "webhook-id", "webhook-signature", "webhook-timestamp"])
      expect(r.headers["user-agent"]).toBe("Notiflows-Webhooks/1")
      expect(r.headers["content-type"]).toBe("application/json")
    }
    expect(receiver.received.some((r) => r.signature.split(" ").length === 2)).toBe(true)
    // The body is the feed's stored text, byte for byte.
    const stored = new Map(feed.map((e) => [e.id, JSON.stringify(e)]))
    for (const r of receiver.received) expect(r.body).toBe(stored.get(r.id))
    // Per user: in order of first receipt, feed order (versions ascending).
    for (const u of users) {
      const firsts: Array<string> = []
      for (const r of receiver.received) {
        const e = JSON.parse(r.body) as Event
        const who = e.data.user_id ?? (e.data as { user?: { external_id: string } }).user?.external_id
        if (who === u && !firsts.includes(e.id)) firsts.push(e.id)
      }
      expect(firsts).toEqual(feed.filter((e) => (e.data.user_id ?? (e.data as { user?: { external_id: string } }).user?.external_id) === u).map((e) => e.id))
    }
    // /metrics counts the attempts by outcome.
    const metrics = await (await fetch(`${service.url}/metrics`)).text()
    const count = (outcome: string) => Number(new RegExp(`notiflows_webhook_attempts_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1] ?? "-1")
    expect(count("succeeded")).toBeGreaterThanOrEqual(feed.length)
    expect(count("retry")).toBe(failures)
  })

  it("a 410 disables the endpoint (gone), cancels what is pending and puts webhook.disabled in the feed; Retry-After delays a retry", async () => {
    const { api } = await start()
    const gone = await receive(() => ({ status: 410 }))
    const created = await api.post("/admin/webhooks", { url: gone.url })
    expect(created.status).toBe(201)
    const watcher = await receive()
    const watching = await api.post("/admin/webhooks", { url: watcher.url, event_types: ["webhook.disabled"] })
    expect(watching.status).toBe(201)
    expect((await api.put("/admin/users/ada", {})).status).toBe(201)
    await eventually(async () => (await api.get(`/admin/webhooks/${created.body.id}`)).body.status === "disabled", 20_000, "the endpoint disabled")
    const endpoint = (await api.get(`/admin/webhooks/${created.body.id}`)).body
    expect(endpoint).toMatchObject({ status: "disabled", disabled_reason: "gone" })
    await eventually(() => watcher.received.length > 0, 20_000, "webhook.disabled delivered to the other endpoint")
    const notice = JSON.parse(watcher.received[0]!.body) as Event
    expect(notice.type).toBe("webhook.disabled")
    expect(notice.data.webhook).toMatchObject({ id: created.body.id, status: "disabled", disabled_reason: "gone" })
    expect(gone.received).toHaveLength(1)
    // Retry-After (scaled by the time scale: 20,000 s × 0.0001 = 2 s) sets the next attempt's earliest time.
    let n = 0
    const slow = await receive(() => (n++ === 0 ? { status: 429, headers: { "Retry-After": "20000" } } : { status: 200 }))
    expect((await api.post("/admin/webhooks", { url: slow.url, event_types: ["user.updated"] })).status).toBe(201)
    expect((await api.put("/admin/users/ada", { email: "ada@example.com" })).status).toBe(200)
    await eventually(() => slow.received.length === 2, 20_000, "the retry after Retry-After")
    expect(slow.received[1]!.at - slow.received[0]!.at).toBeGreaterThanOrEqual(1900)
  })
})
