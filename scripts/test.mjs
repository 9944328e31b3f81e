#!/usr/bin/env node
/**
 * `pnpm test`: every package's suite, in two lanes at once — the service's (`apps/server`, 7.5-11
 * minutes alone: it starts the built service and CLI as processes, much of its time waiting on
 * them and on PostgreSQL) beside the packages' (one after the other, about 7.5 minutes). On the
 * 2-core CI machine the whole `.ci/run` took 16 m 21 s with one lane after the other and 13 m 47 s
 * with both at once, back to back on a quiet machine. Each lane is one `turbo run test`
 * (turbo prefixes every line with its package, so interleaved output stays readable); the command
 * fails when either lane fails. Extra arguments go to both turbo runs.
 *
 * The builds the service's suite needs run first, alone (cache hits after `pnpm build`, as in
 * `pnpm verify`, a few seconds): the lanes
 * then run only their test tasks (`--only`), so no lane restores build outputs that the other
 * lane's suites are reading.
 */
import { spawn } from "node:child_process"

const extra = process.argv.slice(2)
const lanes = [
  ["run", "test", "--only", "--filter=@notiflows/server", "--concurrency=1", ...extra],
  ["run", "test", "--only", "--filter=!@notiflows/server", "--concurrency=1", ...extra]
]

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
const codes = await Promise.all(lanes.map(run))
process.exit(codes.some((c) => c !== 0) ? 1 : 0)
