/**
 * Issue 12's scanner test (LINKS.md §1, §3, §4, §7), for every scope kind of §2.1, globally and
 * in a tenant: 20 GETs and 20 HEADs of an unsubscribe link change nothing (the set, its version
 * and ETag, history, feed events); the RFC 8058 POST, urlencoded and multipart, answers 200 with an
 * empty body and writes exactly the scope's one leaf; repeating it writes nothing (no ledger
 * entry, no event); a required notiflow is never touched, even when it became required after the
 * link was minted.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

/** Each §2.1 scope and the one leaf its one-click writes `false` at. */
const SCOPES: ReadonlyArray<readonly [Record<string, string>, string]> = [
  [{ notiflow_id: "newsletter" }, "notiflows.newsletter.enabled"],
  [{ notiflow_id: "newsletter", channel_type: "email" }, "notiflows.newsletter.channel_types.email"],
  [{ category_id: "marketing" }, "categories.marketing.enabled"],
  [{ category_id: "marketing", channel_type: "sms" }, "categories.marketing.channel_types.sms"],
  [{ channel_type: "email" }, "channel_types.email"]
]

const seed = async () => {
  const p = await h.project()
  const userId = freshId("u")
  const put = (path: string, body: object) => request(h.app).put(`/api${path}`).set(p.admin).send(body)
  await put("/admin/categories/marketing", { name: "Marketing" }).expect(201)
  await put("/admin/notiflows/newsletter", { name: "Newsletter", categories: ["marketing"] }).expect(201)
  await put("/admin/notiflows/security", { name: "Security", required: true }).expect(201)
  await put(`/admin/users/${userId}`, {}).expect(201)
  // An explicit choice elsewhere, which no link may touch.
  await put(`/admin/users/${userId}/preferences`, { channel_types: { sms: true }, notiflows: { security: { enabled: true } } }).expect(200)
  return { p, userId }
}

const mint = async (p: SeededProject, userId: string, scope: Record<string, string>, tenant?: string): Promise<string> => {
  const res = await request(h.app)
    .post(`/api/admin/users/${userId}/links`)
    .set(p.admin)
    .send({ purpose: "unsubscribe", scope, ...(tenant !== undefined ? { tenant_id: tenant } : {}) })
    .expect(200)
  return `/api/l/unsubscribe/${res.body.token as string}`
}

/** Boolean leaves of an explicit set, by dotted path. */
const leaves = (value: unknown, prefix = ""): Record<string, boolean> => {
  if (typeof value === "boolean") return { [prefix]: value }
  if (typeof value !== "object" || value === null) return {}
  return Object.assign({}, ...Object.entries(value).map(([k, v]) => leaves(v, prefix === "" ? k : `${prefix}.${k}`))) as Record<string, boolean>
}

/** Everything a write would change, read through the admin API: both sets, their ETags, history and the project's feed. */
const snapshot = async (p: SeededProject, userId: string) => {
  const get = (path: string) => request(h.app).get(`/api${path}`).set(p.admin).expect(200)
  const scopes = await Promise.all(
    ["", "?tenant_id=acme"].map(async (q) => {
      const explicit = await get(`/admin/users/${userId}/preferences/explicit${q}`)
      const view = await get(`/admin/users/${userId}/preferences${q}`)
      const history = await get(`/admin/users/${userId}/preferences/history${q}`)
      return { leaves: leaves(explicit.body), etag: explicit.headers["etag"], viewEtag: view.headers["etag"], history: history.body.items as Array<{ version: number }> }
    })
  )
  const events = await get("/admin/events?types=preferences.*")
  return { global: scopes[0]!, tenant: scopes[1]!, events: events.body.items as Array<{ type: string }> }
}

describe("scanners: GET and HEAD never write", () => {
  for (const tenant of [undefined, "acme"]) {
    it(`20 GETs and 20 HEADs of each scope's link${tenant === undefined ? "" : " in a tenant"}: set, version, ETags, history, events unchanged`, async () => {
      const { p, userId } = await seed()
      const before = await snapshot(p, userId)
      for (const [scope] of SCOPES) {
        const path = await mint(p, userId, scope, tenant)
        for (let i = 0; i < 20; i++) {
          const get = await request(h.app).get(`${path}?utm_source=scanner&n=${i}`).set("user-agent", "LinkScanner/2.0").expect(200)
          expect(get.text).toContain('name="action" value="unsubscribe"')
          const head = await request(h.app).head(path).expect(200)
          expect(head.text ?? "").toBe("")
        }
      }
      expect(await snapshot(p, userId)).toEqual(before)
    })
  }
})

