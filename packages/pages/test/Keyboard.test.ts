/**
 * LINKS.md §6's proof, keyboard part, with JavaScript OFF: Tab visits every enabled box, link and
 * button once, in DOM order, never a disabled one, each with a visible outline ≥ 2 px; Space
 * toggles; Enter on "Save" submits and the saved page shows the change (only the toggled leaf is
 * written); two tabs saving over each other give the stale page that keeps the change; confirm →
 * unsubscribe → undo with keys only. Debian's Chromium; outside CI without it: SKIPPED.
 */
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hasChromium, launch, runBrowserTests } from "@notiflows/testing/browser"
import { branding, center } from "./support/fixtures.js"
import { type PageServer, startPageServer } from "./support/server.js"

let server: PageServer | undefined
let browser: Browser | undefined
let context: BrowserContext | undefined

beforeAll(async () => {
  if (!hasChromium) return
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

/** A fresh server (fresh center state) and a JavaScript-off context per test. */
const open = async (path: string): Promise<Page> => {
  expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
  await server?.close()
  await context?.close()
  server = await startPageServer({ branding, center, states: new Map() })
  context = await browser!.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } })
  const tab = await context.newPage()
  await tab.goto(`${server.url}${path}`)
  return tab
}

interface Focused {
  readonly key: string
  readonly outlineStyle: string
  readonly outlineWidth: number
}

/** What has focus: a stable description, and its computed outline. */
const focused = (tab: Page): Promise<Focused> =>
  tab.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    const style = el === null ? null : getComputedStyle(el)
    const key = el === null || el === document.body ? "body" : `${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute("href") ?? ""}|${el.textContent?.trim() ?? ""}`
    return { key, outlineStyle: style?.outlineStyle ?? "none", outlineWidth: Number.parseFloat(style?.outlineWidth ?? "0") }
  })

/** Every control Tab must reach, in DOM order. */
const expectedStops = (tab: Page): Promise<ReadonlyArray<string>> =>
  tab.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>("a[href], input:not([type=hidden]), button")).flatMap((el) =>
      (el as HTMLInputElement).disabled === true ? [] : [`${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute("href") ?? ""}|${el.textContent?.trim() ?? ""}`]
    )
  )

const tabUntil = async (tab: Page, predicate: (f: Focused) => boolean, max = 60): Promise<Focused> => {
  for (let i = 0; i < max; i++) {
    await tab.keyboard.press("Tab")
    const f = await focused(tab)
    if (predicate(f)) return f
  }
  throw new Error("never focused")
}

afterAll(async () => {
  await context?.close()
  await server?.close()
})

describe.skipIf(!runBrowserTests)("keyboard only, JavaScript off", () => {
  it("Tab visits every enabled control once in DOM order with a visible outline, no disabled one", async () => {
    const tab = await open("/l/preferences/demo")
    const expected = await expectedStops(tab)
    expect(expected.some((s) => s.startsWith("input#pref.channel_types.chat"))).toBe(false) // locked
    expect(expected.some((s) => s.startsWith("input#pref.notiflows.login_alert.enabled"))).toBe(false) // required
    const seen: Array<string> = []
    for (let i = 0; i < expected.length; i++) {
      await tab.keyboard.press("Tab")
      const f = await focused(tab)
      expect(f.outlineStyle, f.key).not.toBe("none")
      expect(f.outlineWidth, f.key).toBeGreaterThanOrEqual(2)
      seen.push(f.key)
    }
    expect(seen).toEqual(expected)
    await tab.keyboard.press("Tab")
    expect(expected).not.toContain((await focused(tab)).key) // past the last control: out of the page, no trap
  })

  it("Space toggles a box and Enter on Save writes exactly that leaf", async () => {
    const tab = await open("/l/preferences/demo?lang=de")
    const before = server!.center()
    await tabUntil(tab, (f) => f.key.startsWith("input#pref.channel_types.sms"))
    await tab.keyboard.press("Space")
    expect(await tab.isChecked("#pref\\.channel_types\\.sms")).toBe(true)
    await tabUntil(tab, (f) => f.key.startsWith("button#"))
    await Promise.all([tab.waitForURL("**/l/preferences/demo**"), tab.keyboard.press("Enter")])
    await expect.poll(() => tab.title()).toBe("Gespeichert – Benachrichtigungseinstellungen")
    expect(await tab.textContent("main [role=status]")).toBe("Ihre Einstellungen wurden gespeichert.")
    expect(await tab.isChecked("#pref\\.channel_types\\.sms")).toBe(true)
    const after = server!.center()
    expect(after.etag).not.toBe(before.etag)
    expect(after.channel_types.sms).toEqual({ value: true, locked: false })
    expect({ ...after, etag: before.etag, channel_types: { ...after.channel_types, sms: before.channel_types.sms } }).toEqual(before)
  })

  it("two tabs saving over each other: the second gets the stale page and keeps its change", async () => {
    const first = await open("/l/preferences/demo")
    const second = await context!.newPage()
    await second.goto(`${server!.url}/l/preferences/demo`)
    await tabUntil(first, (f) => f.key.startsWith("input#pref.channel_types.email"))
    await first.keyboard.press("Space")
    await tabUntil(first, (f) => f.key.startsWith("button#"))
    await Promise.all([first.waitForLoadState(), first.keyboard.press("Enter")])
    await expect.poll(() => first.title()).toBe("Saved – Notification preferences")
    const saved = server!.center()
    await tabUntil(second, (f) => f.key.startsWith("input#pref.channel_types.sms"))
    await second.keyboard.press("Space")
    await tabUntil(second, (f) => f.key.startsWith("button#"))
    const [response] = await Promise.all([second.waitForResponse(() => true), second.keyboard.press("Enter")])
    expect(response.status()).toBe(409)
    await expect.poll(() => second.title()).toBe("Not saved – Notification preferences")
    expect(server!.center()).toEqual(saved)
    expect(await second.textContent("main [role=alert]")).toContain("Nothing was saved")
    expect(await second.isChecked("#pref\\.channel_types\\.sms")).toBe(true)
    expect(await second.isChecked("#pref\\.channel_types\\.email")).toBe(false) // the first tab's write, now shown
    expect(await second.textContent("#unsaved\\.channel_types\\.sms")).toBe("Changed, not saved yet")
    // saving again from the stale page now succeeds with the kept change
    await tabUntil(second, (f) => f.key.startsWith("button#"))
    await Promise.all([second.waitForLoadState(), second.keyboard.press("Enter")])
    await expect.poll(() => second.title()).toBe("Saved – Notification preferences")
    expect(server!.center().channel_types.sms.value).toBe(true)
    expect(server!.center().channel_types.email.value).toBe(false)
  })

  it("confirm → unsubscribe → undo with keys only", async () => {
    const tab = await open("/l/unsubscribe/demo")
    await tabUntil(tab, (f) => f.key.startsWith("button#"))
    await Promise.all([tab.waitForLoadState(), tab.keyboard.press("Enter")])
    await expect.poll(() => tab.title()).toBe("Unsubscribed")
    expect(await tab.textContent("main [role=status]")).toBe("You will no longer receive “Order updates” by email.")
    await tabUntil(tab, (f) => f.key.startsWith("button#"))
    await Promise.all([tab.waitForLoadState(), tab.keyboard.press("Enter")])
    await expect.poll(() => tab.title()).toBe("Subscribed again")
    expect(await tab.textContent("main [role=status]")).toBe("You are subscribed again to “Order updates” by email.")
  })
})
