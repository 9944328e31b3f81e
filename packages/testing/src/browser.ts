/**
 * Browser tests' shared harness (`@notiflows/testing/browser`): Debian's Chromium driven by
 * playwright-core (never a downloaded browser; `.ci/run` installs the package when it is missing),
 * launched with one set of flags, and axe-core injected into a page. Used by the pages', the
 * client's and the service's browser suites. Not part of the package's main entry, so the
 * conformance suites do not load playwright.
 */
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { type Browser, chromium, type Page } from "playwright-core"

export const CHROMIUM = "/usr/bin/chromium"
export const hasChromium = existsSync(CHROMIUM)
/** Run when Chromium is there; in CI (`CI=true`) its absence fails the tests instead of skipping them. */
export const runBrowserTests = hasChromium || process.env["CI"] === "true"

/** Headless, sandbox off (containers), and nothing that reaches the network on its own. */
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
  /** The offending elements' HTML. */
  readonly nodes: ReadonlyArray<string>
}

/**
 * axe-core's violations of {@link AXE_TAGS} on the current document. axe is JavaScript, so it runs
 * in a context with JavaScript on; the pages carry no script, so their DOM is the one a browser
 * with JavaScript off gets.
 */
export const axeViolations = async (page: Page): Promise<ReadonlyArray<AxeViolation>> => {
  await page.evaluate(axeSource)
  return page.evaluate(async (tags) => {
    // In the page (this package compiles without the DOM library): axe and the document are globals there.
    const page = globalThis as unknown as {
      readonly axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ html: string }> }> }> }
      readonly document: unknown
    }
    const result = await page.axe.run(page.document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.html) }))
  }, [...AXE_TAGS])
}
