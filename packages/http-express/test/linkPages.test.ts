/**
 * The unsubscribe link's pages (LINKS.md §3, §4, §6, §8) on the in-memory adapters: scanners
 * change nothing, RFC 8058 one-click writes exactly one leaf once, the confirm → result → undo
 * path, and every refusal in §8's order with §6's headers.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const setup = async (scope: Record<string, string> = { notiflow_id: "newsletter", channel_type: "email" }, tenant?: string) => {
  const p = await h.project()
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({ locale: "de-AT" }).expect(201)
  await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
  await request(h.app).put("/api/admin/notiflows/security").set(p.admin).send({ name: "Security", required: true }).expect(201)
  const link = await request(h.app)
    .post(`/api/admin/users/${userId}/links`)
    .set(p.admin)
    .send({ purpose: "unsubscribe", scope, ...(tenant !== undefined ? { tenant_id: tenant } : {}) })
    .expect(200)
  const path = `/api/l/unsubscribe/${link.body.token as string}`
  return { p, userId, path, jti: link.body.id as string }
}

const state = async (p: SeededProject, userId: string) => {
  const prefs = await request(h.app).get(`/api/admin/users/${userId}/preferences/explicit`).set(p.admin).expect(200)
  const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
  return { prefs: prefs.body, etag: prefs.headers["etag"], history: history.body.items as Array<Record<string, unknown>> }
}

const form = (path: string, body: string) => request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send(body)

const expectPageHeaders = (res: request.Response) => {
  expect(res.headers["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'self' 'nonce-[A-Za-z0-9+/=]+'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/)
  expect(res.headers["referrer-policy"]).toBe("same-origin")
  expect(res.headers["cache-control"]).toBe("no-store")
  expect(res.headers["x-robots-tag"]).toBe("noindex, nofollow")
  expect(res.headers["x-content-type-options"]).toBe("nosniff")
  expect(res.headers["x-frame-options"]).toBe("DENY")
  expect(res.headers["cross-origin-opener-policy"]).toBe("same-origin")
  expect(res.headers["cross-origin-resource-policy"]).toBe("same-origin")
  // The harness's public URL is https.
  expect(res.headers["strict-transport-security"]).toBe("max-age=31536000")
  for (const name of ["set-cookie", "location", "access-control-allow-origin", "etag"]) expect(res.headers[name]).toBeUndefined()
}

describe("the confirm page never writes (scanners)", () => {
  it("20 GETs and 20 HEADs: 200 pages, the set, its version and history unchanged", async () => {
    const { p, userId, path } = await setup()
    const before = await state(p, userId)
    for (let i = 0; i < 20; i++) {
      const get = await request(h.app).get(`${path}?utm_source=scanner${i}`).expect(200)
      expect(get.headers["content-type"]).toBe("text/html; charset=utf-8")
      expect(get.headers["content-language"]).toBe("de")
      expectPageHeaders(get)
      expect(get.text).toContain('method="post"')
      expect(get.text).toContain('name="action" value="unsubscribe"')
      expect(get.text).toContain("/l/preferences/")
      const head = await request(h.app).head(path).expect(200)
      expect(head.text ?? "").toBe("")
    }
    expect(await state(p, userId)).toEqual(before)
    // Logs and metrics hold the route template, never the token.
    const token = path.split("/").pop()!
    expect(h.logs.join("")).toContain("/l/unsubscribe/{token}")
    expect(h.logs.join("")).not.toContain(token)
    expect(await h.metrics.render().then((m) => m.text)).not.toContain(token)
  })
})

describe("RFC 8058 one-click", () => {
  for (const encoding of ["urlencoded", "multipart"] as const) {
    it(`${encoding}: 200, empty body, no Content-Type; exactly one leaf written once, recorded as the link`, async () => {
      const { p, userId, path, jti } = await setup()
      const post = () =>
        encoding === "urlencoded"
          ? form(path, "List-Unsubscribe=One-Click")
          : request(h.app).post(path).field("List-Unsubscribe", "One-Click").field("other", "x")
      const res = await post().set("user-agent", "MailProvider/1.0").set("origin", "https://elsewhere.example").expect(200)
      expect(res.text ?? "").toBe("")
      expect(res.headers["content-type"]).toBeUndefined()
      expect(res.headers["set-cookie"]).toBeUndefined()
      const after = await state(p, userId)
      expect(after.prefs).toMatchObject({ channel_types: {}, notiflows: { newsletter: { channel_types: { email: false } } } })
      expect(after.history).toHaveLength(1)
      expect(after.history[0]).toMatchObject({ actor: { type: "link", id: jti } })
      await post().expect(200)
      expect((await state(p, userId)).history).toHaveLength(1)
    })
  }

  it("a channel scope turns off everything on the channel but never a required notiflow", async () => {
    const { p, userId, path } = await setup({ channel_type: "email" })
    await form(path, "list-unsubscribe=ONE-CLICK").expect(400)
    await form(path, "List-Unsubscribe=ONE-CLICK").expect(200)
    const decisions = await request(h.app)
      .post(`/api/admin/users/${userId}/preferences/evaluate`)
      .set(p.admin)
      .send({ notiflow_id: "security", channel_types: ["email"] })
      .expect(200)
    expect(decisions.body.channel_types.email.deliver).toBe(true)
    const news = await request(h.app).post(`/api/admin/users/${userId}/preferences/evaluate`).set(p.admin).send({ notiflow_id: "newsletter", channel_types: ["email"] }).expect(200)
    expect(news.body.channel_types.email).toMatchObject({ deliver: false, reason: "channel_opt_out" })
  })
})

describe("confirm form, result, undo, resubscribe", () => {
  it("unsubscribe → result with an undo ticket → undo restores the choice before; resubscribe removes an explicit false", async () => {
    const { p, userId, path } = await setup()
    const result = await form(path, "action=unsubscribe&lang=en").expect(200)
    expectPageHeaders(result)
    expect(result.headers["content-language"]).toBe("en")
    const ticket = /name="undo" value="([A-Za-z0-9_-]{132})"/.exec(result.text)?.[1]
    expect(ticket).toBeDefined()
    expect((await state(p, userId)).prefs.notiflows.newsletter).toEqual({ channel_types: { email: false } })
    // Already unsubscribed: the confirm page offers "Subscribe again", a second unsubscribe writes nothing.
    const again = await form(path, "action=unsubscribe").expect(200)
    expect(again.text).not.toContain('name="undo"')
    expect((await state(p, userId)).history).toHaveLength(1)
    await form(path, "action=undo&undo=AAAA").expect(400)
    const undone = await form(path, `action=undo&undo=${ticket!}`).expect(200)
    expect(undone.text).toContain("Newsletter")
    const after = await state(p, userId)
    expect(after.prefs.notiflows).toEqual({})
    expect(after.history).toHaveLength(2)
    // Undo again: the leaf equals prev, nothing written, the same page.
    await form(path, `action=undo&undo=${ticket!}`).expect(200)
    expect((await state(p, userId)).history).toHaveLength(2)
    // Changed elsewhere: 409, nothing written.
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ notiflows: { newsletter: { channel_types: { email: true } } } }).expect(200)
    await form(path, `action=undo&undo=${ticket!}`).expect(409)
    // Resubscribe after a one-click: the explicit false is removed.
    await form(path, "List-Unsubscribe=One-Click").expect(200)
    await form(path, "action=resubscribe").expect(200)
    expect((await state(p, userId)).prefs.notiflows).toEqual({})
  })

  it("a ticket past 24 h + 60 s is 410 with the link still valid; a required scope's form writes nothing", async () => {
    const { p, userId, path } = await setup()
    const result = await form(path, "action=unsubscribe").expect(200)
    const ticket = /name="undo" value="([A-Za-z0-9_-]{132})"/.exec(result.text)![1]!
    h.clock.now += (86_400 + 61) * 1000
    const expired = await form(path, `action=undo&undo=${ticket}`).expect(410)
    expect(expired.text).toContain("/l/preferences/")
    h.clock.now -= (86_400 + 61) * 1000
    await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ required: true }).expect(200)
    const before = await state(p, userId)
    await form(path, "action=resubscribe").expect(200)
    await form(path, "List-Unsubscribe=One-Click").expect(200)
    expect(await state(p, userId)).toEqual(before)
  })
})

describe("refusals in §8's order", () => {
  it("404 unknown paths, tokens and assets (unbranded), 405 with Allow, OPTIONS 204, 415, 413, 400, 403 cross-origin forms", async () => {
    const { p, userId, path } = await setup()
    const before = await state(p, userId)
    const bad = await request(h.app).get("/api/l/unsubscribe/not-a-token").expect(404)
    expectPageHeaders(bad)
    expect(bad.text).not.toContain("Test project")
    await request(h.app).get("/api/l/nowhere").expect(404)
    await request(h.app).get("/api/l").expect(404)
    const flipped = path.slice(0, -1) + (path.endsWith("A") ? "B" : "A")
    await request(h.app).get(flipped).expect(404)
    const put = await request(h.app).put(path).expect(405)
    expect(put.headers["allow"]).toBe("GET, HEAD, POST, OPTIONS")
    const options = await request(h.app).options(path).expect(204)
    expect(options.headers["allow"]).toBe("GET, HEAD, POST, OPTIONS")
    expect(options.headers["access-control-allow-origin"]).toBeUndefined()
    // Assets: GET and HEAD only (OPTIONS answers without looking the name up, as for tokens).
    expect((await request(h.app).options("/api/l/assets/any.css").expect(204)).headers["allow"]).toBe("GET, HEAD, OPTIONS")
    expect((await request(h.app).post("/api/l/assets/any.css").expect(405)).headers["allow"]).toBe("GET, HEAD, OPTIONS")
    await request(h.app).get("/api/l/assets/unknown.css").expect(404)
    await request(h.app).post(path).set("content-type", "text/plain").send("List-Unsubscribe=One-Click").expect(415)
    await form(path, `List-Unsubscribe=One-Click&pad=${"x".repeat(9000)}`).expect(413)
    await form(path, "").expect(400)
    await form(path, "action=spam").expect(400)
    await form(path, "action=unsubscribe").set("origin", "https://evil.example").expect(403)
    await form(path, "action=unsubscribe").set("origin", "null").expect(403)
    expect(await state(p, userId)).toEqual(before)
  })

  it("410 for an expired link, a revoked user and an erased user; a form from the public origin passes", async () => {
    const { p, userId, path } = await setup()
    await form(path, "action=unsubscribe").set("origin", "https://prefs.example.com").expect(200)
    h.clock.now += (90 * 86_400 + 61) * 1000
    await request(h.app).get(path).expect(410)
    h.clock.now -= (90 * 86_400 + 61) * 1000
    await request(h.app).get(path).expect(200)
    await request(h.app).post(`/api/admin/users/${userId}/links/revoke`).set(p.admin).expect(200)
    const revoked = await request(h.app).get(path).expect(410)
    expect(revoked.text).toContain("Test project")
    const other = await setup()
    await request(h.app).delete(`/api/admin/users/${other.userId}`).set(other.p.admin).expect(204)
    await request(h.app).get(other.path).expect(410)
  })
})
