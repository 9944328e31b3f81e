/**
 * The replica's catalog without a service: catalog and defaults events applied by revision (a
 * repeat or an older event changes nothing, a deletion is not undone by a replayed creation),
 * a deleted category keeps its memberships and decides again once restored, tenant defaults
 * change only the tenant's prepared decisions, tenants not replicated are ignored.
 */
import { describe, expect, it } from "vitest"
import type { ReplicaUser } from "../src/replica/Model.js"
import { applyCatalogEvent, applyMemberships, catalogOf, toModel } from "../src/replica/Catalog.js"
import { evaluateIn, forgetTenant } from "../src/replica/Model.js"

const at = "2026-01-01T00:00:00.000Z"
const notiflow = (name: string, categories: ReadonlyArray<string>, default_enabled = true) => ({
  id: "nf",
  name,
  include_in_preferences: true,
  required: false,
  default_enabled,
  default_channel_types: {},
  categories,
  created_at: at,
  updated_at: at
})
const category = (default_enabled: boolean) => ({
  id: "cat",
  name: "Cat",
  include_in_preferences: true,
  default_enabled,
  default_channel_types: {},
  created_at: at,
  updated_at: at
})
const emptyTenant = { channel_types: {}, categories: {}, notiflows: {}, locks: { channel_types: {}, categories: {}, notiflows: {} } }
const fresh = () => catalogOf({ notiflows: [notiflow("N", [])], categories: [], defaults: { channel_types: {} }, tenants: new Map() })
const all = () => true
const users = new Map<string, ReplicaUser>()
const email = (c: ReturnType<typeof fresh>, tenantId?: string) => {
  const r = evaluateIn(toModel(c), users, "u", "nf", ["email"], tenantId)
  return r?.channel_types.email
}

describe("replica catalog", () => {
  it("applies notiflow events by revision: repeats and older events change nothing", () => {
    const c = fresh()
    expect(applyCatalogEvent(c, "notiflow.updated", { notiflow: notiflow("B", [], false), revision: 3 }, all)).toEqual({ kind: "model" })
    expect(applyCatalogEvent(c, "notiflow.updated", { notiflow: notiflow("A", []), revision: 2 }, all)).toBeUndefined()
    expect(applyCatalogEvent(c, "notiflow.updated", { notiflow: notiflow("B", [], false), revision: 3 }, all)).toBeUndefined()
    expect(c.notiflows.get("nf")?.name).toBe("B")
    expect(email(c)?.deliver).toBe(false)
    expect(applyCatalogEvent(c, "notiflow.deleted", { notiflow_id: "nf", revision: 4 }, all)).toEqual({ kind: "model" })
    // A replayed creation older than the deletion does not bring it back.
    expect(applyCatalogEvent(c, "notiflow.created", { notiflow: notiflow("A", []), revision: 1 }, all)).toBeUndefined()
    expect(email(c)).toBeUndefined()
    expect(applyCatalogEvent(c, "notiflow.created", { notiflow: notiflow("C", []), revision: 5 }, all)).toEqual({ kind: "model" })
    expect(email(c)?.deliver).toBe(true)
  })

  it("keeps a deleted category's memberships, so its restore decides with it again", () => {
    const c = fresh()
    applyCatalogEvent(c, "notiflow.updated", { notiflow: notiflow("N", ["cat"]), revision: 1 }, all)
    expect(applyCatalogEvent(c, "category.created", { category: category(false), revision: 1 }, all)).toEqual({ kind: "category" })
    expect(email(c)).toMatchObject({ deliver: false, reason: "category_disabled" })
    expect(applyCatalogEvent(c, "category.deleted", { category_id: "cat", revision: 2 }, all)).toEqual({ kind: "model" })
    expect(email(c)?.deliver).toBe(true)
    // Renamed while the category is deleted: the GET object no longer names it.
    applyCatalogEvent(c, "notiflow.updated", { notiflow: notiflow("M", []), revision: 2 }, all)
    expect(applyCatalogEvent(c, "category.created", { category: category(false), revision: 3 }, all)).toEqual({ kind: "category" })
    // The replica re-reads the notiflows' lists after a category creation or restore.
    applyMemberships(c, [notiflow("M", ["cat"]), { ...notiflow("Other", []), id: "other" }])
    expect(c.notiflows.get("nf")).toMatchObject({ name: "M", categories: ["cat"] })
    expect(c.notiflows.has("other")).toBe(false)
    expect(email(c)).toMatchObject({ deliver: false, reason: "category_disabled" })
    expect(applyCatalogEvent(c, "category.updated", { category: category(true), revision: 4 }, all)).toEqual({ kind: "model" })
    expect(email(c)?.deliver).toBe(true)
  })

  it("takes the stored project defaults of defaults.updated, by revision", () => {
    const c = fresh()
    expect(applyCatalogEvent(c, "defaults.updated", { defaults: { channel_types: { email: true } }, revision: 2 }, all)).toEqual({ kind: "model" })
    expect(email(c)).toMatchObject({ deliver: true, source: "project_default" })
    expect(applyCatalogEvent(c, "defaults.updated", { defaults: { channel_types: { email: false } }, revision: 1 }, all)).toBeUndefined()
    expect(applyCatalogEvent(c, "defaults.updated", { defaults: { channel_types: {} }, revision: 3 }, all)).toEqual({ kind: "model" })
    expect(email(c)).toMatchObject({ deliver: true, source: "default" })
  })

  it("changes a tenant's defaults in place, only for replicated tenants", () => {
    const c = fresh()
    const model = toModel(c)
    const closed = { ...emptyTenant, channel_types: { email: false }, locks: { ...emptyTenant.locks, channel_types: { email: true } } }
    expect(evaluateIn(model, users, "u", "nf", ["email"], "acme")?.channel_types.email?.deliver).toBe(true)
    expect(applyCatalogEvent(c, "tenant_defaults.updated", { tenant_id: "acme", defaults: closed, revision: 1 }, all)).toEqual({
      kind: "tenant",
      tenantId: "acme"
    })
    forgetTenant(model, "acme")
    expect(evaluateIn(model, users, "u", "nf", ["email"], "acme")?.channel_types.email).toMatchObject({ deliver: false, source: "tenant_lock" })
    // A DELETE: empty defaults at the next revision.
    applyCatalogEvent(c, "tenant_defaults.updated", { tenant_id: "acme", defaults: emptyTenant, revision: 2 }, all)
    forgetTenant(model, "acme")
    expect(evaluateIn(model, users, "u", "nf", ["email"], "acme")?.channel_types.email?.deliver).toBe(true)
    expect(applyCatalogEvent(c, "tenant_defaults.updated", { tenant_id: "globex", defaults: closed, revision: 1 }, (t: string) => t === "acme")).toBeUndefined()
    expect(c.tenants.has("globex")).toBe(false)
  })

  it("ignores events that are not about the catalog", () => {
    const c = fresh()
    expect(applyCatalogEvent(c, "preferences.updated", { user_id: "u" }, all)).toBeUndefined()
    expect(applyCatalogEvent(c, "webhook.disabled", {}, all)).toBeUndefined()
  })
})