describe("RFC 8058 one-click", () => {
  for (const encoding of ["urlencoded", "multipart"] as const) {
    for (const tenant of [undefined, "acme"]) {
      it(`${encoding}${tenant === undefined ? "" : ", in a tenant"}: 200 and an empty body; exactly the scope's one leaf, once; repeats write nothing`, async () => {
        const { p, userId } = await seed()
        for (const [scope, leaf] of SCOPES) {
          const path = await mint(p, userId, scope, tenant)
          const post = () =>
            encoding === "urlencoded"
              ? request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send("List-Unsubscribe=One-Click")
              : request(h.app).post(path).field("List-Unsubscribe", "One-Click")
          const before = await snapshot(p, userId)
          const res = await post().expect(200)
          expect(res.text ?? "").toBe("")
          expect(res.headers["content-type"]).toBeUndefined()
          const after = await snapshot(p, userId)
          const [written, untouched] = tenant === undefined ? (["global", "tenant"] as const) : (["tenant", "global"] as const)
          expect(after[written].leaves, JSON.stringify(scope)).toEqual({ ...before[written].leaves, [leaf]: false })
          expect(Object.keys(before[written].leaves)).not.toContain(leaf)
          expect(after[written].history).toHaveLength(before[written].history.length + 1)
          expect(after[written].history[0]!.version).toBe((before[written].history[0]?.version ?? 0) + 1)
          expect(after[written].etag).not.toBe(before[written].etag)
          // The other set is not written (its effective view may change: a tenant view reads through the global set).
          const stored = ({ leaves, etag, history }: (typeof after)["global"]) => ({ leaves, etag, history })
          expect(stored(after[untouched])).toEqual(stored(before[untouched]))
          expect(after.events).toHaveLength(before.events.length + 1)
          for (let i = 0; i < 3; i++) expect((await post().expect(200)).text ?? "").toBe("")
          expect(await snapshot(p, userId)).toEqual(after)
        }
      })
    }
  }
})

describe("a required notiflow is never touched", () => {
  it("channel scope: every other entry on the channel stops, the required one is still delivered and not written", async () => {
    const { p, userId } = await seed()
    const path = await mint(p, userId, { channel_type: "email" })
    await request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send("List-Unsubscribe=One-Click").expect(200)
    const after = await snapshot(p, userId)
    expect(after.global.leaves).toEqual({ "channel_types.sms": true, "channel_types.email": false, "notiflows.security.enabled": true })
    const evaluate = (notiflow_id: string) =>
      request(h.app).post(`/api/admin/users/${userId}/preferences/evaluate`).set(p.admin).send({ notiflow_id, channel_types: ["email"] }).expect(200)
    expect((await evaluate("security")).body.channel_types.email).toMatchObject({ deliver: true, reason: "required_notiflow" })
    expect((await evaluate("newsletter")).body.channel_types.email).toMatchObject({ deliver: false, reason: "channel_opt_out" })
  })

  it("a scope naming it is 422 not_unsubscribable; a notiflow made required after minting: one-click 200, nothing written", async () => {
    const { p, userId } = await seed()
    const refused = await request(h.app).post(`/api/admin/users/${userId}/links`).set(p.admin).send({ purpose: "unsubscribe", scope: { notiflow_id: "security" } }).expect(422)
    expect(refused.body.error.details.fields).toEqual([expect.objectContaining({ field: "scope.notiflow_id", reason: "not_unsubscribable" })])
    const path = await mint(p, userId, { notiflow_id: "newsletter", channel_type: "email" })
    await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter", categories: ["marketing"], required: true }).expect(200)
    const before = await snapshot(p, userId)
    for (const encoding of ["urlencoded", "multipart"]) {
      const post = encoding === "urlencoded"
        ? request(h.app).post(path).set("content-type", "application/x-www-form-urlencoded").send("List-Unsubscribe=One-Click")
        : request(h.app).post(path).field("List-Unsubscribe", "One-Click")
      expect((await post.expect(200)).text ?? "").toBe("")
    }
    expect(await snapshot(p, userId)).toEqual(before)
    const confirm = await request(h.app).get(path).expect(200)
    expect(confirm.text).toContain("These messages are required and cannot be turned off.")
    expect(confirm.text).not.toContain('value="unsubscribe"')
  })
})
