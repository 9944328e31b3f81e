/**
 * The real-service browser suites' helpers: Chromium and axe-core from `@notiflows/testing/browser`
 * (one launch for every browser suite), a free port, and keyboard helpers.
 */
import { createServer } from "node:net"
import type { Page } from "playwright-core"

export { axeViolations, hasChromium, launch, runBrowserTests } from "@notiflows/testing/browser"

/** A free loopback port (so the service's NOTIFLOWS_PUBLIC_URL can be its own address). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface Focused {
  readonly key: string
  readonly outlineStyle: string
  readonly outlineWidth: number
}

/** What has focus: `tag#id|href|text`, and its computed outline. */
export const focused = (tab: Page): Promise<Focused> =>
  tab.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    const style = el === null ? null : getComputedStyle(el)
    const key = el === null || el === document.body ? "body" : `${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute("href") ?? ""}|${el.textContent?.trim() ?? ""}`
    return { key, outlineStyle: style?.outlineStyle ?? "none", outlineWidth: Number.parseFloat(style?.outlineWidth ?? "0") }
  })

/** Every enabled control Tab must reach, in DOM order (same keys as {@link focused}). */
export const expectedStops = (tab: Page): Promise<ReadonlyArray<string>> =>
  tab.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>("a[href], input:not([type=hidden]), button")).flatMap((el) =>
      (el as HTMLInputElement).disabled === true ? [] : [`${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute("href") ?? ""}|${el.textContent?.trim() ?? ""}`]
    )
  )

/** Presses Tab until the focused control's key starts with `prefix`. */
export const tabTo = async (tab: Page, prefix: string, max = 80): Promise<Focused> => {
  for (let i = 0; i < max; i++) {
    await tab.keyboard.press("Tab")
    const f = await focused(tab)
    if (f.key.startsWith(prefix)) return f
  }
  throw new Error(`Tab never reached ${prefix}`)
}

/** Presses Enter on the focused control and waits until the page its POST answered has loaded; answers its status. */
export const submitWithEnter = async (tab: Page): Promise<number> => {
  const response = tab.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest())
  const navigated = tab.waitForEvent("framenavigated", { predicate: (f) => f === tab.mainFrame() })
  await tab.keyboard.press("Enter")
  const [answer] = await Promise.all([response, navigated])
  await tab.waitForLoadState("load")
  return answer.status()
}
