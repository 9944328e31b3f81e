/**
 * Issue 12's axe proof on the real service: axe-core with LINKS.md §6's WCAG 2.2 AA tags reports
 * zero violations on every page state the router serves that a browser reaches from minted links
 * (confirm for each scope kind, already unsubscribed, required, deleted, locked; result with undo;
 * undo done; undo after a change (409); center with categories, required, locked and tenant;
 * saved; stale; 400, 405, 413, 415 (the browser's request rewritten); 404; 410), in en and
 * de (the browser's Accept-Language), at 1280 and 320 px (where nothing scrolls sideways). The
 * others (undo ticket expired, 403 (Chromium keeps its own Origin), 429, 500, 503) are rendered by
 * `packages/pages`' own axe suite.
 * On embedded PGlite: the pages do not depend on the database (the keyboard suite runs on both).
 * Without Chromium: skipped outside CI, failed in CI.
 */
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { axeViolations, hasChromium, launch, runBrowserTests, submitWithEnter, tabTo } from "./browser.js"
import { type LinkService, startLinkService } from "./linkService.js"

let browser: Browser | undefined
let s: LinkService | undefined

beforeAll(async () => {
  if (!runBrowserTests) return
  s = await startLinkService({ NOTIFLOWS_DATA_DIR: "memory://" })
  // A notiflow made required after its link was minted: the confirm page's "required" state.
  await s.api.put("/admin/notiflows/legal", { name: "Legal notices" })
  if (hasChromium) browser = await launch()
})
afterAll(async () => {
  await browser?.close()
  if (s !== undefined) expect(await s.service.stop()).toBe(0)
})

interface Check {
  readonly name: string
  readonly status: number
}

const WIDTHS = [1280, 320] as const
const LOCALES = [
  ["en", "en-US"],
  ["de", "de-DE"]
] as const

