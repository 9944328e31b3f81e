import { describe, expect, it } from "vitest"
import { centerChanges, centerLayout, changesToPatch, editablePaths, parseCenterForm } from "../src/index.js"
import { branding, center } from "./support/fixtures.js"

const form = (pairs: ReadonlyArray<readonly [string, string]>) => {
  const parsed = parseCenterForm(pairs)
  if (!parsed.ok) throw new Error(parsed.problem)
  return parsed.form
}

describe("center layout (LINKS.md §5)", () => {
  it("orders sections and notiflows by Intl.Collator of the locale, then id; other notifications last", () => {
    const layout = centerLayout(center, branding, "de")
    expect(layout.sections.map((s) => s.category?.name ?? null)).toEqual(["Ärzte", "Marketing", "Product news", null])
    expect(layout.sections[2]?.notiflows.map((n) => n.id)).toEqual(["digest", "newsletter"])
    expect(layout.sections[3]?.notiflows.map((n) => n.id)).toEqual(["login_alert", "orders"])
  })

  it("shows the branding's channels in its order, and entry boxes only for leaves the view defines", () => {
    const layout = centerLayout(center, branding, "en")
    expect(layout.channels.map((b) => b.path)).toEqual([
      "channel_types.email", "channel_types.sms", "channel_types.in_app", "channel_types.chat"
    ])
    const newsletter = layout.sections.flatMap((s) => s.notiflows).find((n) => n.id === "newsletter")
    // web_push is defined but not shown by the branding
    expect(newsletter?.boxes.map((b) => b.path)).toEqual(["notiflows.newsletter.enabled", "notiflows.newsletter.channel_types.email"])
  })

  it("makes required rows one checked read-only box and locked leaves read-only", () => {
    const paths = editablePaths(center, branding)
    expect(paths.has("notiflows.login_alert.enabled")).toBe(false)
    expect(paths.has("channel_types.chat")).toBe(false)
    expect(paths.has("categories.marketing.enabled")).toBe(false)
    expect(paths.has("notiflows.orders.channel_types.email")).toBe(false)
    expect(paths.has("notiflows.orders.enabled")).toBe(true)
    const login = centerLayout(center, branding, "en").sections.flatMap((s) => s.notiflows).find((n) => n.id === "login_alert")
    expect(login?.boxes).toEqual([
      { path: "notiflows.login_alert.enabled", label: "enabled", kind: "required", value: true, checked: true, unsaved: false }
    ])
  })
})

describe("parseCenterForm / centerChanges / changesToPatch", () => {
  it("writes only leaves whose box differs from what was shown", () => {
    const f = form([
      ["etag", '"v1-abc"'], ["lang", "de"], ["action", "save"],
      ["shown.channel_types.email", "1"], ["pref.channel_types.email", "on"], // untouched, on
      ["shown.channel_types.sms", "0"], ["pref.channel_types.sms", "on"], // turned on
      ["shown.notiflows.newsletter.enabled", "1"], // turned off
      ["shown.categories.product.channel_types.sms", "0"] // untouched, off
    ])
    expect(f.lang).toBe("de")
    const changes = centerChanges(f, center, branding)
    expect([...changes]).toEqual([["channel_types.sms", true], ["notiflows.newsletter.enabled", false]])
    expect(changesToPatch(changes)).toEqual({ channel_types: { sms: true }, notiflows: { newsletter: { enabled: false } } })
  })

  it("ignores required, locked, hidden, unknown and malformed paths", () => {
    const f = form([
      ["etag", "x"], ["action", "save"],
      ["shown.notiflows.login_alert.enabled", "1"],
      ["shown.channel_types.chat", "1"],
      ["shown.channel_types.web_push", "1"],
      ["shown.notiflows.unknown.enabled", "1"],
      ["shown.notiflows.newsletter.enabled.extra", "1"],
      ["shown.__proto__.polluted", "1"],
      ["shown.categories.marketing.enabled", "0"], ["pref.categories.marketing.enabled", "on"]
    ])
    const changes = centerChanges(f, center, branding)
    expect(changes.size).toBe(0)
    expect(changesToPatch(changes)).toEqual({})
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("lets the last of repeated fields win and merges leaves of one entry", () => {
    const f = form([
      ["etag", "x"], ["action", "save"], ["action", "save"],
      ["shown.notiflows.newsletter.enabled", "0"], ["shown.notiflows.newsletter.enabled", "1"],
      ["shown.notiflows.newsletter.channel_types.email", "0"], ["pref.notiflows.newsletter.channel_types.email", "on"]
    ])
    expect(changesToPatch(centerChanges(f, center, branding))).toEqual({
      notiflows: { newsletter: { enabled: false, channel_types: { email: true } } }
    })
  })

  it("refuses a bad action, a missing etag and a shown value other than 1/0 (400 page)", () => {
    expect(parseCenterForm([["etag", "x"]])).toEqual({ ok: false, problem: "action" })
    expect(parseCenterForm([["etag", "x"], ["action", "delete"]])).toEqual({ ok: false, problem: "action" })
    expect(parseCenterForm([["action", "save"]])).toEqual({ ok: false, problem: "etag" })
    expect(parseCenterForm([["etag", "x"], ["action", "save"], ["shown.channel_types.sms", "yes"]])).toEqual({ ok: false, problem: "shown" })
    const bad = parseCenterForm([["etag", "x"], ["action", "save"], ["lang", "fr-CA"]])
    expect(bad.ok && bad.form.lang).toBe(null)
  })
})
