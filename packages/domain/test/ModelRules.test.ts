/**
 * MODEL.md §2 and §4 details beyond the worked examples: audiences, deleted and hidden
 * categories, `null` under locks, explicit views, tenant-defaults bodies.
 */
import { assert, describe, it } from "@effect/vitest"
import { applyPatchV2, decodePatchV2, diffV2 } from "../src/PatchV2.js"
import { emptyChoicesV2 } from "../src/PreferencesV2.js"
import { decodeTenantDefaultsPatch, tenantDefaultsBody } from "../src/TenantDefaultsPatch.js"
import { explicitViewV2, viewV2 } from "../src/ViewV2.js"
import type { ModelCatalog } from "../src/ViewV2.js"
import { expectIssues, expectOk, notiflow, summary } from "./fixtures.js"
import { category, cid, patchContextV2, tenantDefaults, v2 } from "./modelFixtures.js"

const catalog = (): ModelCatalog => ({
  categories: [category("10"), category("9"), category("gone", { deleted: true }), category("hidden", { include_in_preferences: false }), category("news")],
  notiflows: [notiflow("n1"), notiflow("req", { required: true })],
  memberships: new Map([["n1", [cid("hidden"), cid("gone"), cid("news")]]])
})
const NO_DEFAULTS = { channel_types: {} }
const r = (global = emptyChoicesV2) => ({ global, tenantSet: undefined, tenant: undefined })

describe("v2 patches (M§2)", () => {
  it("unknown, deleted (non-null) and, on the user API, hidden categories are unknown_category", () => {
    const body = { categories: { nope: { enabled: false }, gone: { enabled: false }, hidden: { enabled: false }, news: { enabled: false } } }
    assert.deepStrictEqual(summary(expectIssues(decodePatchV2(body, patchContextV2(catalog(), "user")))), [
      "categories.gone|unknown_category",
      "categories.hidden|unknown_category",
      "categories.nope|unknown_category"
    ])
    assert.deepStrictEqual(summary(expectIssues(decodePatchV2(body, patchContextV2(catalog(), "admin")))), [
      "categories.gone|unknown_category",
      "categories.nope|unknown_category"
    ])
  })

  it("null clears a deleted category's choices, but not a hidden deleted one on the user API", () => {
    const c = catalog()
    const withHiddenGone: ModelCatalog = { ...c, categories: [...c.categories, category("old", { deleted: true, include_in_preferences: false })] }
    const p = expectOk(decodePatchV2({ categories: { gone: null } }, patchContextV2(withHiddenGone, "user")))
    assert.deepStrictEqual(applyPatchV2(v2({ categories: { gone: { enabled: false } } }), p), v2())
    assert.deepStrictEqual(summary(expectIssues(decodePatchV2({ categories: { old: null } }, patchContextV2(withHiddenGone, "user")))), [
      "categories.old|unknown_category"
    ])
  })

  it("locks: true and null at a locked leaf are locked; an entry null clears dormant choices; false stores nothing", () => {
    const locks = v2({ channel_types: { sms: true }, categories: { news: { enabled: true, channel_types: { email: true } } } })
    const context = patchContextV2(catalog(), "admin", locks)
    const refused = { channel_types: { sms: null }, categories: { news: { enabled: true, channel_types: { email: null, chat: false } } } }
    assert.deepStrictEqual(summary(expectIssues(decodePatchV2(refused, context))), [
      "categories.news.channel_types.email|locked",
      "categories.news.enabled|locked",
      "channel_types.sms|locked"
    ])
    const dormant = v2({ categories: { news: { enabled: true, channel_types: { chat: true } } } })
    assert.deepStrictEqual(applyPatchV2(dormant, expectOk(decodePatchV2({ categories: { news: null } }, context))), v2())
    const lockValue = expectOk(decodePatchV2({ channel_types: { sms: false }, categories: { news: { enabled: false, channel_types: { chat: false } } } }, context))
    assert.deepStrictEqual(applyPatchV2(emptyChoicesV2, lockValue), v2({ categories: { news: { channel_types: { chat: false } } } }))
  })

  it("more than 1,000 category entries is too_many at categories, listed with the other problems", () => {
    const categories = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`c${i}`, null]))
    const issues = expectIssues(decodePatchV2({ categories, channel_types: { fax: true } }, patchContextV2(catalog(), "admin")))
    assert.isTrue(summary(issues).includes("categories|too_many"))
    assert.isTrue(summary(issues).includes("channel_types.fax|unknown_channel_type"))
  })

  it("history paths gain categories.<K>.enabled and categories.<K>.channel_types.<C>", () => {
    const after = v2({ categories: { news: { enabled: false, channel_types: { sms: true } } } })
    assert.deepStrictEqual(diffV2(emptyChoicesV2, after).map((c) => c.path), ["categories.news.channel_types.sms", "categories.news.enabled"])
  })
})

