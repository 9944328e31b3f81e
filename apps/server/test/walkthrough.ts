/**
 * The README's walk-through, driven over HTTP: create a notiflow, upsert a user, run the seed's
 * PUT, read it back, evaluate, read the history. Then MODEL.md's additions: a category, a
 * tenant with a lock, a user×tenant write the lock refuses, evaluate with `?tenant_id=` deciding
 * by `tenant_lock` (the global scope still answers as the user chose).
 */
import { expect } from "vitest"
import { client } from "./support.js"

export const SEED_BODY = {
  channel_types: { sms: false },
  notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { channel_types: { email: false }, enabled: true } }
}

export const SEED_RESPONSE = {
  channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: false, web_push: true },
  notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { enabled: true, channel_types: { email: false }, name: "Order Updates" } }
}

export const runWalkthrough = async (url: string, secretKey: string): Promise<void> => {
  const api = client(url, { "x-notiflows-secret-key": secretKey })
  const notiflow = await api.put("/admin/notiflows/01HQXYZ123456789ABCDEFGHIJ", { name: "Order Updates" })
  expect(notiflow.status).toBe(201)
  const user = await api.put("/admin/users/user_12345", { email: "ada@example.com", first_name: "Ada" })
  expect(user.status).toBe(201)
  expect(user.body).toMatchObject({ external_id: "user_12345", email: "ada@example.com" })

  // The seed's own request (plus the secret-key header), at our base URL.
  const seed = await api.put("/admin/users/user_12345/preferences", SEED_BODY)
  expect(seed.status).toBe(200)
  expect(seed.body).toEqual(SEED_RESPONSE)
  expect(seed.headers.get("etag")).toMatch(/^"/)

  const read = await api.get("/admin/v1/users/user_12345/preferences")
  expect(read.status).toBe(200)
  expect(read.body).toEqual(SEED_RESPONSE)

  const evaluated = await api.post("/admin/users/user_12345/preferences/evaluate", {
    notiflow_id: "01HQXYZ123456789ABCDEFGHIJ",
    channel_types: ["email", "sms", "in_app"]
  })
  expect(evaluated.status).toBe(200)
  expect(evaluated.body).toEqual({
    user_id: "user_12345",
    notiflow_id: "01HQXYZ123456789ABCDEFGHIJ",
    channel_types: {
      email: { deliver: false, reason: "notiflow_channel_opt_out", source: "user" },
      sms: { deliver: false, reason: "channel_opt_out", source: "user" },
      in_app: { deliver: true, reason: "allowed", source: "default" }
    }
  })

  const history = await api.get("/admin/users/user_12345/preferences/history")
  expect(history.status).toBe(200)
  expect(history.body.items).toHaveLength(1)
  expect(history.body.items[0]).toMatchObject({
    version: 1,
    actor: { type: "secret_key" },
    changes: [
      { path: "channel_types.sms", from: null, to: false },
      { path: "notiflows.01HQXYZ123456789ABCDEFGHIJ.channel_types.email", from: null, to: false },
      { path: "notiflows.01HQXYZ123456789ABCDEFGHIJ.enabled", from: null, to: true }
    ]
  })
  expect(JSON.stringify(history.body)).not.toContain(secretKey)

  const unauthenticated = await client(url, {}).get("/admin/users/user_12345/preferences")
  expect(unauthenticated.status).toBe(401)
  expect(unauthenticated.body.error).toMatchObject({ code: "unauthenticated", status: 401, details: { auth: "secret_key" } })

  await runModelWalkthrough(url, secretKey)
}

/** MODEL.md end to end: categories, a tenant's locked default, a refused tenant write, a `tenant_lock` decision. */
const runModelWalkthrough = async (url: string, secretKey: string): Promise<void> => {
  const api = client(url, { "x-notiflows-secret-key": secretKey })
  const category = await api.put("/admin/categories/orders", { name: "Orders", default_channel_types: { sms: false } })
  expect(category.status).toBe(201)
  expect(category.body).toMatchObject({ id: "orders", name: "Orders", include_in_preferences: true, default_enabled: true })
  const member = await api.put("/admin/notiflows/01HQXYZ123456789ABCDEFGHIJ", { categories: ["orders"] })
  expect(member.status).toBe(200)
  expect(member.body.categories).toEqual(["orders"])

  const defaults = await api.put("/admin/tenants/acme/preferences/defaults", {
    channel_types: { in_app: false },
    locks: { channel_types: { in_app: true } }
  })
  expect(defaults.status).toBe(200)
  expect(defaults.body).toEqual({
    channel_types: { in_app: false },
    categories: {},
    notiflows: {},
    locks: { channel_types: { in_app: true }, categories: {}, notiflows: {} }
  })
  expect((await api.get("/admin/tenants")).body.items).toEqual([{ id: "acme", has_defaults: true }])

  const refused = await api.put("/admin/users/user_12345/preferences?tenant_id=acme", {
    channel_types: { in_app: true },
    categories: { orders: { enabled: false } }
  })
  expect(refused.status).toBe(422)
  expect(refused.body.error.details.fields).toEqual([{ field: "channel_types.in_app", reason: "locked", message: expect.any(String) }])
  expect((await api.get("/admin/users/user_12345/preferences/history?tenant_id=acme")).body.items).toEqual([])

  const view = await api.get("/admin/users/user_12345/preferences?tenant_id=acme")
  expect(view.status).toBe(200)
  expect(view.body.locked).toEqual({ channel_types: { in_app: true } })
  expect(view.body.categories).toEqual({ orders: { enabled: true, channel_types: { sms: false }, name: "Orders" } })

  const body = { notiflow_id: "01HQXYZ123456789ABCDEFGHIJ", channel_types: ["in_app"] }
  const inTenant = await api.post("/admin/users/user_12345/preferences/evaluate?tenant_id=acme", body)
  expect(inTenant.status).toBe(200)
  expect(inTenant.body).toEqual({
    user_id: "user_12345",
    tenant_id: "acme",
    notiflow_id: "01HQXYZ123456789ABCDEFGHIJ",
    channel_types: { in_app: { deliver: false, reason: "channel_opt_out", source: "tenant_lock" } }
  })
  const global = await api.post("/admin/users/user_12345/preferences/evaluate", body)
  expect(global.body.channel_types).toEqual({ in_app: { deliver: true, reason: "allowed", source: "default" } })
}
