import { CHANNEL_TYPES } from "@notiflows/domain"
import { describe, expect, it } from "vitest"
import {
  assets,
  type CenterState,
  contentSecurityPolicy,
  defaultBranding,
  type PageModel,
  pageHeaders,
  renderPage,
  type RenderOptions,
  STYLESHEET_NAME
} from "../src/index.js"

const leaf = (value: boolean, locked = false) => ({ value, locked })
const options: RenderOptions = {
  locale: "en",
  branding: { ...defaultBranding("Acme <Mail>"), help_url: "https://help.example.com/", privacy_url: "javascript:alert(1)" },
  nonce: "bm9uY2Vub25jZW5vbmNlMQ==",
  requestId: "req_123",
  assetsBase: "/prefs/l/assets",
  preferenceCenterUrl: "https://prefs.example.com/l/preferences/TOKEN"
}

const center: CenterState = {
  etag: "\"abc\"",
  tenant_id: "acme",
  channel_types: Object.fromEntries(CHANNEL_TYPES.map((c) => [c, leaf(c !== "sms", c === "email")])) as CenterState["channel_types"],
  categories: [{ id: "marketing", name: "Marketing", enabled: leaf(true), channel_types: { email: leaf(false) } }],
  notiflows: [
    { id: "newsletter", name: "Newsletter", enabled: leaf(true), channel_types: {}, required: false, categories: ["marketing"] },
    { id: "login", name: "Login alert", enabled: leaf(true), channel_types: {}, required: true, categories: [] }
  ]
}

describe("renderPage", () => {
  it("renders the confirm page of a notiflow+channel scope with the form of LINKS.md §4", () => {
    const page = renderPage(
      { kind: "confirm", scope: { kind: "notiflow", name: "Order <Updates>", channel: "email" }, state: "subscribed" },
      options
    )
    expect(page.status).toBe(200)
    expect(page.contentLanguage).toBe("en")
    expect(page.html.startsWith("<!doctype html><html lang=\"en\">")).toBe(true)
    expect(page.html).toContain("<h1>Unsubscribe from “Order &lt;Updates>” by email?</h1>")
    expect(page.html).toContain("<form method=\"post\" autocomplete=\"off\">")
    expect(page.html).toContain("name=\"action\" value=\"unsubscribe\"")
    expect(page.html).toContain("href=\"https://prefs.example.com/l/preferences/TOKEN\"")
    expect(page.html).toContain(`href="/prefs/l/assets/${STYLESHEET_NAME}"`)
    expect(page.html).toContain(`<style nonce="${options.nonce}">:root{--accent:#1d4ed8}</style>`)
    expect(page.html).not.toContain("javascript:")
    expect(page.html).toContain("Acme &lt;Mail>")
    expect(page.html).toContain("Reference: req_123")
    expect(assets.get(STYLESHEET_NAME)?.contentType).toBe("text/css; charset=utf-8")
  })

  it("renders the center with required and locked rows read-only and editable rows with shown fields", () => {
    const page = renderPage({ kind: "center", center, notice: { kind: "none" } }, options)
    expect(page.status).toBe(200)
    expect(page.title).toBe("Notification preferences")
    expect(page.html).toContain("name=\"etag\" value=\"&quot;abc&quot;\"")
    expect(page.html).toContain("name=\"shown.channel_types.sms\" value=\"0\"")
    expect(page.html).not.toContain("shown.channel_types.email")
    expect(page.html).toContain("Managed by your organisation.")
    expect(page.html).toContain("Always sent: required for your account.")
    expect(page.html).not.toContain("shown.notiflows.login.enabled")
    expect(page.html).toContain("name=\"shown.notiflows.newsletter.enabled\" value=\"1\"")
    expect(page.html.indexOf("Marketing")).toBeLessThan(page.html.indexOf("Other notifications"))
  })

  it("answers every model with its status", () => {
    const models: Array<[PageModel, number]> = [
      [{ kind: "center", center, notice: { kind: "stale", changes: new Map([["channel_types.sms", true]]) } }, 409],
      [{ kind: "undo_conflict" }, 409],
      [{ kind: "undo_expired" }, 410],
      [{ kind: "error", status: 404 }, 404],
      [{ kind: "error", status: 503 }, 503]
    ]
    for (const [model, status] of models) expect(renderPage(model, options).status).toBe(status)
    const stale = renderPage(models[0]![0], options).html
    expect(stale).toContain("Changed, not saved yet")
    expect(stale).toContain("role=\"alert\"")
    const notFound = renderPage({ kind: "error", status: 404 }, options).html
    expect(notFound).not.toContain("Acme")
  })

  it("builds the exact CSP and headers of LINKS.md §6", () => {
    expect(contentSecurityPolicy({ nonce: "n", logoUrl: "https://cdn.example.com/logo.png" })).toBe(
      "default-src 'none'; style-src 'self' 'nonce-n'; script-src 'self'; img-src 'self' https://cdn.example.com; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    const headers = pageHeaders({ nonce: "n", branding: null, publicOrigin: "https://prefs.example.com" })
    expect(headers["Strict-Transport-Security"]).toBe("max-age=31536000")
    expect(pageHeaders({ nonce: "n", branding: null, publicOrigin: "http://127.0.0.1:3000" })["Strict-Transport-Security"]).toBeUndefined()
  })
})

describe("every page state", async () => {
  const { pageStates, branding } = await import("./support/fixtures.js")
  const { LOCALES, statusOf } = await import("../src/index.js")
  it.each(LOCALES)("renders each state in %s with one h1, a main, its lang and a distinct title", (locale) => {
    const titles = new Map<string, string>()
    for (const [name, model] of pageStates()) {
      const page = renderPage(model, { ...options, locale, branding })
      expect(page.status, name).toBe(statusOf(model))
      expect(page.html.match(/<h1[ >]/g)?.length, name).toBe(1)
      expect(page.html.match(/<main>/g)?.length, name).toBe(1)
      expect(page.html, name).toContain(`<html lang="${locale}">`)
      expect(page.html, `${name}: no script, no inline style attribute, no meta refresh`).not.toMatch(/<script|\sstyle=|http-equiv/i)
      expect(page.html.match(/<style/g)?.length, `${name}: one nonce'd <style>`).toBe(1)
      expect(page.html, name).toContain(`<title>${page.title.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</title>`)
      titles.set(page.title, name)
    }
    // the five confirm scopes share a title, as do result with/without undo and the three plain centers
    expect(titles.size).toBe(pageStates().length - 4 - 1 - 2)
  })
})
