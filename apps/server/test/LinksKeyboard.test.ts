/**
 * Issue 12's browser proof on the real service (LINKS.md §5, §6), JavaScript OFF, keyboard only,
 * Debian's Chromium through playwright-core: a center link minted through the admin API opens;
 * Tab visits every enabled control once in DOM order with a visible outline; Space toggles two
 * boxes, Enter saves, and the admin API reads back that exactly those two leaves became explicit;
 * two tabs saving over each other give the stale page and lose nothing; confirm → unsubscribe →
 * undo. On embedded PGlite and on PostgreSQL (`DATABASE_URL`; skipped without it outside CI,
 * failed in CI). Without Chromium: skipped outside CI, failed in CI.
 */
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectedStops, focused, hasChromium, launch, runBrowserTests, submitWithEnter, tabTo } from "./browser.js"
import { type LinkService, startLinkService } from "./linkService.js"
import { postgresAvailable, throwawayDatabase } from "./support.js"

const pg = await postgresAvailable()
let browser: Browser | undefined
const contexts: Array<BrowserContext> = []

beforeAll(async () => {
  if (hasChromium) browser = await launch()
})
afterAll(async () => {
  for (const c of contexts) await c.close()
  await browser?.close()
})

/** A JavaScript-off tab at 1280 px on `url`, answered 200. */
const open = async (url: string, context?: BrowserContext): Promise<Page> => {
  expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
  let ctx = context
  if (ctx === undefined) {
    ctx = await browser!.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 }, locale: "en-US" })
    contexts.push(ctx)
  }
  const tab = await ctx.newPage()
  expect((await tab.goto(url))?.status()).toBe(200)
  return tab
}

const box = (path: string) => `#pref\\.${path.replaceAll(".", "\\.")}`

const suite = (name: string, start: () => Promise<LinkService>) =>
  describe(name, () => {
    let s: LinkService
    beforeAll(async () => {
      s = await start()
    })
    afterAll(async () => {
      expect(await s?.service.stop()).toBe(0)
    })

    it("center: Tab walk, Space on two boxes, Enter saves; only those two leaves become explicit", async () => {
      const user = await s.user()
      const url = await s.mint(user, { purpose: "preference_center", tenant_id: "acme" })
      const tab = await open(url)
      const stops = await expectedStops(tab)
      expect(stops.some((k) => k.startsWith("input#pref.channel_types.chat"))).toBe(false) // locked in acme
      expect(stops.some((k) => k.startsWith("input#pref.notiflows.security"))).toBe(false) // required
      expect(await tab.isDisabled(box("channel_types.chat"))).toBe(true)
      expect(await tab.isChecked(box("notiflows.security.enabled"))).toBe(true)
      const seen: Array<string> = []
      for (let i = 0; i < stops.length; i++) {
        await tab.keyboard.press("Tab")
        const f = await focused(tab)
        expect(f.outlineStyle, f.key).not.toBe("none")
        expect(f.outlineWidth, f.key).toBeGreaterThanOrEqual(2)
        seen.push(f.key)
      }
      expect(seen).toEqual(stops)
      await tab.keyboard.press("Tab")
      expect(stops).not.toContain((await focused(tab)).key) // out of the page: no trap
      expect(await s.stored(user, "acme")).toMatchObject({ history: 0 })

      await tab.goto(url)
      await tabTo(tab, "input#pref.channel_types.sms")
      await tab.keyboard.press("Space")
      await tabTo(tab, "input#pref.notiflows.newsletter.enabled")
      await tab.keyboard.press("Space")
      await tabTo(tab, "button#")
      expect(await submitWithEnter(tab)).toBe(200)
      expect(await tab.title()).toBe("Saved – Notification preferences")
      expect(await tab.textContent("main [role=status]")).toBe("Your preferences have been saved.")
      expect(await tab.isChecked(box("channel_types.sms"))).toBe(false)
      expect(await tab.isChecked(box("notiflows.newsletter.enabled"))).toBe(false)
      const after = await s.stored(user, "acme")
      expect(after.history).toBe(1)
      expect(after.explicit).toEqual({ channel_types: { sms: false }, notiflows: { newsletter: { enabled: false } } })
      expect((await s.stored(user)).history).toBe(0) // the global set is untouched
    })

    it("two tabs saving over each other: the second gets the stale page, nothing is lost", async () => {
      const user = await s.user()
      const url = await s.mint(user, { purpose: "preference_center" })
      const first = await open(url)
      const second = await open(url, first.context())
      await tabTo(first, "input#pref.channel_types.email")
      await first.keyboard.press("Space")
      await tabTo(first, "button#")
      expect(await submitWithEnter(first)).toBe(200)
      expect(await first.title()).toBe("Saved – Notification preferences")

      await tabTo(second, "input#pref.channel_types.sms")
      await second.keyboard.press("Space")
      await tabTo(second, "button#")
      expect(await submitWithEnter(second)).toBe(409)
      expect(await second.title()).toBe("Not saved – Notification preferences")
      expect(await second.textContent("main [role=alert]")).toContain("Nothing was saved")
      expect(await second.isChecked(box("channel_types.sms"))).toBe(false) // the user's change, kept
      expect(await second.isChecked(box("channel_types.email"))).toBe(false) // the first tab's write, shown
      expect(await second.textContent("#unsaved\\.channel_types\\.sms")).toBe("Changed, not saved yet")
      expect(await s.stored(user)).toMatchObject({ history: 1, explicit: { channel_types: { email: false } } })

      await tabTo(second, "button#")
      expect(await submitWithEnter(second)).toBe(200)
      expect(await s.stored(user)).toMatchObject({ history: 2, explicit: { channel_types: { email: false, sms: false } } })
    })

    it("confirm → unsubscribe → undo with keys only; the confirm page wrote nothing", async () => {
      const user = await s.user()
      const url = await s.mint(user, { purpose: "unsubscribe", scope: { notiflow_id: "newsletter", channel_type: "email" } })
      const tab = await open(url)
      expect(await tab.title()).toBe("Unsubscribe")
      expect(await s.stored(user)).toMatchObject({ history: 0 })
      await tabTo(tab, "button#")
      expect(await submitWithEnter(tab)).toBe(200)
      expect(await tab.title()).toBe("Unsubscribed")
      expect(await tab.textContent("main [role=status]")).toBe("You will no longer receive “Newsletter” by email.")
      expect(await s.stored(user)).toMatchObject({ history: 1, explicit: { notiflows: { newsletter: { channel_types: { email: false } } } } })
      await tabTo(tab, "button#")
      expect(await submitWithEnter(tab)).toBe(200)
      expect(await tab.title()).toBe("Subscribed again")
      expect(await tab.textContent("main [role=status]")).toBe("You are subscribed again to “Newsletter” by email.")
      const after = await s.stored(user)
      expect(after.history).toBe(2)
      expect(after.explicit).toMatchObject({ channel_types: {}, notiflows: {} }) // no explicit choice, as before
    })
  })

describe.skipIf(!runBrowserTests)("link pages in Chromium with JavaScript off, keyboard only", () => {
  suite("embedded PGlite", () => startLinkService({ NOTIFLOWS_DATA_DIR: "memory://" }))
  describe.skipIf(!pg)("PostgreSQL", () => {
    let drop: (() => Promise<void>) | undefined
    afterAll(async () => {
      await drop?.()
    })
    suite("PostgreSQL server", async () => {
      const db = await throwawayDatabase()
      drop = db.drop
      return startLinkService({ DATABASE_URL: db.url })
    })
  })
})
