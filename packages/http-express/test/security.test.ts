/**
 * Security properties (issue 5 "Security") beyond test/auth.test.ts (which covers bad, revoked,
 * foreign and mixed keys on one route, and JWT signature, alg, exp and nbf cases):
 * - keys of project A never read or write project B, on every admin route: B's stored data is
 *   unchanged and a response about an id that exists only in B is identical (ids, request ids,
 *   uuids and times aside) to the one about an id that exists nowhere; a public key of B next to
 *   A's secret key is 401 `api_key` on every route;
 * - a user token naming a user that exists only in another project is 404 `user` and the answer
 *   is identical to the one for a user that exists nowhere, on every User API route;
 * - an origin the project does not allow (another project's, scheme/port/suffix/userinfo tricks,
 *   random ones) gets 403 `origin_not_allowed` on every User API route, no CORS headers, and
 *   nothing is written.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fc from "fast-check"
import request from "supertest"
import { beforeAll, describe, expect, it } from "vitest"
import { StorageInspector } from "@notiflows/testing"
import type { SeededProject } from "./harness.js"
import { makeHarness, makeSigningKey, signToken } from "./harness.js"

const h = makeHarness()
let A: SeededProject
let B: SeededProject
let signingKey: Awaited<ReturnType<typeof makeSigningKey>>
const A_ORIGIN = "https://app.example.com"
const B_ORIGIN = "https://b.example.com"
const MARKER = "B-PRIVATE-MARKER"

beforeAll(async () => {
  signingKey = await makeSigningKey("k1")
  const keys = [{ kid: "k1", publicKeyPem: signingKey.publicKeyPem }]
  A = await h.project({ signingKeys: keys, allowedOrigins: [A_ORIGIN] })
  // B trusts the same signing key: a token is only ever checked against the project of the public key.
  B = await h.project({ signingKeys: keys, allowedOrigins: [B_ORIGIN] })
  await request(h.app).put("/api/admin/preferences/defaults").set(B.admin).send({ channel_types: { chat: false } }).expect(200)
  await request(h.app).put("/api/admin/users/a-user").set(A.admin).send({}).expect(201)
  await request(h.app).put("/api/admin/notiflows/a-flow").set(A.admin).send({ name: "A flow" }).expect(201)
})

let counter = 0
const fresh = (prefix: string) => `${prefix}-${++counter}`

/** A user and a notiflow that exist only in B, with data worth stealing. */
const seedB = async () => {
  const user = fresh("b-user")
  const flow = fresh("b-flow")
  await request(h.app).put(`/api/admin/notiflows/${flow}`).set(B.admin).send({ name: `${MARKER} flow` }).expect(201)
  await request(h.app)
    .put(`/api/admin/users/${user}`)
    .set(B.admin)
    .send({ email: "b-private@example.com", first_name: MARKER, custom_fields: { secret: MARKER }, preferences: { channel_types: { sms: false }, notiflows: { [flow]: { enabled: false } } } })
    .expect(201)
  return { user, flow }
}

/** Everything B stores that a request could touch. */
const bState = (users: ReadonlyArray<string>, flows: ReadonlyArray<string>) =>
  h.runtime.runPromise(
    Effect.flatMap(StorageInspector, (i) =>
      Effect.gen(function* () {
        const rows = (yield* Effect.forEach(users, (u) => i.userRow(B.project.id, u))).map(Option.getOrNull)
        return {
          project: Option.getOrNull(yield* i.projectRow(B.project.id)),
          count: yield* i.userCount(B.project.id),
          rows,
          prefs: yield* Effect.forEach(rows, (r) =>
            r === null ? Effect.succeed(null) : Effect.all([Effect.map(i.preferenceRow(B.project.id, r.id), Option.getOrNull), i.historyRows(B.project.id, r.id)])
          ),
          flows: (yield* Effect.forEach(flows, (f) => i.notiflowRow(B.project.id, f))).map(Option.getOrNull),
          keys: yield* i.apiKeyRows(B.project.id)
        }
      })
    )
  )

/** What must never appear in A's answers: B's ids, data and keys. */
const bSecrets = async (user: string) => {
  const row = await h.runtime.runPromise(Effect.flatMap(StorageInspector, (i) => i.userRow(B.project.id, user)))
  return [B.project.id, B.secretKey, B.publicKey, B.secretKeyId, B.publicKeyId, MARKER, "b-private@example.com", ...(Option.isSome(row) ? [row.value.id] : [])]
}

/** A response with everything that legitimately differs between two requests masked. */
const normalized = (res: request.Response, id: string, ghost: string) => {
  const mask = (s: string) =>
    s
      .split(id)
      .join("<ID>")
      .split(ghost)
      .join("<ID>")
      .replace(/req_[A-Za-z0-9_-]+/g, "<REQ>")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<UUID>")
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<TIME>")
      .replace(/"[A-Za-z0-9_-]{20,}"/g, '"<TAG>"')
  const headers = Object.keys(res.headers)
    .filter((k) => k !== "date")
    .sort()
    .map((k) => `${k}: ${k === "content-length" ? "" : mask(String(res.headers[k]))}`)
  return { status: res.status, headers, body: mask(res.text) }
}

