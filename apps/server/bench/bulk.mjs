#!/usr/bin/env node
/**
 * `pnpm --filter @notiflows/server bench:bulk` (after `pnpm build`): a bulk job (BULK.md §1) of
 * BENCH_BULK_ITEMS (default 1,000) items on PostgreSQL, end to end on the standalone service:
 * from the 202 of `POST /admin/preferences/bulk` to `completed` (`GET /admin/jobs/{id}` polled
 * every 20 ms), against one raw batch `UPDATE` of the same rows' choices (the floor: one
 * statement, no ledger, no events). Runs BENCH_BULK_RUNS (default 3) jobs (alternating patches,
 * so every item changes) and reports each wall time, the median and the ratio.
 *
 *   BENCH_BULK_ITEMS  items per job (default 1000, at most 1000)
 *   BENCH_BULK_RUNS   jobs (default 3)
 *   DATABASE_URL      the server to create a throwaway database on (default postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SERVICE_NODE_ARGS  node flags of the service, comma-separated (e.g. --cpu-prof,--cpu-prof-dir=/tmp/prof; then bench/profile.mjs)
 *   BENCH_PROFILE_WINDOWS    a file to write each job's [start, end] window to (µs of the monotonic clock), for
 *                            `PROFILE_WINDOWS=<file> node bench/profile.mjs` (the jobs alone, not the setup)
 *
 * Targets (issue 14): ≤ 5 s and ≤ 10x the raw UPDATE on an idle PostgreSQL. The load average is
 * printed with the figures: under load they say nothing.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { cpuMs, freePort, startNode, stop, tail, waitHttp } from "./lib/proc.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const mainJs = path.join(here, "../dist/main.js")
const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const items = Math.min(1000, Number(process.env.BENCH_BULK_ITEMS ?? 1000))
const runs = Number(process.env.BENCH_BULK_RUNS ?? 3)
const key = (p) => `${p}_${randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 30)}`
const sk = key("sk")
const pk = key("pk")
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const admin = postgres(baseUrl, { max: 1, onnotice: () => {} })
const dbName = `notiflows_bench_bulk_${randomBytes(5).toString("hex")}`
await admin.unsafe(`create database ${dbName}`)
const dbUrl = new URL(baseUrl)
dbUrl.pathname = `/${dbName}`
const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "notiflows-bench-bulk-")), "service.log")
const port = await freePort()
const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? "").split(",").filter(Boolean)
const service = startNode("service", [...nodeArgs, mainJs, "serve"], {
  env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: dbUrl.toString(), NOTIFLOWS_SECRET_KEY: sk, NOTIFLOWS_PUBLIC_KEY: pk, LOG_LEVEL: "warn", NOTIFLOWS_RATE_LIMIT_ADMIN: "1000000/1s" },
  logFile
})
const base = `http://127.0.0.1:${port}`
const call = async (method, p, body) => {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { "x-notiflows-secret-key": sk, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`)
  return JSON.parse(text)
}
const sql = postgres(dbUrl.toString(), { max: 2, onnotice: () => {} })
try {
  await waitHttp(service, `${base}/healthz`)
  const ids = Array.from({ length: items }, (_, i) => `bulk_user_${String(i).padStart(5, "0")}`)
  for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => call("PUT", `/admin/users/${id}`, {})))
  const results = []
  const cpu = []
  const windows = []
  for (let run = 0; run < runs; run++) {
    const cpuBefore = cpuMs(service.pid)
    const started = process.hrtime.bigint()
    const job = await call("POST", "/admin/preferences/bulk", { user_ids: ids, preferences: { channel_types: { sms: run % 2 === 0 } } })
    let status = job.status
    let body = job
    while (status !== "completed" && status !== "failed") {
      await new Promise((r) => setTimeout(r, 20))
      body = await call("GET", `/admin/jobs/${job.id}?limit=1`)
      status = body.status
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    if (body.counts.updated !== items) throw new Error(`job ${job.id}: ${JSON.stringify(body.counts)}`)
    results.push(seconds)
    windows.push([Number(started / 1000n), Number(process.hrtime.bigint() / 1000n)])
    cpu.push(cpuMs(service.pid) - cpuBefore)
  }
  // The floor: one statement updating the same rows' choices (no ledger, no events, no checks).
  const raw = []
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint()
    await sql`update preference_sets s set choices = jsonb_set(s.choices, '{channel_types}', ${sql.json({ email: run % 2 === 0 })}), version = s.version + 1
      from users u where u.project_id = s.project_id and u.id = s.user_id and u.external_id = any(${ids})`
    raw.push(Number(process.hrtime.bigint() - started) / 1e9)
  }
  const job = median(results)
  const floor = median(raw)
  const summary = {
    items,
    runs,
    job_seconds: results.map((s) => Number(s.toFixed(3))),
    job_median_seconds: Number(job.toFixed(3)),
    raw_update_median_seconds: Number(floor.toFixed(4)),
    ratio: Number((job / floor).toFixed(1)),
    // The service's own CPU per item (user + system, polling included): what a quiet machine's wall time is made of.
    service_cpu_ms_per_item: Number((median(cpu) / items).toFixed(3)),
    targets: { within_5s: job <= 5, within_10x: job / floor <= 10 },
    load_average: os.loadavg().map((l) => Number(l.toFixed(2)))
  }
  console.log(JSON.stringify(summary))
  if (process.env.BENCH_PROFILE_WINDOWS) fs.writeFileSync(process.env.BENCH_PROFILE_WINDOWS, JSON.stringify(windows))
  const resultsDir = path.join(here, "results")
  fs.mkdirSync(resultsDir, { recursive: true })
  const stamp = new Date().toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z")
  fs.writeFileSync(
    path.join(resultsDir, `bulk-${stamp}.md`),
    [
      `# Bulk job (${items} items) — ${new Date().toISOString()}`,
      "",
      `Load average at the end: ${summary.load_average.join(", ")} (${os.cpus().length} cores).`,
      "",
      "| job wall time (median) | each run | service CPU per item | raw batch UPDATE (median) | ratio | ≤ 5 s | ≤ 10x |",
      "|---|---|---|---|---|---|---|",
      `| ${summary.job_median_seconds} s | ${summary.job_seconds.join(", ")} s | ${summary.service_cpu_ms_per_item} ms | ${summary.raw_update_median_seconds} s | ${summary.ratio}x | ${summary.targets.within_5s ? "yes" : "no"} | ${summary.targets.within_10x ? "yes" : "no"} |`,
      ""
    ].join("\n")
  )
} catch (error) {
  console.error(String(error?.stack ?? error), "\n", tail(logFile))
  process.exitCode = 1
} finally {
  await sql.end({ timeout: 5 })
  await stop(service)
  await admin.unsafe(`drop database if exists ${dbName} with (force)`)
  await admin.end({ timeout: 5 })
}
