import request from "supertest"
import { describe, expect, it } from "vitest"
import { freshId, makeHarness, makeSigningKey, signToken } from "./harness.js"

const h = makeHarness()

const setupUser = async (settings: Parameters<typeof h.project>[0] = {}) => {
  const p = await h.project(settings)
  const userId = freshId("u")
  await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
  return { p, userId }
}

const authOf = (res: request.Response): unknown => (res.body as { error: { details: { auth?: string } } }).error.details.auth

describe("admin authentication", () => {
  it("no keys at all → 401 secret_key", async () => {
    const res = await request(h.app).get("/api/admin/users")
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe("unauthenticated")
    expect(authOf(res)).toBe("secret_key")
  })
  it("only a public key → 401 secret_key", async () => {
    const p = await h.project()
    const res = await request(h.app).get("/api/admin/users").set("x-notiflows-api-key", p.publicKey)
    expect(authOf(res)).toBe("secret_key")
  })
  it("bad, malformed, public-as-secret and revoked secret keys → 401 secret_key", async () => {
    const p = await h.project()
    for (const key of ["sk_doesnotexist00000000000000000000", "garbage", p.publicKey, ""]) {
      const res = await request(h.app).get("/api/admin/users").set("x-notiflows-secret-key", key)
      expect(res.status).toBe(401)
      expect(authOf(res)).toBe("secret_key")
    }
    const extra = await h.addKey(p.project.id, "secret")
    await request(h.app).get("/api/admin/users").set("x-notiflows-secret-key", extra.key).expect(200)
    await h.revoke(p.project.id, extra.id)
    // Cached for at most the TTL (5 s): still served now, refused once the clock passes it.
    h.clock.now += 5_001
    const res = await request(h.app).get("/api/admin/users").set("x-notiflows-secret-key", extra.key)
    expect(authOf(res)).toBe("secret_key")
  })
  it("secret alone, or secret + public of the same project, is accepted", async () => {
    const p = await h.project()
    await request(h.app).get("/api/admin/users").set(p.admin).expect(200)
    await request(h.app).get("/api/admin/users").set(p.admin).set("x-notiflows-api-key", p.publicKey).expect(200)
  })
  it("a public key of another project, a bad one or a secret in its place → 401 api_key", async () => {
    const p = await h.project()
    const other = await h.project()
    for (const key of [other.publicKey, "pk_nope000000000000000000000000", p.secretKey]) {
      const res = await request(h.app).get("/api/admin/users").set(p.admin).set("x-notiflows-api-key", key)
      expect(res.status).toBe(401)
      expect(authOf(res)).toBe("api_key")
      expect(res.body.error.message).toBe("Invalid public key")
    }
  })
  it("a project never sees another project's users", async () => {
    const { userId } = await setupUser()
    const other = await h.project()
    const res = await request(h.app).get(`/api/admin/users/${userId}`).set(other.admin)
    expect(res.status).toBe(404)
    expect(res.body.error.details).toEqual({ resource: "user", id: userId })
  })
})

