/** Page models for tests: a center with categories, required, locked and tenant rows; every page state. */
import { CHANNEL_TYPES } from "@notiflows/domain"
import { type Branding, type CenterState, defaultBranding, type PageModel } from "../../src/index.js"

export const leaf = (value: boolean, locked = false) => ({ value, locked })

export const branding: Branding = {
  ...defaultBranding("Acme Mail"),
  accent_color: "#0f766e",
  help_url: "https://help.example.com/",
  privacy_url: "https://example.com/privacy",
  channel_types: ["email", "sms", "in_app", "chat"]
}

export const center: CenterState = {
  etag: '"v1-abc"',
  tenant_id: "acme",
  channel_types: Object.fromEntries(
    CHANNEL_TYPES.map((c) => [c, leaf(c !== "sms" && c !== "chat", c === "chat")])
  ) as CenterState["channel_types"],
  categories: [
    { id: "product", name: "Product news", enabled: leaf(true), channel_types: { sms: leaf(false) } },
    { id: "marketing", name: "Marketing", enabled: leaf(false, true), channel_types: {} },
    { id: "zeta", name: "Ärzte", enabled: leaf(true), channel_types: {} }
  ],
  notiflows: [
    { id: "newsletter", name: "Newsletter", enabled: leaf(true), channel_types: { email: leaf(false), web_push: leaf(true) }, required: false, categories: ["product", "marketing"] },
    { id: "digest", name: "Digest", enabled: leaf(true), channel_types: {}, required: false, categories: ["product"] },
    { id: "login_alert", name: "Login alert", enabled: leaf(true), channel_types: {}, required: true, categories: [] },
    // a long name without spaces must wrap at 320 px
    { id: "long", name: "Kundenzufriedenheitsumfragebenachrichtigungseinstellungsübersicht_ohne_Leerzeichen", enabled: leaf(true), channel_types: {}, required: false, categories: ["zeta"] },
    { id: "orders", name: "Order updates", enabled: leaf(false), channel_types: { email: leaf(false, true) }, required: false, categories: ["gone"] }
  ]
}

/** Every page state of LINKS.md §6's axe list (plus the rest of §8), with a name. */
export const pageStates = (): ReadonlyArray<readonly [string, PageModel]> => [
  ["confirm-notiflow", { kind: "confirm", scope: { kind: "notiflow", name: "Order updates", channel: null }, state: "subscribed" }],
  ["confirm-notiflow-channel", { kind: "confirm", scope: { kind: "notiflow", name: "Order updates", channel: "email" }, state: "subscribed" }],
  ["confirm-category", { kind: "confirm", scope: { kind: "category", name: "Marketing", channel: null }, state: "subscribed" }],
  ["confirm-category-channel", { kind: "confirm", scope: { kind: "category", name: "Marketing", channel: "sms" }, state: "subscribed" }],
  ["confirm-channel", { kind: "confirm", scope: { kind: "channel", channel: "email" }, state: "subscribed" }],
  ["confirm-already", { kind: "confirm", scope: { kind: "notiflow", name: "Order updates", channel: "email" }, state: "unsubscribed" }],
  ["confirm-required", { kind: "confirm", scope: { kind: "notiflow", name: "Login alert", channel: null }, state: "required" }],
  ["confirm-deleted", { kind: "confirm", scope: { kind: "category", name: "Old news", channel: null }, state: "deleted" }],
  ["confirm-locked", { kind: "confirm", scope: { kind: "channel", channel: "email" }, state: "locked" }],
  ["result-undo", { kind: "result", scope: { kind: "notiflow", name: "Order updates", channel: "email" }, undoTicket: "T".repeat(132) }],
  ["result-no-undo", { kind: "result", scope: { kind: "channel", channel: "sms" }, undoTicket: null }],
  ["undo-done", { kind: "resubscribed", scope: { kind: "notiflow", name: "Order updates", channel: "email" } }],
  ["undo-conflict", { kind: "undo_conflict" }],
  ["undo-expired", { kind: "undo_expired" }],
  ["center", { kind: "center", center, notice: { kind: "none" } }],
  ["center-global", { kind: "center", center: { ...center, tenant_id: null }, notice: { kind: "none" } }],
  ["center-long-tenant", { kind: "center", center: { ...center, tenant_id: "t".repeat(64) }, notice: { kind: "none" } }],
  ["saved", { kind: "center", center, notice: { kind: "saved" } }],
  [
    "stale",
    {
      kind: "center",
      center,
      notice: { kind: "stale", changes: new Map([["channel_types.sms", true], ["notiflows.newsletter.channel_types.email", true]]) }
    }
  ],
  ...([400, 403, 404, 405, 409, 410, 413, 415, 429, 500, 503] as const).map(
    (status) => [`error-${status}`, { kind: "error", status }] as const
  )
]
