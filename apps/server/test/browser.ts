/**
 * Debian's Chromium through playwright-core (never a downloaded browser) with the launch flags of
 * `packages/pages/test/support/browser.ts` (issue 12's list), axe-core injected, and the keyboard
 * helpers the real-service browser suite uses.
 */
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { type Browser, chromium, type Page } from "playwright-core"

export const CHROMIUM = "/usr/bin/chromium"
export const hasChromium = existsSync(CHROMIUM)
/** Run when Chromium is there; in CI (`CI=true`) its absence fails the tests instead of skipping them. */
export const runBrowserTests = hasChromium || process.env["CI"] === "true"

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

/** LINKS.md §6's tags. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] as const

/**
 * axe-core's violations (rule id → offending HTML) on the current document. axe is JavaScript, so
 * it runs in a context with JavaScript on; the pages carry no script, so the DOM is the one a
 * browser with JavaScript off gets.
 */
export const axeViolations = async (page: Page): Promise<Record<string, ReadonlyArray<string>>> => {
  await page.evaluate(axeSource)
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; nodes: Array<{ html: string }> }> }> } }).axe
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
    return Object.fromEntries(result.violations.map((v) => [v.id, v.nodes.map((n) => n.html)]))
  }, [...AXE_TAGS])
}

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
