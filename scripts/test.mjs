#!/usr/bin/env node
/**
 * `pnpm test`: every package's suite, two at a time. The packages wait in one queue, longest
 * first, and two lanes each take the next one when their current suite ends, so neither lane idles
 * while the other still has several suites to go. Each suite is one `turbo run test --only
 * --filter=<package>` (turbo prefixes every line with its package, so interleaved output stays
 * readable); the command fails when any suite fails. Extra arguments go to every turbo run.
 *
 * Why two and in this order: the suites are mostly CPU-bound on the 2-core CI machine. Before
 * (until 2026-12-01), the lanes were fixed — the service's suite alone beside all the packages'
 * one after the other — and after the service's processes started faster (the bundled entry
 * point), the service's lane ended minutes before the packages' (a fresh clone's `.ci/run` on
 * this project's machine: 730 s of vitest against 888 s). `EXPECTED_SECONDS` is one such run's
 * duration per suite (only their order matters); a package missing from it (a new one) goes
 * first, so a slow newcomer never ends up alone at the end.
 *
 * The builds the suites need run first, alone (cache hits after `pnpm build`, as in `pnpm
 * verify`, a few seconds): the lanes then run only their test tasks (`--only`), so no lane restores
 * build outputs that another lane's suites are reading.
 */
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const extra = process.argv.slice(2)
const LANES = 2
/** Seconds of each suite in a fresh clone's `.ci/run` on this project's machine (2026-12-01). */
const EXPECTED_SECONDS = {
  "@notiflows/server": 730,
  "@notiflows/adapters-drizzle": 356,
  "@notiflows/http-express": 304,
  "@notiflows/testing": 106,
  "@notiflows/client": 109,
  "@notiflows/pages": 85,
  "@notiflows/domain": 51
}

/** The workspace's packages that have a test script (pnpm-workspace.yaml: packages/*, apps/*). */
const suites = () => {
  const names = []
  for (const dir of ["packages", "apps"]) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      try {
        const pkg = JSON.parse(readFileSync(join(dir, entry.name, "package.json"), "utf8"))
        if (typeof pkg.scripts?.test === "string") names.push(pkg.name)
      } catch {
        // not a package
      }
    }
  }
  const expected = (name) => EXPECTED_SECONDS[name] ?? Number.MAX_SAFE_INTEGER
  return names.sort((a, b) => expected(b) - expected(a))
}

const run = (args) =>
  new Promise((resolve) => {
    const child = spawn("turbo", args, { stdio: "inherit" })
    child.on("error", (error) => {
      console.error(`could not run turbo ${args.join(" ")}: ${error.message}`)
      resolve(1)
    })
    child.on("exit", (code, signal) => resolve(code ?? (signal !== null ? 1 : 0)))
  })

const built = await run(["run", "build", "--output-logs=errors-only"])
if (built !== 0) process.exit(built)

const queue = suites()
const failed = []
const lane = async () => {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const code = await run(["run", "test", "--only", `--filter=${name}`, ...extra])
    if (code !== 0) failed.push(name)
  }
}
await Promise.all(Array.from({ length: LANES }, lane))
if (failed.length > 0) console.error(`test suites failed: ${failed.join(", ")}`)
process.exit(failed.length > 0 ? 1 : 0)
