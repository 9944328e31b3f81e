/**
 * The user client in a real browser (headless Chromium, driven by playwright-core): the
 * esbuild bundle of `src/user.ts` is loaded by a page of another origin, which calls the router on
 * PGlite cross-origin (CORS preflights for the key, token, `Idempotency-Key` and `If-Match`
 * headers), reads the ETag, makes a conditional write, and gets a 412 as a `NotiflowsError`.
 * Chromium is Debian's (`.ci/run` installs it); outside CI without it: SKIPPED.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { build } from "esbuild"
import { hasChromium, launch, runBrowserTests } from "@notiflows/testing/browser"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdminClient } from "../src/index.js"
import type { TestService } from "./support.js"
import { freshId, startService } from "./support.js"

let service: TestService | undefined
let page: Server | undefined
let browser: Browser | undefined
let origin = ""

beforeAll(async () => {
  if (!hasChromium) return
  const bundle = await build({
    entryPoints: [new URL("../src/user.ts", import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false
  })
  const code = bundle.outputFiles[0]!.text
  page = createServer((req, res) => {
    if (req.url === "/client.js") res.writeHead(200, { "content-type": "text/javascript" }).end(code)
    else res.writeHead(200, { "content-type": "text/html" }).end(`<script type="module">import * as C from "/client.js"; window.C = C</script>`)
  })
  await new Promise<void>((resolve) => page!.listen(0, "127.0.0.1", resolve))
  origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`
  service = await startService({ allowedOrigins: [origin] })
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (page === undefined ? resolve() : page.close(() => resolve())))
  await service?.close()
})

describe("the user client in Chromium", () => {
  it.skipIf(!runBrowserTests)("reads, writes conditionally and narrows a 412, cross-origin", async () => {
    expect(hasChromium, "Chromium must be installed in CI (.ci/run installs Debian's chromium)").toBe(true)
    const user = freshId("browser")
    await createAdminClient({ baseUrl: service!.url, secretKey: service!.secretKey }).users.upsert(user, {})
    const tab = await browser!.newPage()
    await tab.goto(`${origin}/`)
    await tab.waitForFunction(() => "C" in window)
    const result = await tab.evaluate(
      async ({ url, publicKey, token }) => {
        // The bundle's exports, as the page's module script put them on window.
        const C = (window as unknown as { C: typeof import("../src/user.js") }).C
        const me = C.createUserClient({ baseUrl: url, publicKey, userToken: token })
        const read = await me.preferences.get()
        const written = await me.preferences.update({ channel_types: { sms: false } }, { ifMatch: read.etag! })
        let stale: unknown
        try {
          await me.preferences.update({ channel_types: { email: false } }, { ifMatch: read.etag! })
        } catch (error) {
          stale =
            error instanceof C.NotiflowsError && error.is("precondition_failed")
              ? [error.code, error.status, error.details.current_status === written.etag, error.requestId !== undefined]
              : String(error)
        }
        const explicit = await me.preferences.explicit()
        return { etag: read.etag, sms: written.data.channel_types.sms, requestId: written.requestId, stale, explicit: explicit.data }
      },
      { url: service!.url, publicKey: service!.publicKey, token: await service!.token(user) }
    )
    expect(result.etag).toMatch(/^"/)
    expect(result.sms).toBe(false)
    expect(result.requestId).toMatch(/^req_/)
    expect(result.stale).toEqual(["precondition_failed", 412, true, true])
    expect(result.explicit).toEqual({ channel_types: { sms: false }, notiflows: {} })
  })
})