describe("user API authentication", () => {
  it("missing or bad public key → 401 api_key", async () => {
    const p = await h.project()
    for (const headers of [{}, { "x-notiflows-api-key": "pk_bad00000000000000000000" }, { "x-notiflows-api-key": p.secretKey }]) {
      const res = await request(h.app).get("/api/user/preferences").set(headers)
      expect(res.status).toBe(401)
      expect(authOf(res)).toBe("api_key")
    }
  })
  it("missing token, or dev header in security mode on → 401 user_key", async () => {
    const { p, userId } = await setupUser()
    const res1 = await request(h.app).get("/api/user/preferences").set("x-notiflows-api-key", p.publicKey)
    expect(authOf(res1)).toBe("user_key")
    const res2 = await request(h.app).get("/api/user/preferences").set("x-notiflows-api-key", p.publicKey).set("x-notiflows-user-id", userId)
    expect(res2.status).toBe(401)
    expect(authOf(res2)).toBe("user_key")
  })
  it("dev header works when security mode is off", async () => {
    const { p, userId } = await setupUser({ securityMode: "off" })
    const res = await request(h.app).get("/api/user/v1/preferences").set("x-notiflows-api-key", p.publicKey).set("x-notiflows-user-id", userId)
    expect(res.status).toBe(200)
    const put = await request(h.app)
      .put("/api/user/preferences")
      .set("x-notiflows-api-key", p.publicKey)
      .set("x-notiflows-user-id", userId)
      .send({ channel_types: { sms: false } })
    expect(put.status).toBe(200)
    const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin)
    expect(history.body.items[0].actor).toEqual({ type: "dev_user_id", id: userId })
  })

  describe("JWT user keys", async () => {
    const k1 = await makeSigningKey("k1")
    const k2 = await makeSigningKey("k2")
    const stranger = await makeSigningKey("k1")
    const { p, userId } = await setupUser({ signingKeys: [{ kid: "k1", publicKeyPem: k1.publicKeyPem }, { kid: "k2", publicKeyPem: k2.publicKeyPem }] })
    const call = (token: string) => request(h.app).get("/api/user/preferences").set("x-notiflows-api-key", p.publicKey).set("x-notiflows-user-key", token)
    const nowSec = () => Math.floor(h.clock.now / 1000)

    it("accepts RS256 tokens from either key (kid selects) and records the actor", async () => {
      await call(await signToken(k1.privateKey, { sub: userId }, { alg: "RS256", kid: "k1" })).expect(200)
      await call(await signToken(k2.privateKey, { sub: userId }, { alg: "RS256", kid: "k2" })).expect(200)
      // No kid: every key is tried.
      await call(await signToken(k2.privateKey, { sub: userId })).expect(200)
      const token = await signToken(k1.privateKey, { sub: userId, exp: nowSec() + 60 }, { alg: "RS256", kid: "k1" })
      await request(h.app)
        .put("/api/user/preferences")
        .set("x-notiflows-api-key", p.publicKey)
        .set("x-notiflows-user-key", token)
        .send({ channel_types: { email: false } })
        .expect(200)
      const history = await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin)
      expect(history.body.items[0].actor).toEqual({ type: "user_key", id: userId })
    })
    it("rejects a token signed by another key, or with the wrong kid", async () => {
      expect(authOf(await call(await signToken(stranger.privateKey, { sub: userId }, { alg: "RS256", kid: "k1" })))).toBe("user_key")
      expect(authOf(await call(await signToken(k1.privateKey, { sub: userId }, { alg: "RS256", kid: "k2" })))).toBe("user_key")
      expect(authOf(await call(await signToken(k1.privateKey, { sub: userId }, { alg: "RS256", kid: "nope" })))).toBe("user_key")
    })
    it("rejects alg none and HS256 signed with the public key", async () => {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url")
      const none = `${b64({ alg: "none" })}.${b64({ sub: userId })}.`
      expect(authOf(await call(none))).toBe("user_key")
      const { createHmac } = await import("node:crypto")
      const head = `${b64({ alg: "HS256", kid: "k1" })}.${b64({ sub: userId })}`
      const sig = createHmac("sha256", k1.publicKeyPem).update(head).digest("base64url")
      const res = await call(`${head}.${sig}`)
      expect(res.status).toBe(401)
      expect(authOf(res)).toBe("user_key")
    })
    it("enforces exp and nbf with 60 s leeway", async () => {
      const sign = (claims: Record<string, unknown>) => signToken(k1.privateKey, { sub: userId, ...claims }, { alg: "RS256", kid: "k1" })
      await call(await sign({ exp: nowSec() - 30 })).expect(200)
      const expired = await call(await sign({ exp: nowSec() - 120 }))
      expect(authOf(expired)).toBe("user_key")
      expect(expired.body.error.message).toMatch(/expired/)
      await call(await sign({ nbf: nowSec() + 30 })).expect(200)
      const early = await call(await sign({ nbf: nowSec() + 120 }))
      expect(authOf(early)).toBe("user_key")
    })
    it("requires sub; a sub that is no user of the project is 404 user", async () => {
      expect(authOf(await call(await signToken(k1.privateKey, {}, { alg: "RS256", kid: "k1" })))).toBe("user_key")
      const elsewhere = await setupUser()
      const res = await call(await signToken(k1.privateKey, { sub: elsewhere.userId }, { alg: "RS256", kid: "k1" }))
      expect(res.status).toBe(404)
      expect(res.body.error.details.resource).toBe("user")
    })
    it("garbage tokens are 401 user_key", async () => {
      for (const t of ["x", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"]) expect(authOf(await call(t))).toBe("user_key")
    })
  })
})
