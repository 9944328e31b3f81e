/**
 * The user client in a browser: bundled from its entry with esbuild for the browser platform
 * (minified, tree-shaken), it imports no Node built-in and stays under 15 KB gzipped. The full
 * entry (admin + user) is held to the same: neither needs anything but web-platform globals.
 */
import { gzipSync } from "node:zlib"
import { build } from "esbuild"
import { describe, expect, it } from "vitest"

const LIMIT = 15 * 1024

const bundle = async (entry: string) => {
  const result = await build({
    entryPoints: [new URL(`../src/${entry}`, import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent"
  })
  const code = result.outputFiles[0]!.text
  return { code, gzipped: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) }
}

describe("browser bundles", () => {
  it.each(["user.ts", "index.ts"])("%s: < 15 KB min+gz, no node: imports", async (entry) => {
    const { code, gzipped, inputs } = await bundle(entry)
    console.log(`${entry}: ${code.length} bytes minified, ${gzipped} bytes gzipped`)
    expect(gzipped).toBeLessThan(LIMIT)
    expect(code).not.toMatch(/\bnode:/)
    expect(code).not.toMatch(/\brequire\(/)
    expect(inputs.filter((i) => i.includes("node_modules"))).toEqual([])
  })

  it("webhooks.ts bundles for the browser platform too (standardwebhooks has no Node built-in)", async () => {
    const { code, inputs } = await bundle("webhooks.ts")
    expect(code).not.toMatch(/\bnode:/)
    expect(inputs.some((i) => i.includes("standardwebhooks"))).toBe(true)
  })
})
