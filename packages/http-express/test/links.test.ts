/**
 * Minting over HTTP (LINKS.md §2.1–§2.3) on the in-memory adapters: the link object and its
 * token, idempotent replays, every 422 at once, the batch evaluate's `links`, user revocation.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import request from "supertest"
import { describe, expect, it } from "vitest"
import type { ProjectId } from "@notiflows/domain"
import { LinkRepository } from "@notiflows/domain"
import { macValid, parse, userIdOf } from "../src/links/LinkToken.js"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness, PUBLIC_URL } from "./harness.js"

const h = makeHarness()

const fields = (res: request.Response): Array<string> =>
  (res.body.error.details.fields as Array<{ field: string; reason: string }>).map(({ field, reason }) => `${field}|${reason}`).sort()

const setup = async () => {
  const p = await h.project()
  const userId = freshId("u")
  const user = await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/newsletter").set(p.admin).send({ name: "Newsletter" }).expect(201)
  await request(h.app).put("/api/admin/notiflows/security").set(p.admin).send({ name: "Security", required: true }).expect(201)
  await request(h.app).put("/api/admin/categories/marketing").set(p.admin).send({ name: "Marketing" }).expect(201)
  return { p, userId, internalId: user.body.id as string }
}

/** Verifies a token as §1 checks 1–3 do, with the project's stored key. */
const verify = async (p: SeededProject, token: string) => {
  const t = parse(token)
  expect(t).toBeDefined()
  expect(t!.project).toBe(p.project.id)
  const key = await h.runtime.runPromise(Effect.flatMap(LinkRepository, (r) => r.findKey(p.project.id as ProjectId, t!.kid)))
  expect(Option.isSome(key)).toBe(true)
  const secret = Option.getOrThrow(key).secret
  expect(macValid(t!, secret)).toBe(true)
  return { ...t!, user: userIdOf(t!, secret) }
}

const mint = (p: SeededProject, userId: string, body: unknown, base = "/api/admin") =>
  request(h.app).post(`${base}/users/${encodeURIComponent(userId)}/links`).set(p.admin).send(body as object)

