/**
 * Every worked example of MODEL.md §3 (the table's 8 rows and the write example) and the tenant
 * view of §4, verbatim.
 */
import { assert, describe, it } from "@effect/vitest"
import type { DecisionV2 } from "../src/EvaluationV2.js"
import { applyPatchV2, decodePatchV2 } from "../src/PatchV2.js"
import type { ChannelType } from "../src/Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "../src/PreferencesV2.js"
import { emptyChoicesV2 } from "../src/PreferencesV2.js"
import { evaluateChannelV2 } from "../src/Resolution.js"
import { liveCategoriesOf, viewV2 } from "../src/ViewV2.js"
import { expectIssues, expectOk, SEED_ID, summary } from "./fixtures.js"
import { patchContextV2, tenantDefaults, v2, workedCatalog } from "./modelFixtures.js"

const catalog = workedCatalog()
const NO_DEFAULTS = { channel_types: {} }

/** Decides notiflow `n` on `ch` for a user with global set G and acme set A, in acme (`td` given) or globally. */
const decide = (n: string, ch: ChannelType, g: PreferenceChoicesV2, scope: { a?: PreferenceChoicesV2; td?: TenantDefaults } | "global"): DecisionV2 => {
  const entry = catalog.notiflows.find((e) => e.id === n)!
  const r =
    scope === "global"
      ? { global: g, tenantSet: undefined, tenant: undefined }
      : { global: g, tenantSet: scope.a ?? emptyChoicesV2, tenant: scope.td ?? tenantDefaults() }
  return evaluateChannelV2(r, entry, liveCategoriesOf(catalog, n), NO_DEFAULTS, ch)
}

const state1 = () => ({ td: tenantDefaults({ channel_types: { email: false } }, { channel_types: { email: true } }), g: v2({ channel_types: { email: true } }) })
const state3 = () => ({ g: v2({ categories: { marketing: { enabled: false } } }), a: v2({ categories: { marketing: { enabled: true } } }) })

