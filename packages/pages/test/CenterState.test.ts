import type { PreferencesViewV2 } from "@notiflows/domain"
import { describe, expect, it } from "vitest"
import { centerLayout, centerStateFromView, defaultBranding } from "../src/index.js"

// MODEL.md §4's tenant view example (user audience), plus a required notiflow the view omits.
const view: PreferencesViewV2 = {
  channel_types: { chat: true, email: false, in_app: true, mobile_push: true, sms: true, web_push: true },
  categories: {
    marketing: { enabled: true, channel_types: {}, name: "Marketing" },
    product: { enabled: true, channel_types: { sms: false }, name: "Product news" }
  },
  notiflows: {
    newsletter: { enabled: false, channel_types: {}, name: "Newsletter", categories: ["product", "marketing"], locked: { enabled: true } }
  },
  locked: { channel_types: { email: true } }
}

describe("centerStateFromView", () => {
  it("carries values and locks, and adds required notiflows read-only", () => {
    const state = centerStateFromView({
      view,
      etag: '"t1"',
      tenantId: "acme",
      required: [{ id: "login_alert", name: "Login alert", categories: ["product"] }]
    })
    expect(state.etag).toBe('"t1"')
    expect(state.tenant_id).toBe("acme")
    expect(state.channel_types.email).toEqual({ value: false, locked: true })
    expect(state.channel_types.sms).toEqual({ value: true, locked: false })
    expect(state.categories).toContainEqual({
      id: "product", name: "Product news", enabled: { value: true, locked: false }, channel_types: { sms: { value: false, locked: false } }
    })
    expect(state.notiflows).toEqual([
      { id: "newsletter", name: "Newsletter", enabled: { value: false, locked: true }, channel_types: {}, required: false, categories: ["product", "marketing"] },
      { id: "login_alert", name: "Login alert", enabled: { value: true, locked: false }, channel_types: {}, required: true, categories: ["product"] }
    ])
    const layout = centerLayout(state, defaultBranding("Acme"), "en")
    const product = layout.sections.find((s) => s.category?.id === "product")
    expect(product?.notiflows.map((n) => [n.id, n.boxes[0]?.kind])).toEqual([["login_alert", "required"], ["newsletter", "locked"]])
  })

  it("treats a notiflow listed both in the view and as required as required", () => {
    const state = centerStateFromView({ view, etag: "x", tenantId: null, required: [{ id: "newsletter", name: "Newsletter", categories: [] }] })
    expect(state.notiflows.map((n) => [n.id, n.required])).toEqual([["newsletter", true]])
  })
})
