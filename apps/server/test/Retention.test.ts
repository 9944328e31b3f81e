/**
 * Retention jobs of the standalone service (EVENTS.md §1, §3), PGlite and PostgreSQL: one run
 * nulls the ledger contexts older than NOTIFLOWS_CONSENT_CONTEXT_DAYS (and nothing else of any
 * entry) and removes the feed events older than NOTIFLOWS_EVENT_RETENTION_DAYS; a cursor from
 * before them then answers 410 `cursor_expired`, a read without `after` starts after them.
 * Writes go through the service; the job runs in-process on the same database between runs.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import pino from "pino"
import { afterAll, describe, expect, it } from "vitest"
import { loadConfig } from "../src/Config.js"
import { databaseLayer } from "../src/Database.js"
import { runRetention } from "../src/Retention.js"
import { client, postgresAvailable, randomKey, startService, throwawayDatabase } from "./support.js"

const pg = await postgresAvailable()
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

const DAY = 86_400_000
const CONTEXT = 'ip="203.0.113.9", user_agent="Agent/1"'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
type Entry = { version: number; changed_at: string; context: { ip: string | null; user_agent: string | null } | null } & Record<string, unknown>
type Feed = { items: Array<{ id: string; type: string; occurred_at: string }>; page: { after: string; has_more_after: boolean } }

const scenario = async (env: Record<string, string>) => {
  const keys = { NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: randomKey("sk") }
  const withService = async <A>(f: (api: ReturnType<typeof client>) => Promise<A>): Promise<A> => {
    const service = await startService({ ...env, ...keys })
    try {
      return await f(client(service.url, { "x-notiflows-secret-key": keys.NOTIFLOWS_SECRET_KEY }))
    } finally {
      expect(await service.stop()).toBe(0)
    }
  }
  const history = async (api: ReturnType<typeof client>, tenant = "") => ((await api.get(`/admin/users/ada/preferences/history${tenant}`)).body as { items: Array<Entry> }).items
  const before = await withService(async (api) => {
    expect((await api.put("/admin/users/ada", {})).status).toBe(201)
    const ctx = { "x-notiflows-consent-context": CONTEXT }
    const write = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      expect((await api.put(path, body, headers)).status).toBe(200)
      await sleep(20)
    }
    await write("/admin/users/ada/preferences", { channel_types: { sms: false } }, ctx) // v1 global, old, context
    await write("/admin/users/ada/preferences", { channel_types: { sms: true } }) // v2 global, old, no context
    await write("/admin/users/ada/preferences?tenant_id=acme", { channel_types: { chat: false } }, ctx) // v1 tenant, old, context
    await write("/admin/users/ada/preferences", { channel_types: { email: false } }, ctx) // v3 global, new, context
    await write("/admin/users/ada/preferences?tenant_id=acme", { channel_types: { chat: true } }, ctx) // v2 tenant, new, context
    const feed = (await api.get("/admin/events?limit=1000")).body as Feed
    const first = (await api.get("/admin/events?limit=1")).body as Feed
    return { global: await history(api), tenant: await history(api, "?tenant_id=acme"), feed, firstCursor: first.page.after }
  })
  expect(before.feed.items.map((e) => e.type)).toEqual(["user.created", ...Array(5).fill("preferences.updated")])
  const newGlobal = before.global.find((e) => e.version === 3)!
  const olderEvents = before.feed.items.slice(0, 4)
  const keptEvents = before.feed.items.slice(4)
  // One run at "now" such that the cutoffs fall just before the new entries / kept events.
  const contextCutoff = Date.parse(newGlobal.changed_at)
  const eventCutoff = Date.parse(keptEvents[0]!.occurred_at)
  const config = loadConfig({ ...env, ...keys, NOTIFLOWS_CONSENT_CONTEXT_DAYS: "3", NOTIFLOWS_EVENT_RETENTION_DAYS: "5" })
  const runAt = (now: number, days: { consentContextDays: number; eventRetentionDays: number; jobRetentionDays?: number }) =>
    Effect.runPromise(Effect.scoped(Effect.provide(runRetention({ jobRetentionDays: 7, ...days }, new Date(now), pino({ level: "silent" })), databaseLayer(config))))
  // Each job on its own (a context cutoff and an event cutoff from different "nows"). On PostgreSQL
  // two instances run each job at the same moment: together they null/remove each row once.
  const instances = env["DATABASE_URL"] === undefined ? 1 : 2
  const together = async (now: number, days: { consentContextDays: number; eventRetentionDays: number; jobRetentionDays?: number }) => {
    const runs = await Promise.all(Array.from({ length: instances }, () => runAt(now, days)))
    return { contextsNulled: runs.reduce((n, r) => n + r.contextsNulled, 0), eventsRemoved: runs.reduce((n, r) => n + r.eventsRemoved, 0) }
  }
  expect(await together(contextCutoff + 3 * DAY, { consentContextDays: 3, eventRetentionDays: 365 })).toEqual({ contextsNulled: 2, eventsRemoved: 0 })
  expect(await together(eventCutoff + 5 * DAY, { consentContextDays: 36_500, eventRetentionDays: 5 })).toEqual({ contextsNulled: 0, eventsRemoved: 4 })
  // Idempotent: a second instance running the same jobs finds nothing left.
  expect(await runAt(contextCutoff + 3 * DAY, { consentContextDays: 3, eventRetentionDays: 365 })).toMatchObject({ contextsNulled: 0, eventsRemoved: 0, jobsRemoved: 0 })
  expect(await runAt(eventCutoff + 5 * DAY, { consentContextDays: 36_500, eventRetentionDays: 5 })).toMatchObject({ contextsNulled: 0, eventsRemoved: 0, jobsRemoved: 0 })

  await withService(async (api) => {
    const expired = { ip: null, user_agent: null }
    const global = await history(api)
    const tenant = await history(api, "?tenant_id=acme")
    // Only the old end-user contexts changed; every other field of every entry is as it was.
    expect(global).toEqual(before.global.map((e) => (e.version === 1 ? { ...e, context: expired } : e)))
    expect(tenant).toEqual(before.tenant.map((e) => (e.version === 1 ? { ...e, context: expired } : e)))
    expect(global.find((e) => e.version === 2)!.context).toBeNull()
    expect(global.find((e) => e.version === 3)!.context).toEqual({ ip: "203.0.113.9", user_agent: "Agent/1" })
    // The feed: the old prefix is gone, a cursor inside it is 410, a fresh read starts after it.
    const old = await api.get(`/admin/events?after=${before.firstCursor}`)
    expect(old.status).toBe(410)
    expect((old.body as { error: { code: string } }).error.code).toBe("cursor_expired")
    const fresh = (await api.get("/admin/events?limit=1000")).body as Feed
    expect(fresh.items).toEqual(keptEvents)
    expect(fresh.items.map((e) => e.id)).not.toContain(olderEvents[0]!.id)
  })
}

describe("retention jobs (EVENTS.md §1, §3)", () => {
  it("NOTIFLOWS_CONSENT_CONTEXT_DAYS=0: no context is ever recorded (the header is still validated)", async () => {
    const sk = randomKey("sk")
    const service = await startService({ NOTIFLOWS_DATA_DIR: "memory://", NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: sk, NOTIFLOWS_CONSENT_CONTEXT_DAYS: "0" })
    try {
      const api = client(service.url, { "x-notiflows-secret-key": sk })
      expect((await api.put("/admin/users/ada", {})).status).toBe(201)
      expect((await api.put("/admin/users/ada/preferences", { channel_types: { sms: false } }, { "x-notiflows-consent-context": CONTEXT })).status).toBe(200)
      expect((await api.put("/admin/users/ada/preferences", { channel_types: { sms: true } }, { "x-notiflows-consent-context": "ip=1" })).status).toBe(400)
      const items = ((await api.get("/admin/users/ada/preferences/history")).body as { items: Array<Entry> }).items
      expect(items.map((e) => e.context)).toEqual([{ ip: null, user_agent: null }])
    } finally {
      expect(await service.stop()).toBe(0)
    }
  }, 120_000)

  it("embedded PGlite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notiflows-retention-"))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    await scenario({ NOTIFLOWS_DATA_DIR: dir })
  }, 180_000)
  it.skipIf(!pg)("PostgreSQL", async () => {
    const db = await throwawayDatabase()
    cleanups.push(db.drop)
    await scenario({ DATABASE_URL: db.url })
  }, 180_000)
})