describe("MODEL.md §3 worked examples", () => {
  it("1: a tenant lock outranks the global set in acme; globally the user's choice holds", () => {
    const { td, g } = state1()
    assert.deepStrictEqual(decide("newsletter", "email", g, { td }), { deliver: false, reason: "channel_opt_out", source: "tenant_lock" })
    assert.deepStrictEqual(decide("newsletter", "email", g, "global"), { deliver: true, reason: "allowed", source: "user" })
  })

  it("2: an unlocked tenant default yields to X's global choice and decides for Y", () => {
    const td = tenantDefaults({ channel_types: { chat: false } })
    assert.deepStrictEqual(decide("newsletter", "chat", v2({ channel_types: { chat: true } }), { td }), { deliver: true, reason: "allowed", source: "user" })
    assert.deepStrictEqual(decide("newsletter", "chat", v2(), { td }), { deliver: false, reason: "channel_opt_out", source: "tenant_default" })
  })

  it("3: a global category opt-out, reopened in acme by the user×tenant set", () => {
    const { g, a } = state3()
    assert.deepStrictEqual(decide("newsletter", "email", g, "global"), {
      deliver: false,
      reason: "category_disabled",
      source: "user",
      category_id: "marketing"
    })
    assert.deepStrictEqual(decide("newsletter", "email", g, { a }), { deliver: true, reason: "allowed", source: "default" })
  })

  it("4: step 3 comes before step 4", () => {
    const { g } = state3()
    assert.deepStrictEqual(decide("newsletter", "sms", g, "global"), {
      deliver: false,
      reason: "category_disabled",
      source: "user",
      category_id: "marketing"
    })
  })

  it("5: a notiflow true never reopens a category's channel default", () => {
    const { g, a } = state3()
    const g5 = v2({ ...g, notiflows: { newsletter: { channel_types: { sms: true } } } })
    assert.deepStrictEqual(decide("newsletter", "sms", g5, { a }), {
      deliver: false,
      reason: "category_channel_opt_out",
      source: "category_default",
      category_id: "product"
    })
  })

  it("6: the first disabled category in the notiflow's order decides", () => {
    const g = v2({ categories: { product: { enabled: false }, marketing: { enabled: false } } })
    assert.deepStrictEqual(decide("newsletter", "email", g, "global"), {
      deliver: false,
      reason: "category_disabled",
      source: "user",
      category_id: "product"
    })
  })

  it("7: a required notiflow goes out whatever sets, defaults and locks say", () => {
    const g = v2({ categories: { marketing: { enabled: false } }, notiflows: { login_alert: { enabled: false } } })
    const td = tenantDefaults({ categories: { marketing: { enabled: false } } }, { categories: { marketing: { enabled: true } } })
    assert.deepStrictEqual(decide("login_alert", "email", g, { td }), { deliver: true, reason: "required_notiflow", source: "catalog" })
  })

  it("8: after the seed's PUT (no tenant, no category) decisions are v1's", () => {
    const body = { channel_types: { sms: false }, notiflows: { [SEED_ID]: { channel_types: { email: false }, enabled: true } } }
    const g = applyPatchV2(emptyChoicesV2, expectOk(decodePatchV2(body, patchContextV2(catalog))))
    assert.deepStrictEqual(decide(SEED_ID, "email", g, "global"), { deliver: false, reason: "notiflow_channel_opt_out", source: "user" })
    assert.deepStrictEqual(decide(SEED_ID, "sms", g, "global"), { deliver: false, reason: "channel_opt_out", source: "user" })
  })

  it("the write example: a locked leaf refuses the whole patch in acme; without a tenant it succeeds", () => {
    const { td } = state1()
    const body = { channel_types: { email: true }, notiflows: { newsletter: { enabled: false } } }
    const issues = expectIssues(decodePatchV2(body, patchContextV2(catalog, "admin", td.locks)))
    assert.deepStrictEqual(summary(issues), ["channel_types.email|locked"])
    const global = expectOk(decodePatchV2(body, patchContextV2(catalog, "admin", undefined)))
    assert.deepStrictEqual(applyPatchV2(emptyChoicesV2, global), v2({ channel_types: { email: true }, notiflows: { newsletter: { enabled: false } } }))
  })
})

describe("MODEL.md §4 tenant view example", () => {
  it("state 1 plus a locked newsletter.enabled: false, on the admin API", () => {
    const base = state1()
    const td = tenantDefaults(
      { channel_types: { email: false }, notiflows: { newsletter: { enabled: false } } },
      { channel_types: { email: true }, notiflows: { newsletter: { enabled: true } } }
    )
    const view = viewV2({ global: base.g, tenantSet: emptyChoicesV2, tenant: td }, catalog, NO_DEFAULTS, "admin")
    const expected = `{"channel_types": {"chat": true, "email": false, "in_app": true, "mobile_push": true, "sms": true, "web_push": true},
 "categories": {"marketing": {"enabled": true, "channel_types": {}, "name": "Marketing"},
                "product": {"enabled": true, "channel_types": {"sms": false}, "name": "Product news"}},
 "notiflows": {"newsletter": {"enabled": false, "channel_types": {}, "name": "Newsletter", "categories": ["product", "marketing"], "locked": {"enabled": true}}},
 "locked": {"channel_types": {"email": true}}}`
    // The example is abridged: it shows only `newsletter` among the notiflows.
    const abridged = { ...view, notiflows: { newsletter: view.notiflows["newsletter"] } }
    assert.strictEqual(JSON.stringify(abridged), JSON.stringify(JSON.parse(expected)))
    assert.deepStrictEqual(Object.keys(view), ["channel_types", "categories", "notiflows", "locked"])
    assert.deepStrictEqual(Object.keys(view.notiflows), [SEED_ID, "login_alert", "newsletter"])
  })
})
