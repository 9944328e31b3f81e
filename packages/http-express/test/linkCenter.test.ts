/**
 * The hosted preference center (LINKS.md §5) on the in-memory adapters: the page and its ETag,
 * a diff-only save (only the toggled leaf becomes explicit), a stale save that writes nothing and
 * keeps the change, and the refusals.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const setup = async () => {
  const p = await h.project()
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
  await request(h.app).put("/api/admin/notiflows/security").set(p.admin).send({ name: "Security", required: true }).expect(201)
  const minted = await request(h.app).post(`/api/admin/users/${userId}/links`).set(p.admin).send({ purpose: "preference_center" }).expect(200)
  return { p, userId, path: `/api/l/preferences/${minted.body.token as string}` }
}

/** HTML attribute text as a browser reads it. */
const unescape = (s: string): string =>
  s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")

/** What a browser submits for a rendered form: hidden fields, checked boxes, the button. */
const submission = (html: string, toggle: ReadonlyArray<string> = []): Array<[string, string]> => {
  const out: Array<[string, string]> = []
  for (const m of html.matchAll(/<input([^>]*)>/g)) {
    const attrs = m[1]!
    const name = /name="([^"]*)"/.exec(attrs)?.[1]
    const value = unescape(/value="([^"]*)"/.exec(attrs)?.[1] ?? "on")
    if (name === undefined || /\sdisabled/.test(attrs)) continue
    if (/type="checkbox"/.test(attrs)) {
      const checked = /\schecked/.test(attrs)
      if (checked !== toggle.includes(name)) out.push([name, value])
    } else out.push([name, value])
  }
  out.push(["action", "save"])
  return out
}

const post = (path: string, fields: Array<[string, string]>) =>
  request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send(new URLSearchParams(fields).toString())

const explicit = async (p: SeededProject, userId: string) => {
  const res = await request(h.app).get(`/api/admin/users/${userId}/preferences/explicit`).set(p.admin).expect(200)
  const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
  return { prefs: res.body, history: history.body.items as Array<Record<string, unknown>> }
}

describe("the preference center", () => {
  it("GET shows the view with its ETag; a save writes only the toggled leaf; an unchanged save writes nothing", async () => {
    const { p, userId, path } = await setup()
    const page = await request(h.app).get(path).expect(200)
    expect(page.headers["etag"]).toMatch(/^"[A-Za-z0-9_-]+"$/)
    expect(page.text).toContain(`name="etag" value="${page.headers["etag"]!.replace(/"/g, "&quot;")}"`)
    expect(page.text).toContain("Security")
    const unchanged = await post(path, submission(page.text)).expect(200)
    expect((await explicit(p, userId)).history).toHaveLength(0)
    const saved = await post(path, submission(unchanged.text, ["pref.channel_types.email"])).expect(200)
    expect(saved.text).toContain('role="status"')
    const after = await explicit(p, userId)
    expect(after.prefs.channel_types).toEqual({ email: false })
    expect(after.prefs.notiflows).toEqual({})
    expect(after.history).toHaveLength(1)
    expect(saved.headers["etag"]).not.toBe(page.headers["etag"])
  })

  it("a stale save (two tabs) writes nothing, answers 409 with the current state and keeps the change", async () => {
    const { p, userId, path } = await setup()
    const tab1 = await request(h.app).get(path).expect(200)
    const tab2 = await request(h.app).get(path).expect(200)
    await post(path, submission(tab1.text, ["pref.channel_types.sms"])).expect(200)
    const stale = await post(path, submission(tab2.text, ["pref.channel_types.email"])).expect(409)
    expect(stale.text).toContain('role="alert"')
    const after = await explicit(p, userId)
    expect(after.prefs.channel_types).toEqual({ sms: false })
    expect(after.history).toHaveLength(1)
    // Saving the stale page again is an ordinary save: both changes survive.
    await post(path, submission(stale.text)).expect(200)
    expect((await explicit(p, userId)).prefs.channel_types).toEqual({ sms: false, email: false })
  })

  it("refusals: 415, 400 without etag or action, 403 cross-origin, 404 for an unsubscribe token here", async () => {
    const { p, userId, path } = await setup()
    const page = await request(h.app).get(path).expect(200)
    await request(h.app).post(path).set("content-type", "multipart/form-data; boundary=x").send("--x--").expect(415)
    await post(path, submission(page.text).filter(([k]) => k !== "etag")).expect(400)
    await post(path, submission(page.text).filter(([k]) => k !== "action")).expect(400)
    await post(path, submission(page.text, ["pref.channel_types.email"])).set("origin", "https://evil.example").expect(403)
    expect((await explicit(p, userId)).history).toHaveLength(0)
    const unsub = await request(h.app)
      .post(`/api/admin/users/${userId}/links`)
      .set(p.admin)
      .send({ purpose: "unsubscribe", scope: { channel_type: "sms" } })
      .expect(200)
    await request(h.app).get(`/api/l/preferences/${unsub.body.token as string}`).expect(404)
    await request(h.app).get(path.replace("/l/preferences/", "/l/unsubscribe/")).expect(404)
  })
})