describe("v2 views (M§4)", () => {
  it("categories: live ones in JavaScript key order; user API only include_in_preferences; notiflow lists visible ones", () => {
    const admin = viewV2(r(), catalog(), NO_DEFAULTS, "admin")
    assert.deepStrictEqual(Object.keys(admin.categories ?? {}), ["9", "10", "hidden", "news"])
    assert.deepStrictEqual(admin.notiflows["n1"]?.categories, ["hidden", "news"])
    const user = viewV2(r(), catalog(), NO_DEFAULTS, "user")
    assert.deepStrictEqual(Object.keys(user.categories ?? {}), ["9", "10", "news"])
    assert.deepStrictEqual(user.notiflows["n1"]?.categories, ["news"])
    assert.deepStrictEqual(Object.keys(user.notiflows), ["n1"])
    assert.isUndefined(user.locked)
  })

  it("no live category: no categories key, and no categories in notiflow entries", () => {
    const c: ModelCatalog = { categories: [category("gone", { deleted: true })], notiflows: [notiflow("n1")], memberships: new Map([["n1", [cid("gone")]]]) }
    const shown = viewV2(r(), c, NO_DEFAULTS, "admin")
    assert.strictEqual(JSON.stringify(shown), `{"channel_types":{"chat":true,"email":true,"in_app":true,"mobile_push":true,"sms":true,"web_push":true},"notiflows":{"n1":{"enabled":true,"channel_types":{},"name":"Notiflow n1"}}}`)
  })

  it("the explicit view shows stored choices of visible live entries only", () => {
    const set = v2({ categories: { news: { enabled: false }, hidden: { enabled: false }, gone: { enabled: false } }, notiflows: { req: { enabled: false } } })
    assert.deepStrictEqual(explicitViewV2(set, catalog(), "user"), { channel_types: {}, categories: { news: { enabled: false } }, notiflows: {} })
    assert.deepStrictEqual(explicitViewV2(v2(), catalog(), "admin"), { channel_types: {}, notiflows: {} })
  })
})

describe("tenant defaults (M§5)", () => {
  it("required notiflows and hidden categories are accepted; the GET body lists live ids only", () => {
    const c = catalog()
    const notiflows = new Map(c.notiflows.map((e) => [e.id as string, e]))
    const context = { notiflow: (id: string) => notiflows.get(id), category: (id: string) => c.categories.find((e) => e.id === id) }
    const next = expectOk(
      decodeTenantDefaultsPatch(
        { notiflows: { req: { enabled: false } }, categories: { hidden: { enabled: false }, gone: null }, locks: { categories: { hidden: { enabled: true } } } },
        tenantDefaults({ categories: { gone: { enabled: false } } }),
        context
      )
    )
    assert.deepStrictEqual(next, tenantDefaults({ notiflows: { req: { enabled: false } }, categories: { hidden: { enabled: false } } }, { categories: { hidden: { enabled: true } } }))
    const kept = tenantDefaults({ categories: { gone: { enabled: false }, news: { enabled: false } } }, { categories: { gone: { enabled: true } } })
    assert.deepStrictEqual(tenantDefaultsBody(kept, context), tenantDefaults({ categories: { news: { enabled: false } } }))
  })

  it("a map-level null in locks is invalid_type", () => {
    const context = { notiflow: () => undefined, category: () => undefined }
    assert.deepStrictEqual(summary(expectIssues(decodeTenantDefaultsPatch({ locks: null }, tenantDefaults(), context))), ["locks|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(decodeTenantDefaultsPatch({ locks: { channel_types: null } }, tenantDefaults(), context))), [
      "locks.channel_types|invalid_type"
    ])
  })
})