type Call = (app: typeof h.app, headers: Record<string, string>, user: string, flow: string) => request.Test

/** Every admin route, addressed at a user and a notiflow id. */
const ADMIN_CALLS: ReadonlyArray<readonly [string, Call]> = [
  ["GET preferences", (app, hd, u) => request(app).get(`/api/admin/users/${u}/preferences`).set(hd)],
  ["GET explicit", (app, hd, u) => request(app).get(`/api/admin/v1/users/${u}/preferences?explicit=true`).set(hd)],
  ["PUT preferences", (app, hd, u) => request(app).put(`/api/admin/users/${u}/preferences`).set(hd).send({ channel_types: { email: false } })],
  ["PUT preferences on B's notiflow", (app, hd, u, f) => request(app).put(`/api/admin/users/${u}/preferences`).set(hd).send({ notiflows: { [f]: null } })],
  ["DELETE preferences", (app, hd, u) => request(app).delete(`/api/admin/users/${u}/preferences`).set(hd)],
  ["GET history", (app, hd, u) => request(app).get(`/api/admin/users/${u}/preferences/history`).set(hd)],
  ["POST evaluate", (app, hd, u) => request(app).post(`/api/admin/users/${u}/preferences/evaluate`).set(hd).send({ notiflow_id: "a-flow" })],
  ["POST evaluate B's notiflow", (app, hd, _u, f) => request(app).post("/api/admin/users/a-user/preferences/evaluate").set(hd).send({ notiflow_id: f })],
  ["POST batch evaluate", (app, hd, u) => request(app).post("/api/admin/preferences/evaluate").set(hd).send({ notiflow_id: "a-flow", user_ids: [u, "a-user"] })],
  ["POST batch evaluate B's notiflow", (app, hd, u, f) => request(app).post("/api/admin/preferences/evaluate").set(hd).send({ notiflow_id: f, user_ids: [u] })],
  ["GET user", (app, hd, u) => request(app).get(`/api/admin/users/${u}`).set(hd)],
  ["PUT user", (app, hd, u) => request(app).put(`/api/admin/users/${u}`).set(hd).send({ first_name: "A's", custom_fields: { secret: null } })],
  ["DELETE user", (app, hd, u) => request(app).delete(`/api/admin/users/${u}`).set(hd)],
  ["GET users", (app, hd) => request(app).get("/api/admin/users?limit=1000").set(hd)],
  ["GET notiflow", (app, hd, _u, f) => request(app).get(`/api/admin/notiflows/${f}`).set(hd)],
  ["PUT notiflow", (app, hd, _u, f) => request(app).put(`/api/admin/notiflows/${f}`).set(hd).send({ name: "A's", required: true })],
  ["PUT notiflow without name", (app, hd, _u, f) => request(app).put(`/api/admin/notiflows/${f}`).set(hd).send({ required: true })],
  ["DELETE notiflow", (app, hd, _u, f) => request(app).delete(`/api/admin/notiflows/${f}`).set(hd)],
  ["GET notiflows", (app, hd) => request(app).get("/api/admin/notiflows?limit=1000").set(hd)],
  ["GET defaults", (app, hd) => request(app).get("/api/admin/preferences/defaults").set(hd)],
  ["PUT defaults", (app, hd) => request(app).put("/api/admin/preferences/defaults").set(hd).send({ channel_types: { chat: null, sms: false } })]
]

const USER_CALLS: ReadonlyArray<readonly [string, (hd: Record<string, string>) => request.Test]> = [
  ["GET", (hd) => request(h.app).get("/api/user/preferences").set(hd)],
  ["GET explicit", (hd) => request(h.app).get("/api/user/v1/preferences?explicit=true").set(hd)],
  ["PUT", (hd) => request(h.app).put("/api/user/preferences").set(hd).send({ channel_types: { email: false } })],
  ["PUT empty", (hd) => request(h.app).put("/api/user/v1/preferences").set(hd).send({})],
  ["GET history", (hd) => request(h.app).get("/api/user/preferences/history").set(hd)]
]

const expectNoneOf = (res: request.Response, secrets: ReadonlyArray<string>, what: string) => {
  const text = JSON.stringify(res.headers) + res.text
  for (const s of secrets) expect(text.includes(s), `${what}: reveals ${s}`).toBe(false)
}

