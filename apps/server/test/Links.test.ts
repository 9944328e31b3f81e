/**
 * Signed links on the standalone service (LINKS.md §2–§5), PGlite and PostgreSQL: a minted link's
 * confirm page never writes, RFC 8058 one-click writes one leaf once, the center answers.
 */
import { afterAll, describe, expect, it } from "vitest"
import { client, postgresAvailable, randomKey, startService, throwawayDatabase } from "./support.js"

const pg = await postgresAvailable()
const drops: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const drop of drops) await drop()
})

const scenario = async (env: Record<string, string>) => {
  const sk = randomKey("sk")
  const service = await startService({ ...env, NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: sk, NOTIFLOWS_PUBLIC_URL: "https://prefs.example.com/base" })
  try {
    const api = client(service.url, { "x-notiflows-secret-key": sk })
    expect((await api.put("/admin/notiflows/newsletter", { name: "Newsletter" })).status).toBe(201)
    expect((await api.put("/admin/notiflows/security", { name: "Security", required: true })).status).toBe(201)
    expect((await api.put("/admin/users/ada", {})).status).toBe(201)
    const minted = await api.post("/admin/users/ada/links", { purpose: "unsubscribe", scope: { channel_type: "email" } })
    expect(minted.status).toBe(200)
    const link = minted.body as { token: string; url: string; headers: Record<string, string> }
    expect(link.url).toBe(`https://prefs.example.com/base/l/unsubscribe/${link.token}`)
    const path = `${service.url}/l/unsubscribe/${link.token}`
    const history = async () => ((await api.get("/admin/users/ada/preferences/history")).body as { items: Array<unknown> }).items.length
    for (let i = 0; i < 20; i++) {
      const page = await fetch(path, { method: i % 2 === 0 ? "GET" : "HEAD" })
      expect(page.status).toBe(200)
      expect(page.headers.get("set-cookie")).toBeNull()
      expect(page.headers.get("strict-transport-security")).toBe("max-age=31536000")
    }
    expect(await history()).toBe(0)
    const oneClick = () => fetch(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" })
    const first = await oneClick()
    expect(first.status).toBe(200)
    expect(await first.text()).toBe("")
    expect((await oneClick()).status).toBe(200)
    expect(await history()).toBe(1)
    const explicit = (await api.get("/admin/users/ada/preferences/explicit")).body as { channel_types: Record<string, boolean> }
    expect(explicit.channel_types).toEqual({ email: false })
    const security = await api.post("/admin/users/ada/preferences/evaluate", { notiflow_id: "security", channel_types: ["email"] })
    expect((security.body as { channel_types: { email: { deliver: boolean } } }).channel_types.email.deliver).toBe(true)
    const center = (await api.post("/admin/users/ada/links", { purpose: "preference_center" })).body as { token: string }
    const page = await fetch(`${service.url}/l/preferences/${center.token}`)
    expect(page.status).toBe(200)
    expect(page.headers.get("etag")).toMatch(/^"/)
  } finally {
    expect(await service.stop()).toBe(0)
  }
}

describe("signed links on the standalone service", () => {
  it("embedded PGlite", () => scenario({ NOTIFLOWS_DATA_DIR: "memory://" }), 120_000)
  it.skipIf(!pg)("PostgreSQL", async () => {
    const db = await throwawayDatabase()
    drops.push(db.drop)
    await scenario({ DATABASE_URL: db.url })
  }, 120_000)
})
