/**
 * The README's screenshots (docs/pages-confirm.png, docs/pages-center.png: en, 1280 px) taken in
 * Debian's Chromium from the renderer. `pnpm --filter @notiflows/pages screenshots` rewrites them;
 * a plain run takes them anyway (the pages render in a browser) and checks the committed ones.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Browser } from "playwright-core"
import { hasChromium, launch, runBrowserTests } from "@notiflows/testing/browser"
import { branding, center, pageStates } from "./support/fixtures.js"
import { type PageServer, startPageServer } from "./support/server.js"

const write = process.env["NOTIFLOWS_WRITE_SCREENSHOTS"] === "1"
const docs = new URL("../../../docs/", import.meta.url)
const SHOTS = [["confirm-notiflow-channel", "pages-confirm.png"], ["center", "pages-center.png"]] as const

let server: PageServer | undefined
let browser: Browser | undefined
beforeAll(async () => {
  if (!hasChromium) return
  server = await startPageServer({ branding, center, states: new Map(pageStates()) })
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Buffer): { width: number; height: number } => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) })

describe.skipIf(!runBrowserTests)("screenshots for the README", () => {
  it.each(SHOTS)("%s → docs/%s (en, 1280 px)", async (state, file) => {
    expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
    const tab = await browser!.newPage({ viewport: { width: 1280, height: 720 } })
    await tab.goto(`${server!.url}/l/page/${state}?lang=en`)
    const png = await tab.screenshot({ fullPage: true })
    await tab.close()
    expect(pngSize(png).width).toBe(1280)
    const target = new URL(file, docs)
    if (write) writeFileSync(target, png)
    expect(existsSync(target), `docs/${file} is committed (run the screenshots script)`).toBe(true)
    expect(pngSize(readFileSync(target)).width).toBe(1280)
  })
})
