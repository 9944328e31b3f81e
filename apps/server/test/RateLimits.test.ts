/**
 * Rate limits across processes: with REDIS_URL, two instances on one database share one
 * budget; with Redis unreachable, requests are served (fail open) and the failure shows in
 * the logs and in /metrics.
 */
import { Redis } from "ioredis"
import { describe, expect, it } from "vitest"
import { client, postgresAvailable, randomKey, startService, throwawayDatabase } from "./support.js"

const REDIS = process.env["REDIS_TEST_URL"] ?? "redis://127.0.0.1:6379"

const requireRedis = async (): Promise<boolean> => {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, enableOfflineQueue: false })
  redis.on("error", () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === "PONG"
  } catch (error) {
    if (process.env["CI"] === "true") throw new Error(`Redis at ${REDIS} is unreachable in CI: ${String(error)}`)
    console.warn(`Redis at ${REDIS} is unreachable: the shared-counter case runs without a second check`)
    return false
  } finally {
    redis.disconnect()
  }
}

describe("rate limits across instances", () => {
  it("two processes on one database share the admin budget through Redis", async () => {
    const haveRedis = await requireRedis()
    // Without PostgreSQL (outside CI) one PGlite process stands in for both: the budget is still checked.
    const db = (await postgresAvailable()) ? await throwawayDatabase() : undefined
    const sk = randomKey("sk")
    const env = {
      ...(db !== undefined ? { DATABASE_URL: db.url } : { NOTIFLOWS_DATA_DIR: "memory://" }),
      NOTIFLOWS_PUBLIC_KEY: randomKey("pk"),
      NOTIFLOWS_SECRET_KEY: sk,
      ...(haveRedis ? { REDIS_URL: REDIS } : {}),
      // A one-minute window: the test never races a window boundary.
      NOTIFLOWS_RATE_LIMIT_ADMIN: "6/1m"
    }
    const a = await startService(env)
    const b = db !== undefined ? await startService(env) : a
    try {
      const statuses: Array<number> = []
      for (let i = 0; i < 4; i++) {
        statuses.push((await client(a.url, { "x-notiflows-secret-key": sk }).get("/admin/users")).status)
        statuses.push((await client(b.url, { "x-notiflows-secret-key": sk }).get("/admin/users")).status)
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429])
      const refused = await client(b.url, { "x-notiflows-secret-key": sk }).get("/admin/users")
      expect(refused.body.error).toMatchObject({ code: "rate_limited", details: { limit: 6, window: "60s" } })
      expect(refused.headers.get("ratelimit-policy")).toBe('"admin";q=6;w=60')
      const metrics = await (await fetch(`${b.url}/metrics`)).text()
      expect(metrics).toMatch(/notiflows_rate_limit_rejections_total\{policy="admin"\} [1-9]/)
    } finally {
      await a.stop()
      if (b !== a) await b.stop()
      await db?.drop()
    }
  })

  it("fails open, loudly, when Redis is unreachable", async () => {
    const sk = randomKey("sk")
    const service = await startService({
      NOTIFLOWS_DATA_DIR: "memory://",
      NOTIFLOWS_PUBLIC_KEY: randomKey("pk"),
      NOTIFLOWS_SECRET_KEY: sk,
      // Nothing listens on port 1: every Redis command fails at once.
      REDIS_URL: "redis://127.0.0.1:1",
      NOTIFLOWS_RATE_LIMIT_ADMIN: "1/1m"
    })
    try {
      for (let i = 0; i < 3; i++) expect((await client(service.url, { "x-notiflows-secret-key": sk }).get("/admin/users")).status).toBe(200)
      const metrics = await (await fetch(`${service.url}/metrics`)).text()
      expect(metrics).toMatch(/notiflows_rate_limit_store_errors_total [3-9]/)
      // Log lines are written asynchronously (pino): give the line a moment to reach stdout.
      for (let i = 0; i < 50 && !service.stdout().includes("rate limit store unavailable"); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(service.stdout()).toContain("rate limit store unavailable")
    } finally {
      await service.stop()
    }
  })
})
