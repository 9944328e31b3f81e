/**
 * The view's text written from entries (ViewV2Text.ts) is `JSON.stringify(viewV2(…))` byte for
 * byte: here on hand-made catalogs whose ids JavaScript orders specially (integer-like ids first);
 * http-express/test/viewText.test.ts checks it on generated catalogs, sets and tenants.
 */
import { describe, expect, it } from "vitest"
import type { ProjectDefaults } from "../src/Preferences.js"
import { emptyChoicesV2 } from "../src/PreferencesV2.js"
import type { PreferenceChoicesV2, TenantDefaults } from "../src/PreferencesV2.js"
import type { ResolutionInput } from "../src/Resolution.js"
import type { ModelCatalog } from "../src/ViewV2.js"
import { viewV2 } from "../src/ViewV2.js"
import { viewV2Text } from "../src/ViewV2Text.js"
import { notiflow } from "./fixtures.js"
import { category, cid } from "./modelFixtures.js"

const ids = ["b", "10", "a", "2", "01", "toString", "4294967295", "4294967294"]
const catalog: ModelCatalog = {
  notiflows: [...ids].sort().map((id, i) => notiflow(id, { deleted: id === "a", include_in_preferences: id !== "01", default_channel_types: i % 2 === 0 ? { email: false } : {} })),
  categories: ["9", "news", "3"].sort().map((id) => category(id, { include_in_preferences: id !== "news", default_channel_types: { sms: false } })),
  memberships: new Map([
    ["b", [cid("9"), cid("news")]],
    ["10", [cid("3")]]
  ])
}
const defaults: ProjectDefaults = { channel_types: { push: false } } as ProjectDefaults
const user: PreferenceChoicesV2 = {
  channel_types: { email: false },
  categories: { "9": { enabled: false } },
  notiflows: { "10": { channel_types: { sms: true } }, toString: { enabled: false } }
}
const tenant: TenantDefaults = {
  ...emptyChoicesV2,
  notiflows: { a: { enabled: false } },
  locks: { channel_types: { chat: true }, categories: { "3": { enabled: true } }, notiflows: { "2": { channel_types: { email: true } } } }
} as TenantDefaults

const inputs: ReadonlyArray<readonly [string, ResolutionInput]> = [
  ["no set", { global: undefined, tenantSet: undefined, tenant: undefined }],
  ["a global set", { global: user, tenantSet: undefined, tenant: undefined }],
  ["a tenant without sets", { global: undefined, tenantSet: undefined, tenant }],
  ["a tenant with both sets", { global: user, tenantSet: { ...emptyChoicesV2, notiflows: { b: { enabled: false } } }, tenant }]
]

describe("viewV2Text", () => {
  for (const [name, input] of inputs) {
    for (const audience of ["admin", "user"] as const) {
      it(`writes JSON.stringify(viewV2) for ${name}, ${audience}`, () => {
        const text = viewV2Text(input, catalog, defaults, audience)
        expect(text).toBe(JSON.stringify(viewV2(input, catalog, defaults, audience)))
        // The template is reused: a second call writes the same text.
        expect(viewV2Text(input, catalog, defaults, audience)).toBe(text)
      })
    }
  }

  it("lists integer-like ids first, as JSON.stringify does", () => {
    const text = viewV2Text(inputs[0]![1], catalog, defaults, "admin")
    const at = (id: string) => text.indexOf(`"${id}":{"enabled"`)
    for (const id of ["2", "10", "4294967294", "01", "4294967295", "b", "toString", "9", "3", "news"]) expect(at(id)).toBeGreaterThan(-1)
    expect(at("a")).toBe(-1) // deleted
    expect([at("2"), at("10"), at("4294967294"), at("01"), at("4294967295"), at("b")]).toEqual([at("2"), at("10"), at("4294967294"), at("01"), at("4294967295"), at("b")].sort((x, y) => x - y))
    expect(at("3")).toBeLessThan(at("9"))
  })
})
