/**
 * The README walk-through and the seed's request, done through `@notiflows/client` against the
 * real router over HTTP: admin and User API, ETags and `ifMatch` (412), pagination iterators,
 * idempotent replays, and errors narrowed by code. A function of the service to start, run on
 * PGlite and on PostgreSQL (Walkthrough.*.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeOpenApiDocument, ROUTES } from "@notiflows/http-express"
import type { AdminClient } from "../src/index.js"
import { createAdminClient, createUserClient, isNotiflowsError, NotiflowsError } from "../src/index.js"
import type { TestService } from "./support.js"
import { freshId } from "./support.js"

const NOTIFLOW = "01HQXYZ123456789ABCDEFGHIJ"

/** Runs `f` and returns the NotiflowsError it throws (fails when it resolves). */
const failure = async (f: () => Promise<unknown>): Promise<NotiflowsError> => {
  try {
    await f()
  } catch (error) {
    if (error instanceof NotiflowsError) return error
    throw error
  }
  throw new Error("expected a NotiflowsError")
}

export const walkthroughSuite = (name: string, start: () => Promise<TestService>): void => {
  let service: TestService
  let admin: AdminClient

  beforeAll(async () => {
    service = await start()
    admin = createAdminClient({ baseUrl: service.url, secretKey: service.secretKey })
    await admin.notiflows.upsert(NOTIFLOW, { name: "Order Updates" })
  })
  afterAll(() => service?.close())

  describe(`${name}: the README walk-through through the client`, () => {
    it("answers the seed's request with the computed view, then reads, evaluates and lists history", async () => {
      const user = freshId("user")
      const created = await admin.users.upsert(user, { email: "ada@example.com", first_name: "Ada" })
      expect(created.status).toBe(201)
      expect(created.data.external_id).toBe(user)
      expect((await admin.users.upsert(user, { last_name: "Lovelace" })).status).toBe(200)

      const seed = await admin.preferences.update(user, {
        channel_types: { sms: false },
        notiflows: { [NOTIFLOW]: { channel_types: { email: false }, enabled: true } }
      })
      expect(seed.status).toBe(200)
      expect(seed.data).toEqual({
        channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: false, web_push: true },
        notiflows: { [NOTIFLOW]: { enabled: true, channel_types: { email: false }, name: "Order Updates" } }
      })

      const read = await admin.preferences.get(user)
      expect(read.etag).toMatch(/^"[^"]+"$/)
      expect(read.data).toEqual(seed.data)
      const explicit = await admin.preferences.explicit(user)
      expect(explicit.data).toEqual({ channel_types: { sms: false }, notiflows: { [NOTIFLOW]: { enabled: true, channel_types: { email: false } } } })

      const decision = await admin.preferences.evaluate(user, { notiflow_id: NOTIFLOW, channel_types: ["email", "sms", "in_app"] })
      expect(decision.data.channel_types).toEqual({
        email: { deliver: false, reason: "notiflow_channel_opt_out", source: "user" },
        sms: { deliver: false, reason: "channel_opt_out", source: "user" },
        in_app: { deliver: true, reason: "allowed", source: "default" }
      })
      const batch = await admin.preferences.evaluateMany({ notiflow_id: NOTIFLOW, user_ids: [user, freshId("nobody")], channel_types: ["sms"] })
      expect(batch.data.results.map((r) => [r.user_found, r.channel_types.sms?.deliver])).toEqual([
        [true, false],
        [false, true]
      ])

      const history = await admin.preferences.history(user).toArray()
      expect(history).toHaveLength(1)
      expect(history[0]?.version).toBe(1)
      expect(history[0]?.actor.type).toBe("secret_key")
      expect(history[0]?.changes).toContainEqual({ path: "channel_types.sms", from: null, to: false })

      const reset = await admin.preferences.reset(user)
      expect(reset.data.channel_types.sms).toBe(true)
      expect((await admin.users.get(user)).data.last_name).toBe("Lovelace")
      expect((await admin.users.delete(user)).status).toBe(204)
      expect((await failure(() => admin.users.get(user))).code).toBe("not_found")
    })

    it("runs the User API with the public key and a user token", async () => {
      const user = freshId("user")
      await admin.users.upsert(user, {})
      const client = createUserClient({ baseUrl: service.url, publicKey: service.publicKey, userToken: () => service.token(user) })
      const view = await client.preferences.get()
      expect(view.data.notiflows[NOTIFLOW]?.name).toBe("Order Updates")
      const updated = await client.preferences.update({ channel_types: { email: false } }, { ifMatch: view.etag })
      expect(updated.data.channel_types.email).toBe(false)
      expect((await client.preferences.explicit()).data).toEqual({ channel_types: { email: false }, notiflows: {} })
      const history = await client.preferences.history().toArray()
      expect(history.map((e) => [e.version, e.actor.type, e.actor.id])).toEqual([[1, "user_key", user]])
      const stale = await failure(() => client.preferences.update({ channel_types: { sms: false } }, { ifMatch: view.etag }))
      expect(stale.status).toBe(412)
    })

    it("covers categories, tenant defaults and locks (MODEL.md)", async () => {
      const user = freshId("user")
      const tenant = freshId("acme")
      await admin.users.upsert(user, {})
      expect((await admin.categories.upsert("marketing", { name: "Marketing" })).data.name).toBe("Marketing")
      expect((await admin.categories.get("marketing")).data.id).toBe("marketing")
      await admin.tenants.defaults.update(tenant, { channel_types: { email: false }, locks: { channel_types: { email: true } } })
      const locked = await failure(() => admin.preferences.update(user, { channel_types: { email: true } }, { tenantId: tenant }))
      expect(locked.is("validation_error") && locked.details.fields.map((f) => f.reason)).toEqual(["locked"])
      await admin.preferences.update(user, { channel_types: { sms: false } }, { tenantId: tenant })
      const tenants = await admin.tenants.list({ userId: user }).toArray()
      expect(tenants.map((t) => t.id)).toEqual([tenant])
      const decision = await admin.preferences.evaluate(user, { notiflow_id: NOTIFLOW, channel_types: ["email"] }, { tenantId: tenant })
      expect(decision.data.channel_types.email).toMatchObject({ deliver: false, reason: "channel_opt_out", source: "tenant_lock" })
      expect((await admin.tenants.defaults.get(tenant)).etag).toBeDefined()
      expect((await admin.defaults.get()).data.channel_types.chat).toBe(true)
    })
  })

  describe("conditional writes", () => {
    it("applies a write whose ifMatch is current, and refuses a stale one with 412 and the current ETag", async () => {
      const user = freshId("user")
      await admin.users.upsert(user, {})
      const first = await admin.preferences.get(user)
      const ok = await admin.preferences.update(user, { channel_types: { chat: false } }, { ifMatch: first.etag })
      expect(ok.data.channel_types.chat).toBe(false)
      const current = (await admin.preferences.get(user)).etag
      const error = await failure(() => admin.preferences.update(user, { channel_types: { sms: false } }, { ifMatch: first.etag }))
      expect(error.is("precondition_failed")).toBe(true)
      if (!error.is("precondition_failed")) return
      expect(error.details.reason).toBe("etag_mismatch")
      expect(error.details.current_status).toBe(current)
      expect((await admin.preferences.explicit(user)).data.channel_types).toEqual({ chat: false })
    })
  })

  describe("idempotency", () => {
    it("sends a fresh key per write, and replays a write sent again under the same key", async () => {
      const user = freshId("user")
      await admin.users.upsert(user, {})
      const key = freshId("key")
      const first = await admin.preferences.update(user, { channel_types: { sms: false } }, { idempotencyKey: key })
      const again = await admin.preferences.update(user, { channel_types: { sms: false } }, { idempotencyKey: key })
      expect([first.replayed, again.replayed]).toEqual([false, true])
      expect(again.requestId).toBe(first.requestId)
      const reused = await failure(() => admin.preferences.update(user, { channel_types: { sms: true } }, { idempotencyKey: key }))
      expect(reused.is("conflict") && reused.details.reason).toBe("idempotency_key_reused")
      // Two writes without a key are two requests (fresh keys), not a replay.
      const a = await admin.preferences.update(user, { channel_types: { chat: false } })
      const b = await admin.preferences.update(user, { channel_types: { chat: false } })
      expect([a.replayed, b.replayed]).toEqual([false, false])
    })
  })

  describe("pagination", () => {
    it("iterates every user across pages, newest first, and every history entry", async () => {
      const ids = Array.from({ length: 7 }, (_, i) => freshId(`page${i}`))
      for (const id of ids) await admin.users.upsert(id, {})
      let pages = 0
      for await (const page of admin.users.list({ limit: 2 }).pages()) {
        pages++
        expect(page.data.items.length).toBeLessThanOrEqual(2)
      }
      const all = (await admin.users.list({ limit: 2 }).toArray()).map((u) => u.external_id)
      expect(new Set(all).size).toBe(all.length)
      expect(pages).toBe(Math.ceil(all.length / 2))
      expect(all.filter((id) => ids.includes(id))).toEqual([...ids].reverse())

      const user = ids[0]!
      for (const v of [false, true, false, true, false]) await admin.preferences.update(user, { channel_types: { sms: v } })
      const versions: Array<number> = []
      for await (const entry of admin.preferences.history(user, { limit: 2 })) versions.push(entry.version)
      expect(versions).toEqual([5, 4, 3, 2, 1])
      const notiflows = await admin.notiflows.list({ limit: 1 }).toArray()
      expect(notiflows.map((n) => n.id)).toContain(NOTIFLOW)
    })
  })

  describe("errors", () => {
    it("are NotiflowsErrors carrying the envelope, narrowable by code", async () => {
      const missing = await failure(() => admin.preferences.get(freshId("nobody")))
      expect(missing).toBeInstanceOf(Error)
      expect(missing.name).toBe("NotiflowsError")
      expect([missing.status, missing.code, missing.requestId?.startsWith("req_")]).toEqual([404, "not_found", true])
      expect(isNotiflowsError(missing, "not_found") && missing.details.resource).toBe("user")

      const user = freshId("user")
      await admin.users.upsert(user, {})
      const invalid = await failure(() =>
        admin.preferences.update(user, { channel_types: { fax: true } } as unknown as Parameters<AdminClient["preferences"]["update"]>[1])
      )
      expect(invalid.is("validation_error")).toBe(true)
      if (invalid.is("validation_error")) expect(invalid.details.fields).toEqual([expect.objectContaining({ field: "channel_types.fax", reason: "unknown_channel_type" })])

      const bad = createAdminClient({ baseUrl: service.url, secretKey: "sk_wrong", retry: false })
      const unauthenticated = await failure(() => bad.users.list().toArray())
      expect(unauthenticated.is("unauthenticated") && unauthenticated.details.auth).toBe("secret_key")
      expect(unauthenticated.message).not.toContain("sk_wrong")

      const nowhere = createAdminClient({ baseUrl: "http://127.0.0.1:9", secretKey: service.secretKey, retry: { maxAttempts: 2, baseDelayMs: 1 } })
      const network = await failure(() => nowhere.users.get("x"))
      expect([network.code, network.status, network.message]).toEqual(["network_error", 0, "no response after 2 attempts"])
      expect(network.cause).toBeInstanceOf(Error)
    })
  })

  describe("the document the types come from", () => {
    it("is what the service serves at /openapi.json", async () => {
      const served = (await (await fetch(`${service.url}/openapi.json`)).json()) as unknown
      expect(served).toEqual(makeOpenApiDocument(ROUTES))
      expect((await admin.service.health()).data).toBeDefined()
    })
  })
}