describe("project isolation (admin keys)", () => {
  it("A's keys never read or write B: every admin route answers about a B-only id exactly as about an id that exists nowhere", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ADMIN_CALLS), fc.boolean(), async ([label, call], withPublicKey) => {
        const { user, flow } = await seedB()
        const ghostUser = fresh("ghost-user")
        const ghostFlow = fresh("ghost-flow")
        const secrets = await bSecrets(user)
        const before = await bState([user, ghostUser], [flow, ghostFlow])
        const headers = withPublicKey ? { ...A.admin, "x-notiflows-api-key": A.publicKey } : A.admin
        const onB = await call(h.app, headers, user, flow)
        const onGhost = await call(h.app, headers, ghostUser, ghostFlow)
        expect(onB.status, `${label}: ${onB.text}`).toBeLessThan(500)
        expectNoneOf(onB, secrets, label)
        const b = normalized(onB, user, flow)
        const g = normalized(onGhost, ghostUser, ghostFlow)
        expect(b.status, label).toBe(g.status)
        expect(b.body.split(flow).join("<F>"), label).toBe(g.body.split(ghostFlow).join("<F>"))
        expect(b.headers, label).toEqual(g.headers)
        if (onB.status === 404) expect(onB.body.error.details.resource).toMatch(/^(user|notiflow)$/)
        expect(await bState([user, ghostUser], [flow, ghostFlow]), `${label}: B's data changed`).toEqual(before)
      }),
      { numRuns: 120 }
    )
  })

  it("A's secret key with B's public key is 401 api_key on every admin route, and B is untouched", async () => {
    const { user, flow } = await seedB()
    const before = await bState([user], [flow])
    for (const [label, call] of ADMIN_CALLS) {
      const res = await call(h.app, { ...A.admin, "x-notiflows-api-key": B.publicKey }, user, flow)
      expect(res.status, label).toBe(401)
      expect(res.body.error.details, label).toEqual({ auth: "api_key" })
      expectNoneOf(res, await bSecrets(user), label)
      // And B's secret key with A's public key: the same answer, nothing reveals which project the key is from.
      const swapped = await call(h.app, { ...B.admin, "x-notiflows-api-key": A.publicKey }, user, flow)
      expect(swapped.status, label).toBe(401)
      expect(swapped.body.error.message, label).toBe(res.body.error.message)
    }
    expect(await bState([user], [flow])).toEqual(before)
  })
})

describe("user tokens naming another project's user", () => {
  it("404 user, identical to a user that exists nowhere, on every User API route; nothing is created or changed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USER_CALLS), fc.boolean(), async ([label, call], withKid) => {
        const { user, flow } = await seedB()
        const ghost = fresh("ghost-user")
        const secrets = await bSecrets(user)
        const before = await bState([user, ghost], [flow])
        const sign = (sub: string) => signToken(signingKey.privateKey, { sub }, withKid ? { alg: "RS256", kid: "k1" } : { alg: "RS256" })
        const onB = await call({ "x-notiflows-api-key": A.publicKey, "x-notiflows-user-key": await sign(user) })
        const onGhost = await call({ "x-notiflows-api-key": A.publicKey, "x-notiflows-user-key": await sign(ghost) })
        expect(onB.status, label).toBe(404)
        expect(onB.body.error.details, label).toEqual({ resource: "user", id: user })
        expectNoneOf(onB, secrets, label)
        expect(normalized(onB, user, user), label).toEqual(normalized(onGhost, ghost, ghost))
        expect(await bState([user, ghost], [flow]), `${label}: B's data changed`).toEqual(before)
        // Nothing was created in A either.
        expect((await request(h.app).get(`/api/admin/users/${user}`).set(A.admin)).status).toBe(404)
      }),
      { numRuns: 40 }
    )
  })
})

describe("origins", () => {
  const ORIGINS = [
    B_ORIGIN, // allowed by another project only
    "http://app.example.com",
    "https://app.example.com:8443",
    "https://app.example.com.evil.com",
    "https://evil-app.example.com",
    "https://sub.app.example.com",
    "https://app.example.co",
    "https://app.example.com@evil.com",
    "https://evil.com#https://app.example.com",
    "null",
    "file://",
    "https://app.example.com%2F.evil.com"
  ]
  const origin = fc.oneof(
    fc.constantFrom(...ORIGINS),
    fc.webUrl().map((u) => {
      try {
        return new URL(u).origin
      } catch {
        return u
      }
    })
  ).filter((o) => o !== A_ORIGIN)

  it("an origin the project does not allow is 403 origin_not_allowed on every User API route, with no CORS headers and no write", async () => {
    const token = await signToken(signingKey.privateKey, { sub: "a-user" }, { alg: "RS256", kid: "k1" })
    const user = { "x-notiflows-api-key": A.publicKey, "x-notiflows-user-key": token }
    const explicitOf = async () => (await request(h.app).get("/api/admin/users/a-user/preferences?explicit=true").set(A.admin)).text
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USER_CALLS), origin, async ([label, call], o) => {
        const before = await explicitOf()
        const res = await call({ ...user, Origin: o })
        expect(res.status, `${label} from ${JSON.stringify(o)}`).toBe(403)
        expect(res.body.error).toMatchObject({ code: "forbidden", status: 403, details: { reason: "origin_not_allowed" } })
        expect(Object.keys(res.headers).filter((k) => k.startsWith("access-control-")), label).toEqual([])
        expect(await explicitOf(), `${label}: written despite 403`).toBe(before)
      }),
      { numRuns: 150 }
    )
    // The allowed origin still works (the property is not vacuous).
    const ok = await request(h.app).put("/api/user/preferences").set({ ...user, Origin: A_ORIGIN }).send({ channel_types: { sms: false } })
    expect(ok.status).toBe(200)
    expect(ok.headers["access-control-allow-origin"]).toBe(A_ORIGIN)
  })
})
