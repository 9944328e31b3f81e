/** Debian's Chromium through playwright-core (never a downloaded browser), and axe-core injected. */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { readFileSync } from "node:fs"
import { type Browser, chromium, type Page } from "playwright-core"

export const CHROMIUM = "/usr/bin/chromium"
export const hasChromium = existsSync(CHROMIUM)
export const inCi = process.env["CI"] === "true"
/** Run when Chromium is there; in CI its absence fails the tests instead of skipping them. */
export const runBrowserTests = hasChromium || inCi

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

/** LINKS.md §6's tags. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] as const

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: ReadonlyArray<string>
}

/**
 * axe-core's violations on the current document. axe is JavaScript, so it runs in a context with
 * JavaScript on; the pages carry no script, so their DOM is the same as with it off.
 */
export const axeViolations = async (page: Page): Promise<ReadonlyArray<AxeViolation>> => {
  await page.evaluate(axeSource)
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ html: string }> }> }> } }).axe
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.html) }))
  }, [...AXE_TAGS])
}
