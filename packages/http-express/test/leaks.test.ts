import request from "supertest"
import { describe, expect, it } from "vitest"
import { hashPresentedKey as hashApiKey } from "../src/internal/KeyHash.js"
import { freshId, makeHarness, makeSigningKey, signToken } from "./harness.js"

describe("nothing secret ever leaves the process", () => {
  it("no key, hash, token or stack in any response body or header; logs carry ids but no keys, tokens or bodies", async () => {
    const h = makeHarness()
    const k = await makeSigningKey("k1")
    const p = await h.project({ signingKeys: [{ kid: "k1", publicKeyPem: k.publicKeyPem }], allowedOrigins: ["https://app.example.com"] })
    const other = await h.project()
    const userId = freshId("u")
    const token = await signToken(k.privateKey, { sub: userId }, { alg: "RS256", kid: "k1" })
    const user = { "x-notiflows-api-key": p.publicKey, "x-notiflows-user-key": token }
    const secretBody = { first_name: "BODY-MARKER-42" }
    const responses: Array<request.Response> = [
      await request(h.app).put(`/api/admin/users/${userId}`).set(p.admin).send(secretBody),
      await request(h.app).get(`/api/admin/users/${userId}/preferences`).set(p.admin).set("x-notiflows-api-key", p.publicKey),
      await request(h.app).get("/api/admin/users").set(p.admin).set("x-notiflows-api-key", other.publicKey),
      await request(h.app).get("/api/admin/users").set("x-notiflows-secret-key", p.secretKey + "x"),
      await request(h.app).get("/api/user/preferences").set(user),
      await request(h.app).get("/api/user/preferences").set(user).set("Origin", "https://evil.example"),
      await request(h.app).get("/api/user/preferences").set({ ...user, "x-notiflows-user-key": token + "x" }),
      await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).set("Content-Type", "application/json").send("{bad"),
      await request(h.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { fax: true } }),
      await request(h.app).get("/api/admin/nope").set(p.admin),
      await request(h.app).get(`/api/admin/users/${userId}/preferences/history`).set(p.admin)
    ]
    const secrets = [p.secretKey, p.publicKey, other.publicKey, hashApiKey(p.secretKey), hashApiKey(p.publicKey), token, k.publicKeyPem.slice(30, 60)]
    for (const res of responses) {
      const text = JSON.stringify(res.headers) + res.text
      for (const s of secrets) expect(text).not.toContain(s)
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|Error:|stack/)
    }
    const logs = h.logs.join("")
    expect(logs).toContain(p.project.id)
    expect(logs).toContain("/admin/users/{user_id}/preferences")
    expect(logs).toMatch(/"latency_ms":\d+/)
    // Request values (the user id in the path, the body) are not logged either.
    for (const s of [...secrets, "BODY-MARKER-42", userId]) expect(logs).not.toContain(s)
    for (const line of h.logs) {
      const entry = JSON.parse(line) as { request_id?: string; res?: { status?: number } }
      expect(entry.request_id).toMatch(/^req_/)
      expect(line.split('"request_id"')).toHaveLength(2)
      expect(typeof entry.res?.status).toBe("number")
    }
  })
})
