/**
 * Bundles the entry point (src/main.ts and all it imports; workspace packages from their built
 * dist/) into one ESM file, written over the dist/main.js that `tsc` emitted. A process of the
 * service or of the CLI then reads and compiles one file instead of resolving, reading and linking
 * ~1,200 ES modules and CommonJS files, which took most of its start (docs/performance.md,
 * "Start-up": `--help` 1.4 s → 0.5 s, `serve` on PostgreSQL until /healthz 1.8 s → 0.8 s).
 *
 * - @electric-sql/pglite stays external: it loads its .wasm and data files from its own folder,
 *   and pgliteOpen starts it in a worker thread by its resolved path.
 * - In each bundled file, `import.meta.url`, `__dirname` and `__filename` still name that file's
 *   own place (computed from the bundle's URL, so the tree may move as a whole): adapters-drizzle
 *   finds its migrations folder, pgliteOpen resolves PGlite from adapters-drizzle, ioredis reads
 *   its own package.json, as without the bundle.
 * - CommonJS dependencies (express, pino, ioredis, prom-client...) get a `require` made with
 *   `createRequire`, for their `require` of Node's built-ins.
 * - `cluster.fork()` re-runs process.argv[1], this same file.
 */
import { readFile } from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const outfile = path.join(root, "dist/main.js")
const fromBundle = (file) => path.relative(path.dirname(outfile), file).split(path.sep).join("/")

/** Where a file's directive prologue ("use strict", after comments) ends: declarations go after it. */
const afterPrologue = (source) => {
  let i = source.startsWith("#!") ? source.indexOf("\n") + 1 : 0
  for (;;) {
    const ws = /^\s*/.exec(source.slice(i))[0].length
    i += ws
    if (source.startsWith("//", i)) i = source.indexOf("\n", i) < 0 ? source.length : source.indexOf("\n", i) + 1
    else if (source.startsWith("/*", i)) i = source.indexOf("*/", i) + 2
    else {
      const directive = /^(?:"[^"\n]*"|'[^'\n]*')\s*;?/.exec(source.slice(i))
      if (directive === null) return i
      i += directive[0].length
    }
  }
}

const ownLocation = {
  name: "own-location",
  setup(b) {
    b.onLoad({ filter: /\.(?:[cm]?js|ts|tsx)$/ }, async (args) => {
      let source = await readFile(args.path, "utf8")
      const meta = source.includes("import.meta.url")
      const dirname = /\b__dirname\b/.test(source) && !/\b(?:var|let|const)\s+__dirname\b/.test(source)
      const filename = /\b__filename\b/.test(source) && !/\b(?:var|let|const)\s+__filename\b/.test(source)
      if (!meta && !dirname && !filename) return undefined
      if (meta) source = source.replaceAll("import.meta.url", `__nfUrlOf(${JSON.stringify(fromBundle(args.path))})`)
      const declared = [
        ...(dirname ? [`__dirname = __nfPathOf(${JSON.stringify(fromBundle(path.dirname(args.path)))})`] : []),
        ...(filename ? [`__filename = __nfPathOf(${JSON.stringify(fromBundle(args.path))})`] : [])
      ]
      if (declared.length > 0) {
        const at = afterPrologue(source)
        source = `${source.slice(0, at)}var ${declared.join(", ")};\n${source.slice(at)}`
      }
      const loader = args.path.endsWith(".tsx") ? "tsx" : args.path.endsWith(".ts") ? "ts" : "js"
      return { contents: source, loader, resolveDir: path.dirname(args.path) }
    })
  }
}

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  tsconfig: path.join(root, "tsconfig.src.json"),
  // Node's own conditions (esbuild adds "module" unless told otherwise).
  conditions: [],
  external: ["@electric-sql/pglite", "@electric-sql/pglite/*"],
  banner: {
    js: [
      'import { createRequire as __nfCreateRequire } from "node:module";',
      'import { fileURLToPath as __nfFileURLToPath } from "node:url";',
      "const require = __nfCreateRequire(import.meta.url);",
      "const __nfUrlOf = (relative) => new URL(relative, import.meta.url).href;",
      "const __nfPathOf = (relative) => __nfFileURLToPath(new URL(relative, import.meta.url));"
    ].join("\n")
  },
  plugins: [ownLocation],
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  metafile: true
})
// Every `import.meta` of a bundled file was rewritten to name that file; one left over would name
// the bundle instead (a wrong path found only at run time), so it fails the build. The banner
// holds the only three.
const bundled = await readFile(outfile, "utf8")
const metas = bundled.match(/import\.meta\b/g)?.length ?? 0
if (metas !== 3) throw new Error(`dist/main.js holds ${metas - 3} import.meta the bundle did not rewrite (see ownLocation)`)
const inputs = Object.keys(result.metafile.inputs).length
const bytes = result.metafile.outputs["dist/main.js"]?.bytes ?? 0
process.stdout.write(`bundled ${inputs} files into dist/main.js (${(bytes / 1024).toFixed(0)} KiB)\n`)
