/**
 * EVENTS.md §1, `NOTIFLOWS_CONSENT_CONTEXT_DAYS=0` ("never recorded"): a router built with
 * `recordConsentContext: false` records `{"ip": null, "user_agent": null}` for every end-user
 * write (User API, one-click) and for a relayed admin header, which is still validated.
 */
import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness({ recordConsentContext: false })
const NONE = { ip: null, user_agent: null }

describe("recordConsentContext: false", () => {
  it("User API, admin relay and one-click record no context; a malformed header is still 400", async () => {
    const p = await h.project({ securityMode: "off" })
    const userId = freshId("u")
    await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
    await request(h.app)
      .put("/api/user/preferences")
      .set("x-notiflows-api-key", p.publicKey)
      .set("x-notiflows-user-id", userId)
      .set("User-Agent", "Agent/1")
      .send({ channel_types: { chat: false } })
      .expect(200)
    const relay = 'ip="203.0.113.9", user_agent="Agent/2"'
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("x-notiflows-consent-context", relay).send({ channel_types: { sms: false } }).expect(200)
    await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("x-notiflows-consent-context", "ip=1").send({ channel_types: { sms: true } }).expect(400)
    const link = await request(h.app).post(`/api/admin/users/${userId}/links`).set(p.admin).send({ purpose: "unsubscribe", scope: { notiflow_id: "newsletter", channel_type: "email" } }).expect(200)
    await request(h.app)
      .post(`/api/l/unsubscribe/${link.body.token as string}`)
      .set("content-type", "application/x-www-form-urlencoded")
      .set("user-agent", "MailProvider/1.0")
      .send("List-Unsubscribe=One-Click")
      .expect(200)
    const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin).expect(200)
    const entries = history.body.items as Array<{ source: string; context: unknown }>
    expect(entries.map((e) => [e.source, e.context])).toEqual([
      ["one_click", NONE],
      ["admin_api", NONE],
      ["user_api", NONE]
    ])
  })
})
