/**
 * The catalog of MODEL.md §3's worked examples, and helpers for v2 sets and tenant defaults.
 */
import * as Schema from "effect/Schema"
import type { CategoryCatalogEntry, CategoryId } from "../src/Categories.js"
import { CategoryId as CategoryIdSchema } from "../src/Categories.js"
import type { PatchContextV2 } from "../src/PatchV2.js"
import type { Audience } from "../src/Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "../src/PreferencesV2.js"
import type { ModelCatalog } from "../src/ViewV2.js"
import { categoryLookup } from "../src/ViewV2.js"
import { notiflow, SEED_ID } from "./fixtures.js"

export const cid = (id: string): CategoryId => Schema.decodeSync(CategoryIdSchema)(id)

export const category = (id: string, overrides: Partial<Omit<CategoryCatalogEntry, "id">> = {}): CategoryCatalogEntry => ({
  id: cid(id),
  name: `Category ${id}`,
  include_in_preferences: true,
  default_enabled: true,
  default_channel_types: {},
  deleted: false,
  ...overrides
})

/** M§3: categories `product` (sms off by default) and `marketing`; notiflows newsletter, login_alert (required), the seed's. */
export const workedCatalog = (): ModelCatalog => ({
  categories: [category("marketing", { name: "Marketing" }), category("product", { name: "Product news", default_channel_types: { sms: false } })],
  notiflows: [notiflow(SEED_ID, { name: "Order Updates" }), notiflow("login_alert", { name: "Login alert", required: true }), notiflow("newsletter", { name: "Newsletter" })].sort(
    (a, b) => (a.id < b.id ? -1 : 1)
  ),
  memberships: new Map([
    ["newsletter", [cid("product"), cid("marketing")]],
    ["login_alert", [cid("marketing")]]
  ])
})

export const v2 = (c: Partial<PreferenceChoicesV2> = {}): PreferenceChoicesV2 => ({
  channel_types: c.channel_types ?? {},
  categories: c.categories ?? {},
  notiflows: c.notiflows ?? {}
})

export const tenantDefaults = (values: Partial<PreferenceChoicesV2> = {}, locks: Partial<PreferenceChoicesV2> = {}): TenantDefaults => ({
  ...v2(values),
  locks: v2(locks)
})

export const patchContextV2 = (catalog: ModelCatalog, audience: Audience = "admin", locks?: PreferenceChoicesV2): PatchContextV2 => {
  const notiflows = new Map(catalog.notiflows.map((e) => [e.id as string, e]))
  return { audience, notiflow: (id) => notiflows.get(id), category: categoryLookup(catalog), locks }
}