describe.skipIf(!runBrowserTests)("axe-core on the service's link pages", () => {
  for (const width of WIDTHS) {
    for (const [lang, browserLocale] of LOCALES) {
      it(`${lang} at ${width} px: zero violations on every reachable state${width === 320 ? ", no horizontal scrolling" : ""}`, async () => {
        expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
        const svc = s!
        const context = await browser!.newContext({ viewport: { width, height: 800 }, locale: browserLocale })
        const tab = await context.newPage()
        const failures: Record<string, unknown> = {}
        const seen: Array<Check> = []
        const check = async (name: string, status: number, answered: number | undefined) => {
          expect(answered, name).toBe(status)
          const look = await tab.evaluate(() => ({ lang: document.documentElement.lang, scrollWidth: document.documentElement.scrollWidth, title: document.title }))
          expect(look.lang, name).toBe(lang)
          if (width === 320) expect(look.scrollWidth, `${name} reflows at 320 px`).toBeLessThanOrEqual(320)
          const violations = await axeViolations(tab)
          // Rule id → offending HTML, so a failure names what to fix.
          if (violations.length > 0) failures[name] = Object.fromEntries(violations.map((v) => [v.id, v.nodes]))
          seen.push({ name, status })
        }
        const goto = async (name: string, status: number, url: string) => check(name, status, (await tab.goto(url))?.status())
        const submit = async (name: string, status: number, button = "button#") => {
          await tabTo(tab, button)
          await check(name, status, await submitWithEnter(tab))
        }
        /** The page a request other than a navigation's GET gets: the browser's request to `url` rewritten. */
        const rewritten = async (name: string, status: number, url: string, change: { method?: string; postData?: string; headers?: Record<string, string> }) => {
          await tab.route(url, (route) =>
            route.continue({
              method: change.method ?? "POST",
              postData: change.postData ?? "",
              headers: { ...route.request().headers(), "content-type": "application/x-www-form-urlencoded", ...change.headers }
            })
          )
          await goto(name, status, url)
          await tab.unrouteAll()
        }
        try {
          const user = await svc.user()
          const newsletter = await svc.mint(user, { purpose: "unsubscribe", scope: { notiflow_id: "newsletter", channel_type: "email" } })
          await goto("confirm, notiflow by channel", 200, newsletter)
          await submit("result with undo", 200)
          await submit("undo done", 200)
          // Undo after the leaf changed elsewhere: 409.
          expect((await tab.goto(newsletter))?.status()).toBe(200)
          await tabTo(tab, "button#")
          expect(await submitWithEnter(tab)).toBe(200)
          expect((await svc.api.put(`/admin/users/${user}/preferences`, { notiflows: { newsletter: { channel_types: { email: true } } } })).status).toBe(200)
          await submit("undo after a change elsewhere", 409)
          await goto("confirm, notiflow", 200, await svc.mint(user, { purpose: "unsubscribe", scope: { notiflow_id: "orders" } }))
          await goto("confirm, category", 200, await svc.mint(user, { purpose: "unsubscribe", scope: { category_id: "marketing" } }))
          await goto("confirm, category by channel", 200, await svc.mint(user, { purpose: "unsubscribe", scope: { category_id: "product", channel_type: "sms" } }))
          await goto("confirm, channel", 200, await svc.mint(user, { purpose: "unsubscribe", scope: { channel_type: "email" } }))
          expect((await svc.api.put(`/admin/users/${user}/preferences`, { notiflows: { digest: { enabled: false } } })).status).toBe(200)
          await goto("confirm, already unsubscribed", 200, await svc.mint(user, { purpose: "unsubscribe", scope: { notiflow_id: "digest" } }))
          const legal = await svc.mint(user, { purpose: "unsubscribe", scope: { notiflow_id: "legal" } })
          expect((await svc.api.put("/admin/notiflows/legal", { name: "Legal notices", required: true })).status).toBe(200)
          await goto("confirm, required", 200, legal)
          expect((await svc.api.put("/admin/notiflows/legal", { name: "Legal notices", required: false })).status).toBe(200)
          const category = `gone-${lang}-${width}`
          expect((await svc.api.put(`/admin/categories/${category}`, { name: "Old news" })).status).toBe(201)
          const gone = await svc.mint(user, { purpose: "unsubscribe", scope: { category_id: category } })
          expect((await svc.api.del(`/admin/categories/${category}`)).status).toBeLessThan(300)
          await goto("confirm, deleted", 200, gone)
          await goto("confirm, locked for the tenant", 200, await svc.mint(user, { purpose: "unsubscribe", scope: { channel_type: "chat" }, tenant_id: "acme" }))

          const center = await svc.mint(user, { purpose: "preference_center", tenant_id: "acme" })
          await goto("center (tenant, categories, required, locked)", 200, center)
          await submit("saved", 200)
          expect((await tab.goto(center))?.status()).toBe(200)
          expect((await svc.api.put(`/admin/users/${user}/preferences?tenant_id=acme`, { channel_types: { in_app: false } })).status).toBe(200)
          await tabTo(tab, "input#pref.channel_types.sms")
          await tab.keyboard.press("Space")
          await submit("stale", 409)

          await rewritten("400", 400, newsletter, { postData: "action=bogus" })
          await rewritten("405", 405, newsletter, { method: "PUT" })
          await rewritten("413", 413, newsletter, { postData: `List-Unsubscribe=One-Click&pad=${"x".repeat(9000)}` })
          await rewritten("415", 415, newsletter, { postData: "action=unsubscribe", headers: { "content-type": "text/plain" } })
          await goto("404", 404, `${svc.service.url}/l/unsubscribe/${"A".repeat(132)}`)
          const revoked = await svc.mint(user, { purpose: "preference_center" })
          expect((await svc.api.post(`/admin/users/${user}/links/revoke`, undefined)).status).toBe(200)
          await goto("410", 410, revoked)
        } finally {
          await context.close()
        }
        expect(failures).toEqual({})
        expect(seen).toHaveLength(21)
      })
    }
  }
})
