/**
 * End-to-end: the built `notiflows-prefs` binary as a real process, on PGlite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { client, postgresAvailable, randomKey, runCli, startService, throwawayDatabase } from "./support.js"
import { runWalkthrough } from "./walkthrough.js"

const dirs: Array<string> = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "notiflows-e2e-"))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

// Unreachable outside CI: the PostgreSQL case is reported as skipped (in CI the probe fails the file).
const pg = await postgresAvailable()

describe("standalone service", () => {
  it("serves the seed's walk-through on embedded PGlite", async () => {
    const sk = randomKey("sk")
    const service = await startService({ NOTIFLOWS_DATA_DIR: "memory://", NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: sk })
    try {
      await runWalkthrough(service.url, sk)
    } finally {
      expect(await service.stop()).toBe(0)
    }
  })

  it.skipIf(!pg)("serves the seed's walk-through on PostgreSQL (DATABASE_URL)", async () => {
    const db = await throwawayDatabase()
    const sk = randomKey("sk")
    const service = await startService({ DATABASE_URL: db.url, NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: sk })
    try {
      await runWalkthrough(service.url, sk)
    } finally {
      expect(await service.stop()).toBe(0)
      await db.drop()
    }
  })

  it("creates a default project on an empty database, prints its keys once, and keeps data across a clean restart", async () => {
    const dataDir = tempDir()
    const first = await startService({ NOTIFLOWS_DATA_DIR: dataDir })
    const keys = /secret key: (sk_\w+)/.exec(first.stdout())
    expect(keys?.[1]).toBeDefined()
    const sk = keys![1]!
    const api = client(first.url, { "x-notiflows-secret-key": sk })
    expect((await api.put("/admin/users/restart-user", {})).status).toBe(201)
    expect((await api.put("/admin/users/restart-user/preferences", { channel_types: { email: false } })).status).toBe(200)
    expect(await first.stop("SIGTERM")).toBe(0)

    const second = await startService({ NOTIFLOWS_DATA_DIR: dataDir })
    try {
      expect(second.stdout()).not.toContain("secret key:")
      const read = await client(second.url, { "x-notiflows-secret-key": sk }).get("/admin/users/restart-user/preferences")
      expect(read.status).toBe(200)
      expect(read.body.channel_types.email).toBe(false)
    } finally {
      expect(await second.stop("SIGINT")).toBe(0)
    }
  })

  it("answers oversized headers with 431 in the error envelope", async () => {
    const service = await startService({ NOTIFLOWS_DATA_DIR: "memory://" })
    try {
      const res = await fetch(`${service.url}/healthz`, { headers: { "x-big": "a".repeat(40_000) } })
      expect(res.status).toBe(431)
      const body = (await res.json()) as { error: { code: string; status: number } }
      expect(body.error).toMatchObject({ code: "request_header_fields_too_large", status: 431 })
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200)
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200)
    } finally {
      await service.stop()
    }
  })

  it("refuses a bad configuration with a clear message", async () => {
    const result = await runCli(["serve"], { PORT: "eighty", NOTIFLOWS_SECURITY_MODE: "maybe" })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("PORT must be a whole number")
    expect(result.stderr).toContain("NOTIFLOWS_SECURITY_MODE must be one of on, off")
  })
})
