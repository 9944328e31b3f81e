/**
 * `GET /admin/preferences/sets` over HTTP (EVENTS.md §5) on the in-memory adapters: the item and
 * page shapes, default and explicit limits, forward cursors, both API bases, and the 400s for
 * what the listing refuses (`limit`, `after`, `before`), which change nothing.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const seed = async (users: number) => {
  const p = await h.project()
  const ids: Array<string> = []
  for (let i = 0; i < users; i++) {
    const id = `u${String(i).padStart(3, "0")}`
    ids.push(id)
    await request(h.app).put(`/api/admin/users/${id}`).set(p.admin).send({}).expect(201)
  }
  return { p, ids }
}

describe("GET /admin/preferences/sets", () => {
  it("answers every global and tenant set with the user's ids, version and stored choices, 100 per page by default", async () => {
    const { p, ids } = await seed(101)
    const tenant = freshId("acme")
    const putPrefs = (user: string, body: object, query = "") =>
      request(h.app).put(`/api/admin/users/${user}/preferences${query}`).set(p.admin).send(body).expect(200)
    await putPrefs("u000", { channel_types: { sms: false } })
    await putPrefs("u000", { channel_types: { email: false } }, `?tenant_id=${tenant}`)
    const user = await request(h.app).get("/api/admin/users/u000").set(p.admin).expect(200)

    const first = await request(h.app).get("/api/admin/preferences/sets").set(p.admin).expect(200)
    expect(first.body.page).toEqual({ after: expect.any(String), has_more_after: true, limit: 100 })
    expect(first.body.items).toHaveLength(100)
    expect(first.body.items.slice(0, 3)).toEqual([
      { user_id: "u000", id: user.body.id, tenant_id: null, version: 1, preferences: { channel_types: { sms: false }, categories: {}, notiflows: {} } },
      { user_id: "u000", id: user.body.id, tenant_id: tenant, version: 1, preferences: { channel_types: { email: false }, categories: {}, notiflows: {} } },
      { user_id: "u001", id: expect.any(String), tenant_id: null, version: 0, preferences: { channel_types: {}, categories: {}, notiflows: {} } }
    ])
    const second = await request(h.app).get("/api/admin/v1/preferences/sets").query({ after: first.body.page.after }).set(p.admin).expect(200)
    expect(second.body.items.map((i: { user_id: string }) => i.user_id)).toEqual(["u099", "u100"])
    expect(second.body.page.has_more_after).toBe(false)
    // The end keeps its position: reading on from it answers an empty page with the same cursor.
    const end = await request(h.app).get("/api/admin/preferences/sets").query({ after: second.body.page.after }).set(p.admin).expect(200)
    expect(end.body).toEqual({ items: [], page: { after: second.body.page.after, has_more_after: false, limit: 100 } })
    expect([...first.body.items, ...second.body.items].filter((i: { tenant_id: null }) => i.tenant_id === null).map((i: { user_id: string }) => i.user_id)).toEqual(ids)
  })

  it("pages with an explicit limit; an empty project answers an empty page whose cursor starts from the first set", async () => {
    const { p } = await seed(3)
    const seen: Array<string> = []
    let after: string | undefined
    for (;;) {
      const res = await request(h.app).get("/api/admin/preferences/sets").query({ limit: 1, ...(after ? { after } : {}) }).set(p.admin).expect(200)
      expect(res.body.page.limit).toBe(1)
      seen.push(...res.body.items.map((i: { user_id: string }) => i.user_id))
      after = res.body.page.after
      if (!res.body.page.has_more_after) break
    }
    expect(seen).toEqual(["u000", "u001", "u002"])

    const empty = await h.project()
    const none = await request(h.app).get("/api/admin/preferences/sets").set(empty.admin).expect(200)
    expect(none.body).toEqual({ items: [], page: { after: expect.any(String), has_more_after: false, limit: 100 } })
    await request(h.app).put("/api/admin/users/late").set(empty.admin).send({}).expect(201)
    const later = await request(h.app).get("/api/admin/preferences/sets").query({ after: none.body.page.after }).set(empty.admin).expect(200)
    expect(later.body.items.map((i: { user_id: string }) => i.user_id)).toEqual(["late"])
  })

  it.each([
    [{ limit: "0" }, "limit"],
    [{ limit: "1001" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ after: "nope" }, "after"],
    // A cursor of another list (users are paged by id) is not one of this list.
    [{ after: Buffer.from("v1:someone").toString("base64url") }, "after"],
    [{ before: "x" }, "before"]
  ])("400 invalid_param for %j", async (query, param) => {
    const { p } = await seed(1)
    const res = await request(h.app).get("/api/admin/preferences/sets").query(query).set(p.admin).expect(400)
    expect(res.body.error).toMatchObject({ code: "bad_request", details: { reason: "invalid_param", param } })
  })

  it("needs the secret key", async () => {
    const res = await request(h.app).get("/api/admin/preferences/sets").expect(401)
    expect(res.body.error.code).toBe("unauthenticated")
  })
})