describe("POST /admin/users/{user_id}/links", () => {
  it("an unsubscribe link: the documented object, a verifiable token, its URL and the two RFC 8058 headers", async () => {
    const { p, userId, internalId } = await setup()
    const scope = { notiflow_id: "newsletter", channel_type: "email" }
    const res = await mint(p, userId, { purpose: "unsubscribe", scope }).expect(200)
    expect(Object.keys(res.body)).toEqual(["id", "purpose", "scope", "tenant_id", "token", "url", "expires_at", "headers"])
    const { token } = res.body
    expect(token).toMatch(/^[A-Za-z0-9_-]{132}$/)
    expect(res.body).toEqual({
      id: res.body.id,
      purpose: "unsubscribe",
      scope,
      tenant_id: null,
      token,
      url: `${PUBLIC_URL}/l/unsubscribe/${token}`,
      expires_at: new Date((Math.floor(h.clock.now / 1000) + 90 * 86_400) * 1000).toISOString(),
      headers: { "List-Unsubscribe": `<${PUBLIC_URL}/l/unsubscribe/${token}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" }
    })
    const t = await verify(p, token)
    expect(t.jti).toBe(res.body.id)
    expect(t.user).toBe(internalId)
    expect(t.purpose).toBe(1)
    expect(t.exp - t.iat).toBe(90 * 86_400)
    // No personal data: the external id appears nowhere in the token's bytes.
    expect(Buffer.from(token, "base64url").includes(Buffer.from(userId))).toBe(false)
    // Each call makes a new token; the scope record is shared.
    const again = await mint(p, userId, { purpose: "unsubscribe", scope }, "/api/admin/v1").expect(200)
    expect(again.body.token).not.toBe(token)
    expect((await verify(p, again.body.token)).scope).toBe(t.scope)
  })

  it("a preference-center link in a tenant: scope null, no headers, /l/preferences, its own expiry", async () => {
    const { p, userId } = await setup()
    const res = await mint(p, userId, { purpose: "preference_center", tenant_id: "acme", expires_in_days: 7 }).expect(200)
    expect(Object.keys(res.body)).toEqual(["id", "purpose", "scope", "tenant_id", "token", "url", "expires_at"])
    expect(res.body).toMatchObject({ purpose: "preference_center", scope: null, tenant_id: "acme", url: `${PUBLIC_URL}/l/preferences/${res.body.token}` })
    const t = await verify(p, res.body.token)
    expect(t.purpose).toBe(2)
    expect(t.exp - t.iat).toBe(7 * 86_400)
    expect(t.scope).not.toBe("0000000000000000")
    const plain = await mint(p, userId, { purpose: "preference_center" }).expect(200)
    expect((await verify(p, plain.body.token)).scope).toBe("0000000000000000")
  })

  it("an Idempotency-Key replay answers the same token", async () => {
    const { p, userId } = await setup()
    const key = freshId("idem")
    const body = { purpose: "unsubscribe", scope: { category_id: "marketing" } }
    const first = await mint(p, userId, body).set("Idempotency-Key", key).expect(200)
    const replay = await mint(p, userId, body).set("Idempotency-Key", key).expect(200)
    expect(replay.headers["idempotent-replayed"]).toBe("true")
    expect(replay.body.token).toBe(first.body.token)
  })

  it("404 user before any 422; every problem listed; ?tenant_id= is 400 invalid_param", async () => {
    const { p, userId } = await setup()
    const missing = await mint(p, "nobody", { purpose: 1 }).expect(404)
    expect(missing.body.error.details).toMatchObject({ resource: "user" })
    expect(fields(await mint(p, userId, {}).expect(422))).toEqual(["purpose|required"])
    expect(fields(await mint(p, userId, { purpose: "spam" }).expect(422))).toEqual(["purpose|invalid_format"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe" }).expect(422))).toEqual(["scope|required"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: {} }).expect(422))).toEqual(["scope|required"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: "email" }).expect(422))).toEqual(["scope|invalid_type"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: { notiflow_id: "newsletter", category_id: "marketing" } }).expect(422))).toEqual([
      "scope|invalid_format"
    ])
    expect(fields(await mint(p, userId, { purpose: "preference_center", scope: { channel_type: "sms" } }).expect(422))).toEqual(["scope|unknown_field"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: { channel_type: "sms", extra: 1 } }).expect(422))).toEqual(["scope.extra|unknown_field"])
    const many = await mint(p, userId, {
      purpose: "unsubscribe",
      scope: { notiflow_id: "security", channel_type: "fax" },
      tenant_id: "no spaces",
      expires_in_days: 1.5
    }).expect(422)
    expect(fields(many)).toEqual(["expires_in_days|invalid_type", "scope.channel_type|unknown_channel_type", "tenant_id|invalid_format"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: { notiflow_id: "security" }, expires_in_days: 366 }).expect(422))).toEqual([
      "expires_in_days|out_of_range",
      "scope.notiflow_id|not_unsubscribable"
    ])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: { notiflow_id: "ghost" } }).expect(422))).toEqual(["scope.notiflow_id|unknown_notiflow"])
    expect(fields(await mint(p, userId, { purpose: "unsubscribe", scope: { category_id: "ghost" } }).expect(422))).toEqual(["scope.category_id|unknown_category"])
    expect(fields(await mint(p, userId, { purpose: "preference_center", expires_in_days: 0 }).expect(422))).toEqual(["expires_in_days|out_of_range"])
    const q = await request(h.app).post(`/api/admin/users/${userId}/links?tenant_id=acme`).set(p.admin).send({ purpose: "preference_center" }).expect(400)
    expect(q.body.error.details).toMatchObject({ reason: "invalid_param", param: "tenant_id" })
  })
})

describe("POST /admin/users/{user_id}/links/revoke", () => {
  it("records links_valid_after; links minted after it are not covered; 404 for an unknown user", async () => {
    const { p, userId } = await setup()
    const res = await request(h.app).post(`/api/admin/users/${userId}/links/revoke`).set(p.admin).expect(200)
    expect(res.body).toEqual({ user_id: userId, links_valid_after: new Date(h.clock.now).toISOString() })
    const after = await mint(p, userId, { purpose: "preference_center" }).expect(200)
    expect((await verify(p, after.body.token)).iat).toBe(Math.floor(h.clock.now / 1000) + 1)
    await request(h.app).post("/api/admin/users/nobody/links/revoke").set(p.admin).expect(404)
  })
})

describe("links on the batch evaluate (§2.2)", () => {
  const batch = (p: SeededProject, body: unknown, query = "") =>
    request(h.app).post(`/api/admin/preferences/evaluate${query}`).set(p.admin).send(body as object)

  it("each found user gets the requested links and headers; an unknown user gets null; no links unless asked", async () => {
    const { p, userId, internalId } = await setup()
    const res = await batch(p, { notiflow_id: "newsletter", user_ids: [userId, "nobody"], channel_types: ["email"], links: ["unsubscribe", "preference_center"] }, "?tenant_id=acme").expect(200)
    const [found, unknown] = res.body.results
    expect(unknown.links).toBeNull()
    expect(Object.keys(found.links)).toEqual(["unsubscribe", "preference_center", "headers"])
    expect(Object.keys(found.links.unsubscribe)).toEqual(["id", "url", "token", "expires_at"])
    expect(found.links.headers).toEqual({ "List-Unsubscribe": `<${found.links.unsubscribe.url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" })
    const u = await verify(p, found.links.unsubscribe.token)
    expect(u.user).toBe(internalId)
    expect(u.exp - u.iat).toBe(90 * 86_400)
    const c = await verify(p, found.links.preference_center.token)
    expect(c.exp - c.iat).toBe(30 * 86_400)
    // The default scope {notiflow_id, email} in tenant acme: the same record as an explicit mint.
    const explicit = await mint(p, userId, { purpose: "unsubscribe", scope: { notiflow_id: "newsletter", channel_type: "email" }, tenant_id: "acme" }).expect(200)
    expect((await verify(p, explicit.body.token)).scope).toBe(u.scope)
    const plain = await batch(p, { notiflow_id: "newsletter", user_ids: [userId] }).expect(200)
    expect(Object.keys(plain.body.results[0])).toEqual(["user_id", "user_found", "channel_types"])
    const none = await batch(p, { notiflow_id: "newsletter", user_ids: [userId], links: [] }).expect(200)
    expect(Object.keys(none.body.results[0])).toEqual(["user_id", "user_found", "channel_types"])
  })

  it("a required notiflow's default scope gives unsubscribe and headers null; explicit scopes and expiry apply", async () => {
    const { p, userId } = await setup()
    const res = await batch(p, { notiflow_id: "security", user_ids: [userId], links: ["unsubscribe"] }).expect(200)
    expect(res.body.results[0].links).toEqual({ unsubscribe: null, headers: null })
    const scoped = await batch(p, {
      notiflow_id: "security",
      user_ids: [userId],
      links: ["unsubscribe"],
      unsubscribe_scope: { category_id: "marketing" },
      links_expires_in_days: 365
    }).expect(200)
    const t = await verify(p, scoped.body.results[0].links.unsubscribe.token)
    expect(t.exp - t.iat).toBe(365 * 86_400)
  })

  it("422s: unknown or repeated purposes, unsubscribe_scope without unsubscribe, bounds per purpose, required scopes", async () => {
    const { p, userId } = await setup()
    const base = { notiflow_id: "newsletter", user_ids: [userId] }
    expect(fields(await batch(p, { ...base, links: ["unsubscribe", "unsubscribe"] }).expect(422))).toEqual(["links.1|invalid_format"])
    expect(fields(await batch(p, { ...base, links: ["spam"] }).expect(422))).toEqual(["links.0|invalid_format"])
    expect(fields(await batch(p, { ...base, links: ["preference_center"], unsubscribe_scope: { channel_type: "sms" } }).expect(422))).toEqual([
      "unsubscribe_scope|unknown_field"
    ])
    expect(fields(await batch(p, { ...base, links: ["unsubscribe", "preference_center"], links_expires_in_days: 30 }).expect(422))).toEqual([
      "links_expires_in_days|out_of_range"
    ])
    expect(fields(await batch(p, { ...base, links_expires_in_days: 30 }).expect(422))).toEqual(["links_expires_in_days|unknown_field"])
    expect(fields(await batch(p, { ...base, links: ["unsubscribe"], unsubscribe_scope: { notiflow_id: "security" } }).expect(422))).toEqual([
      "unsubscribe_scope.notiflow_id|not_unsubscribable"
    ])
    expect(fields(await batch(p, { ...base, links: ["unsubscribe"], unsubscribe_scope: {} }).expect(422))).toEqual(["unsubscribe_scope|required"])
  })
})
