/**
 * LINKS.md §6's proof, axe part: axe-core with the WCAG 2.2 AA tags reports zero violations on
 * every page state of §6's list (and every other state, see `statesFor`), in en and de, at 1280 and 320 px (where nothing scrolls sideways), served with
 * the real headers (CSP included: a blocked stylesheet or accent would show here). Debian's
 * Chromium; outside CI without it: SKIPPED; in CI without it: FAILED.
 */
import type { Browser, BrowserContext } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { statusOf } from "../src/index.js"
import { axeViolations, hasChromium, launch, runBrowserTests } from "@notiflows/testing/browser"
import { branding, center, pageStates } from "./support/fixtures.js"
import { type PageServer, startPageServer } from "./support/server.js"

const states = pageStates()
/**
 * LINKS.md §6's list runs in all four combinations; the other states (deleted, locked, no undo,
 * undo conflict/expired, global and long-tenant centers, 403, 405, 409, 413, 415, 500, 503) run in
 * two that still cover both languages and both widths: en at 1280 px and de at 320 px.
 */
const SECTION_6 = new Set([
  "confirm-notiflow", "confirm-notiflow-channel", "confirm-category", "confirm-category-channel", "confirm-channel",
  "confirm-already", "confirm-required", "result-undo", "undo-done", "center", "saved", "stale",
  "error-400", "error-404", "error-410", "error-429"
])
const statesFor = (locale: string, width: number) =>
  states.filter(([name]) => SECTION_6.has(name) || (locale === "en" && width === 1280) || (locale === "de" && width === 320))
let server: PageServer | undefined
let browser: Browser | undefined

beforeAll(async () => {
  if (!hasChromium) return
  server = await startPageServer({ branding, center, states: new Map(states) })
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const WIDTHS = [1280, 320] as const
const LOCALES = ["en", "de"] as const

describe.skipIf(!runBrowserTests)("axe-core, WCAG 2.2 AA, every page state", () => {
  it("finds violations where there are some (the harness is not blind)", async () => {
    expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
    const tab = await browser!.newPage()
    await tab.setContent('<!doctype html><html><head><title>x</title></head><body><main><h1>x</h1><form><input type="checkbox" id="a"><button></button></form><p style="color:#aaa">low</p></main></body></html>')
    const ids = (await axeViolations(tab)).map((v) => v.id).sort()
    await tab.close()
    expect(ids).toEqual(expect.arrayContaining(["button-name", "color-contrast", "html-has-lang", "label"]))
  })

  for (const width of WIDTHS) {
    for (const locale of LOCALES) {
      it(`${locale} at ${width} px: zero violations${width === 320 ? ", no horizontal scrolling" : ""}`, async () => {
        expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
        const context: BrowserContext = await browser!.newContext({ viewport: { width, height: 800 } })
        const tab = await context.newPage()
        const cspViolations: Array<string> = []
        tab.on("console", (m) => {
          if (m.text().includes("Content Security Policy")) cspViolations.push(m.text())
        })
        const failures: Record<string, unknown> = {}
        try {
          for (const [name, model] of statesFor(locale, width)) {
            const response = await tab.goto(`${server!.url}/l/page/${name}?lang=${locale}`)
            expect(response?.status(), name).toBe(statusOf(model))
            const violations = await axeViolations(tab)
            if (violations.length > 0) failures[name] = violations
            const look = await tab.evaluate(() => ({
              scrollWidth: document.documentElement.scrollWidth,
              styled: getComputedStyle(document.body).fontFamily.includes("system-ui"),
              accent: getComputedStyle(document.documentElement).getPropertyValue("--accent").trim()
            }))
            expect(look.styled, `${name}: the hashed stylesheet applies under the CSP`).toBe(true)
            expect(look.accent, `${name}: the nonce'd accent applies`).toBe(model.kind === "error" && model.status === 404 ? "#1d4ed8" : branding.accent_color)
            if (width === 320) expect(look.scrollWidth, `${name} reflows at 320 px`).toBeLessThanOrEqual(320)
          }
        } finally {
          await context.close()
        }
        expect(failures).toEqual({})
        expect(cspViolations).toEqual([])
      })
    }
  }
})
