/**
 * The User API's scope (MODEL.md §5's credential table): the token's `tenant` claim, the
 * `?tenant_id=` query parameter, the development header, and the order 400 → 403 → 404 (M§8).
 */
import request from "supertest"
import { beforeAll, describe, expect, it } from "vitest"
import type { SeededProject } from "./harness.js"
import { freshId, makeHarness, makeSigningKey, signToken } from "./harness.js"

const h = makeHarness()

let p: SeededProject
let dev: SeededProject
let key: Awaited<ReturnType<typeof makeSigningKey>>
const userId = freshId("u")
const tenant = freshId("acme")
const other = freshId("beta")

beforeAll(async () => {
  key = await makeSigningKey("k1")
  p = await h.project({ signingKeys: [{ kid: "k1", publicKeyPem: key.publicKeyPem }] })
  dev = await h.project({ securityMode: "off" })
  for (const project of [p, dev]) {
    await request(h.app).put(`/api/admin/users/${userId}`).set(project.admin).send({}).expect(201)
    await request(h.app)
      .put(`/api/admin/tenants/${tenant}/preferences/defaults`)
      .set(project.admin)
      .send({ channel_types: { email: false }, locks: { channel_types: { email: true } } })
      .expect(200)
  }
})

const token = (claims: Record<string, unknown>) => signToken(key.privateKey, { sub: userId, exp: Math.floor(Date.now() / 1000) + 600, ...claims })

const asUser = async (path: string, claims: Record<string, unknown>) =>
  request(h.app)
    .get(`/api/user${path}`)
    .set("x-notiflows-api-key", p.publicKey)
    .set("x-notiflows-user-key", await token(claims))

const reasonOf = (res: request.Response): unknown => res.body.error?.details?.reason

describe("the user token's tenant claim (M§5)", () => {
  it("a claim fills the scope without ?tenant_id= (tenant view with locked) and allows the same tenant", async () => {
    for (const path of ["/preferences", `/preferences?tenant_id=${tenant}`]) {
      const res = await asUser(path, { tenant })
      expect(res.status).toBe(200)
      expect(res.body.locked).toEqual({ channel_types: { email: true } })
    }
  })
  it("a claim never reaches the global set nor another tenant: 403 forbidden tenant_mismatch", async () => {
    const res = await asUser(`/preferences?tenant_id=${other}`, { tenant })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe("forbidden")
    expect(reasonOf(res)).toBe("tenant_mismatch")
  })
  it("a token without a claim reaches the global set; naming a tenant is 403 tenant_mismatch", async () => {
    const global = await asUser("/preferences", {})
    expect(global.status).toBe(200)
    expect(global.body.locked).toBeUndefined()
    const named = await asUser(`/preferences/history?tenant_id=${tenant}`, {})
    expect(named.status).toBe(403)
    expect(reasonOf(named)).toBe("tenant_mismatch")
  })
  it("a claim that is not a well-formed tenant id is 401 unauthenticated (auth: user_key)", async () => {
    for (const bad of [5, "", "__proto__", "a b", null, ["acme"], "x".repeat(65)]) {
      const res = await asUser("/preferences", { tenant: bad })
      expect(res.status).toBe(401)
      expect(res.body.error.details.auth).toBe("user_key")
    }
  })
  it("writes with a claim go to the tenant's set and meet its locks", async () => {
    const t = await token({ tenant })
    const res = await request(h.app)
      .put("/api/user/preferences")
      .set("x-notiflows-api-key", p.publicKey)
      .set("x-notiflows-user-key", t)
      .send({ channel_types: { email: true } })
    expect(res.status).toBe(422)
    expect(res.body.error.details.fields.map((f: { field: string; reason: string }) => [f.field, f.reason])).toEqual([["channel_types.email", "locked"]])
  })
  it("the development header (security mode off) may name any tenant", async () => {
    const res = await request(h.app)
      .get(`/api/user/preferences?tenant_id=${tenant}`)
      .set("x-notiflows-api-key", dev.publicKey)
      .set("x-notiflows-user-id", userId)
      .expect(200)
    expect(res.body.locked).toEqual({ channel_types: { email: true } })
    const global = await request(h.app).get("/api/user/preferences").set("x-notiflows-api-key", dev.publicKey).set("x-notiflows-user-id", userId).expect(200)
    expect(global.body.locked).toBeUndefined()
  })
  it("order of checks (M§8): a malformed tenant_id is 400 before 403; 403 comes before the user's existence (404)", async () => {
    const malformed = await asUser("/preferences?tenant_id=__proto__", { tenant })
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.details).toMatchObject({ reason: "invalid_param", param: "tenant_id" })
    const stranger = await signToken(key.privateKey, { sub: "nobody", tenant, exp: Math.floor(Date.now() / 1000) + 600 })
    const res = await request(h.app)
      .get(`/api/user/preferences?tenant_id=${other}`)
      .set("x-notiflows-api-key", p.publicKey)
      .set("x-notiflows-user-key", stranger)
    expect(res.status).toBe(403)
    const unknown = await request(h.app).get("/api/user/preferences").set("x-notiflows-api-key", p.publicKey).set("x-notiflows-user-key", stranger)
    expect(unknown.status).toBe(404)
  })
  it("the idempotency fingerprint covers the token's tenant claim", async () => {
    const idem = freshId("idem")
    const put = async (claims: Record<string, unknown>) =>
      request(h.app)
        .put("/api/user/preferences")
        .set("x-notiflows-api-key", p.publicKey)
        .set("x-notiflows-user-key", await token(claims))
        .set("Idempotency-Key", idem)
        .send({ channel_types: { sms: false } })
    expect((await put({})).status).toBe(200)
    const res = await put({ tenant })
    expect(res.status).toBe(409)
    expect(reasonOf(res)).toBe("idempotency_key_reused")
  })
})
