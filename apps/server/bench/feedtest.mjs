#!/usr/bin/env node
/**
 * Part of `pnpm bench` (issue 16, EVENTS.md §3): the feed test on PostgreSQL for 20 s instead of
 * CI's 10 (4 writer processes, 8 writers each, a third of the transactions held open 0–300 ms;
 * consumers through `read` and `readText` must each see exactly the event table in a commit-safe
 * order, and the numbering-at-insert stand-in must lose events). It is the adapters' own test
 * (packages/adapters-drizzle/test/feed.postgres.test.ts), run with FEED_TEST_SECONDS=20; the exit
 * code is the test's. Needs the local PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const adapters = path.resolve(here, "../../../packages/adapters-drizzle")
const seconds = process.env.FEED_TEST_SECONDS ?? "20"
process.stdout.write(`\nFeed test (EVENTS.md §3) for ${seconds} s on PostgreSQL\n`)
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "notiflows-feedtest-")), "report.json")
const run = spawnSync("npx", ["vitest", "run", "test/feed.postgres.test.ts", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], {
  cwd: adapters,
  stdio: "inherit",
  env: { ...process.env, FEED_TEST_SECONDS: seconds }
})
// A skipped test (no PostgreSQL) is not a pass.
const passed = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, "utf8")).numPassedTests : 0
fs.rmSync(path.dirname(report), { recursive: true, force: true })
if (run.status !== 0 || passed !== 1) {
  process.stdout.write(`feed test: FAILED or did not run (exit ${run.status}, ${passed} passed)\n`)
  process.exit(1)
}
process.stdout.write("feed test: PASS\n")
