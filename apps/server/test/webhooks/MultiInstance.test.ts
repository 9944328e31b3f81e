/**
 * EVENTS.md §4.3 on PostgreSQL: 3 service processes deliver to a receiver that fails 30% of
 * requests at random while writers write through all three; one instance is `kill -9`ed under
 * load. Every (endpoint, event) arrives (at least once), each user's events arrive in feed order
 * of first receipt on every endpoint, and no two attempts of one (endpoint, event) overlap in
 * time (the claim outlives the 2 s attempt timeout by 5 s). Every request verifies with
 * `standardwebhooks`.
 */
import postgres from "postgres"
import { afterAll, describe, expect, it } from "vitest"
import type { Service } from "../support.js"
import { client, postgresAvailable, randomKey, startService, throwawayDatabase } from "../support.js"
import { eventually, startReceiver, verifyWith } from "./receiver.js"

const pg = await postgresAvailable()
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

type Event = { id: string; type: string; data: { user_id?: string; user?: { external_id: string } } }
const userOf = (e: Event): string | undefined => e.data.user_id ?? e.data.user?.external_id

describe.skipIf(!pg)("webhook delivery across instances (PostgreSQL)", () => {
  it("3 instances, a receiver failing 30%, one kill -9 under load: everything arrives, per-user order of first receipt, no overlapping attempts", async () => {
    const db = await throwawayDatabase()
    cleanups.push(() => db.drop())
    const keys = { NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: randomKey("sk") }
    const env = {
      ...keys,
      DATABASE_URL: db.url,
      NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE: "true",
      NOTIFLOWS_WEBHOOK_TIME_SCALE: "0.0001",
      NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS: "2",
      LOG_LEVEL: "warn"
    }
    const services: Array<Service> = []
    services.push(await startService({ ...env, LOG_LEVEL: "info" }))
    services.push(...(await Promise.all([startService({ ...env, LOG_LEVEL: "info" }), startService({ ...env, LOG_LEVEL: "info" })])))
    cleanups.push(async () => {
      for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop()
    })
    // Each request is held open 0–40 ms, so overlapping attempts would show as overlapping intervals.
    const receiver = await startReceiver(() => {
      return Math.random() < 0.3 ? { status: 503, delayMs: Math.floor(Math.random() * 40) } : { status: 204, delayMs: Math.floor(Math.random() * 40) }
    })
    cleanups.push(() => receiver.close())
    const apis = services.map((s) => client(s.url, { "x-notiflows-secret-key": keys.NOTIFLOWS_SECRET_KEY }))
    const endpoints: Array<{ id: string; secret: string; path: string }> = []
    for (const path of ["/a", "/b"]) {
      const res = await apis[0]!.post("/admin/webhooks", { url: `${receiver.url}${path}` })
      expect(res.status).toBe(201)
      endpoints.push({ id: res.body.id, secret: res.body.secret, path: new URL(`${receiver.url}${path}`).pathname })
    }
    // Writers: 24 users, 8 versions each, spread over the three instances, concurrently.
    const users = Array.from({ length: 24 }, (_, i) => `user-${i}`)
    let killed = false
    const write = async (u: string, i: number) => {
      for (let v = 0; v < 8; v++) {
        // A write cut by the kill is sent again to a live instance (a merge patch: a repeat that
        // already committed changes nothing and writes no event).
        for (let tries = 0; ; tries++) {
          const alive = apis.filter((_, k) => !(killed && k === 1))
          const api = alive[(i + v + tries) % alive.length]!
          const res = await api.put(`/admin/users/${u}/preferences`, { channel_types: { sms: v % 2 === 0, email: v % 3 === 0 } }).catch(() => undefined)
          if (res !== undefined) {
            expect(res.status).toBe(200)
            break
          }
          expect(tries).toBeLessThan(5)
        }
      }
    }
    for (const u of users) expect((await apis[0]!.put(`/admin/users/${u}`, {})).status).toBe(201)
    const writing = Promise.all(users.map((u, i) => write(u, i)))
    await eventually(() => receiver.received.length > 100, 60_000, "deliveries under way")
    services[1]!.child.kill("SIGKILL")
    killed = true
    await writing
    const feed: Array<{ id: string; text: string; event: Event }> = []
    // The feed is not read-your-writes (docs/events.md): read until every acknowledged write is visible.
    await eventually(async () => {
      feed.length = 0
      let after = ""
      for (;;) {
        const page = await apis[0]!.get(`/admin/events?limit=1000${after}`)
        for (const e of page.body.items as Array<Event>) feed.push({ id: e.id, text: JSON.stringify(e), event: e })
        after = `&after=${page.body.page.after}`
        if (!page.body.page.has_more_after) break
      }
      return feed.length >= 24 + 24 * 8
    }, 30_000, "the feed to show every write")
    expect(feed.length).toBe(24 + 24 * 8)
    await eventually(
      () => endpoints.every((ep) => feed.every((e) => receiver.received.some((r) => r.status === 204 && r.id === e.id && r.path === ep.path))),
      120_000,
      "every (endpoint, event) delivered"
    ).catch(async (e: unknown) => {
      const sql = postgres(db.url, { max: 1 })
      console.log(await sql`select status, trigger, count(*)::int, max(attempts) from webhook_deliveries group by 1, 2`)
      console.log(await sql`select d.id, d.ordering_key, d.status, d.attempts, d.next_attempt_at, d.claimed_by, d.claimed_until, now() from webhook_deliveries d where status = 'pending' order by d.event_xid, d.event_seq limit 10`)
      console.log(await sql`select a.* from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.status = 'pending' limit 10`)
      console.log(await sql`select id, status, cursor_xid, cursor_seq from webhook_endpoints`)
      console.log(await sql`select xid, seq, id from events order by xid desc, seq desc limit 3`)
      console.log(services.map((s) => s.stdout().split("\n").filter((l) => /warn|error|fail/i.test(l)).slice(0, 5).join("\n")))
      await sql.end()
      throw e
    })
    for (const ep of endpoints) {
      const mine = receiver.received.filter((r) => r.path === ep.path)
      // Every request verifies with the endpoint's secret; the body is the stored event text.
      for (const r of mine) {
        verifyWith(ep.secret, r)
        expect(r.body).toBe(feed.find((e) => e.id === r.id)?.text)
      }
      // Per user, in feed order of first receipt.
      for (const u of users) {
        const firsts: Array<string> = []
        for (const r of mine) {
          const e = JSON.parse(r.body) as Event
          if (userOf(e) === u && !firsts.includes(e.id)) firsts.push(e.id)
        }
        expect(firsts).toEqual(feed.filter((e) => userOf(e.event) === u).map((e) => e.id))
      }
      // No two attempts of one event overlap in time on this endpoint.
      const byEvent = new Map<string, Array<{ at: number; end: number }>>()
      for (const r of mine) byEvent.set(r.id, [...(byEvent.get(r.id) ?? []), { at: r.at, end: r.end }])
      for (const [, attempts] of byEvent) {
        attempts.sort((a, b) => a.at - b.at)
        for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.at).toBeGreaterThanOrEqual(attempts[i - 1]!.end)
      }
    }
    const retried = receiver.received.filter((r) => r.status !== 204).length
    expect(retried).toBeGreaterThan(0)
  }, 300_000)
})
