#!/usr/bin/env node
/**
 * `pnpm --filter @notiflows/server bench:bulk` (after `pnpm build`): a bulk job (BULK.md §1) of
 * BENCH_BULK_ITEMS (default 1,000) items on PostgreSQL, end to end on the standalone service:
 * from just before `POST /admin/preferences/bulk` to the moment the job's row reads `completed`
 * in PostgreSQL (the bench reads `jobs.status` every BENCH_BULK_POLL_MS, default 2, on its own
 * connection: detection adds at most that, and the service does no extra work; `GET
 * /admin/jobs/{id}` then checks the counts outside the timed window), against one raw batch
 * `UPDATE` of the same rows' choices (the floor: one statement, no ledger, no events). Runs
 * BENCH_BULK_RUNS (default 5) jobs (alternating patches, so every item changes) after
 * BENCH_BULK_WARMUP (default 2) untimed ones, and reports each wall time, the median, the ratio,
 * and the CPU per item of the service and of the PostgreSQL backends serving this database. The
 * raw UPDATE gets the same warm-up. (Until 2026-12-01 there was no warm-up and 3 runs: the first
 * jobs of a fresh service run 20-40% slower, its code not yet optimised, so the median of 3 was a
 * half-cold figure.) (Until 2026-11-30T15Z the bench polled `GET /admin/jobs/{id}`
 * every 20 ms: ~10 ms of detection latency on average, plus the GET itself.)
 *
 *   BENCH_BULK_ITEMS  items per job (default 1000, at most 1000)
 *   BENCH_BULK_RUNS   timed jobs (default 5)
 *   BENCH_BULK_WARMUP untimed jobs first (default 2), and as many untimed raw UPDATEs
 *   BENCH_BULK_POLL_MS  how often the job's status is read from the database (default 2)
 *   DATABASE_URL      the server to create a throwaway database on (default postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SERVICE_NODE_ARGS  node flags of the service, comma-separated (e.g. --cpu-prof,--cpu-prof-dir=/tmp/prof; then bench/profile.mjs)
 *   BENCH_PROFILE_WINDOWS    a file to write each job's [start, end] window to (µs of the monotonic clock), for
 *                            `PROFILE_WINDOWS=<file> node bench/profile.mjs` (the jobs alone, not the setup)
 *
 * Targets (issue 14): ≤ 5 s and ≤ 10x the raw UPDATE on an idle PostgreSQL. The load average is
 * printed with the figures: under load they say nothing.
 */
import { execFileSync } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
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
const runs = Number(process.env.BENCH_BULK_RUNS ?? 5)
const warmup = Number(process.env.BENCH_BULK_WARMUP ?? 2)
const pollMs = Number(process.env.BENCH_BULK_POLL_MS ?? 2)
const key = (p) => `${p}_${randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 30)}`
const sk = key("sk")
const pk = key("pk")
/** The checkout's commit, `+` when the service's or the bench's code has uncommitted changes. */
const commitOf = () => {
  try {
    const git = (...args) => execFileSync("git", args, { cwd: here, encoding: "utf8" }).trim()
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "../../../packages", "../src", ".") === "" ? "" : "+"}`
  } catch {
    return "an unknown commit"
  }
}
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
  const dbCpu = []
  const windows = []
  let lastJob
  // The backends serving this database: the service's pool and the bench's two connections (their
  // status polls are part of the price of measuring).
  const backends = async () => (await sql`select pid from pg_stat_activity where datname = current_database()`).map((r) => r.pid)
  const backendsCpu = (pids) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0)
  for (let run = -warmup; run < runs; run++) {
    const pids = await backends()
    const cpuBefore = cpuMs(service.pid)
    const dbBefore = backendsCpu(pids)
    const started = process.hrtime.bigint()
    const job = await call("POST", "/admin/preferences/bulk", { user_ids: ids, preferences: { channel_types: { sms: run % 2 === 0 } } })
    for (;;) {
      const [row] = await sql`select status from jobs where id = ${job.id}::uuid`
      if (row?.status === "completed" || row?.status === "failed") break
      await new Promise((r) => setTimeout(r, pollMs))
    }
    const ended = process.hrtime.bigint()
    if (run < 0) continue
    cpu.push(cpuMs(service.pid) - cpuBefore)
    // A backend opened during the job (a pool connection the service added) is counted from its start.
    const opened = (await backends()).filter((p) => !pids.includes(p))
    dbCpu.push(backendsCpu(pids) - dbBefore + backendsCpu(opened))
    results.push(Number(ended - started) / 1e9)
    windows.push([Number(started / 1000n), Number(ended / 1000n)])
    lastJob = job.id
    const body = await call("GET", `/admin/jobs/${job.id}?limit=1`)
    if (body.status !== "completed" || body.counts.updated !== items) throw new Error(`job ${job.id}: ${body.status} ${JSON.stringify(body.counts)}`)
  }
  // The floor: one statement updating the same rows' choices (no ledger, no events, no checks).
  const raw = []
  for (let run = -warmup; run < runs; run++) {
    const started = process.hrtime.bigint()
    await sql`update preference_sets s set choices = jsonb_set(s.choices, '{channel_types}', ${sql.json({ email: run % 2 === 0 })}), version = s.version + 1
      from users u where u.project_id = s.project_id and u.id = s.user_id and u.external_id = any(${ids})`
    if (run >= 0) raw.push(Number(process.hrtime.bigint() - started) / 1e9)
  }
  // The contract's own rows in SQL (no service, no merge, no checks; on the wire only the 1,000
  // ids and the patch, as the raw UPDATE): what PostgreSQL alone spends writing what a job must
  // write, in one transaction — the job's row (written `completed`, so the service's runner never
  // claims it) and its end event, its items, then ONE statement writing the sets, ledger entries,
  // events and the items' results. The ledger fields and event payloads are the last job's, copied
  // into a table before the timed window (an ordinary table: the pool has two connections).
  if (lastJob === undefined) throw new Error("the floor needs one job first (BENCH_BULK_RUNS + BENCH_BULK_WARMUP > 0)")
  await sql`create table bench_floor_rows as
    select distinct on (h.user_id) h.user_id, h.actor_type, h.actor_id, h.request_id, h.changes, h.operation, h.source, h.context, e.type, e.ordering_key, e.payload
    from preference_history h join events e on e.project_id = h.project_id and e.user_id = h.user_id and e.type = 'preferences.updated'
    order by h.user_id, h.version desc, e.xid desc, e.seq desc`
  await sql`analyze bench_floor_rows`
  const [{ rows: floorRows }] = await sql`select count(*)::int as rows from bench_floor_rows`
  if (floorRows !== items) throw new Error(`the floor's rows: ${floorRows} of ${items}`)
  const same = []
  for (let run = -warmup; run < runs; run++) {
    const id = randomUUID()
    const started = process.hrtime.bigint()
    await sql.begin(async (tx) => {
      await tx`insert into jobs (project_id, id, type, status, mode, tenant_id, request_id, actor_type, actor_id, context, preferences, created_at, progress_at, started_at, completed_at)
        select project_id, ${id}::uuid, type, 'completed', mode, tenant_id, request_id, actor_type, actor_id, context, preferences, now(), now(), now(), now()
        from jobs where id = ${lastJob}::uuid`
      await tx`insert into job_items (project_id, job_id, idx, user_id, status)
        select project_id, ${id}::uuid, idx, user_id, 'pending' from job_items where job_id = ${lastJob}::uuid`
      await tx`with w as (
          update preference_sets s set choices = jsonb_set(s.choices, '{channel_types}', ${sql.json({ push: run % 2 === 0 })}), version = s.version + 1, updated_at = now()
          from users u where u.project_id = s.project_id and u.id = s.user_id and u.external_id = any(${ids})
          returning s.project_id, s.user_id, s.version, u.external_id),
        h as (insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
          select w.project_id, w.user_id, w.version, gen_random_uuid(), now(), f.actor_type, f.actor_id, f.request_id, f.changes, f.operation, f.source, f.context
          from w join bench_floor_rows f on f.user_id = w.user_id),
        e as (insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
          select w.project_id, gen_random_uuid(), f.type, now(), f.ordering_key, w.user_id, f.payload from w join bench_floor_rows f on f.user_id = w.user_id),
        d as (update job_items i set status = 'updated', version = w.version from w
          where i.project_id = w.project_id and i.job_id = ${id}::uuid and i.user_id = w.external_id)
        select count(*) from w`
      // The job's end event (the last job's, same bytes).
      await tx`insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
        select project_id, gen_random_uuid(), type, now(), ordering_key, user_id, payload from events
        where type = 'bulk_job.completed' order by xid desc, seq desc limit 1`
    })
    if (run >= 0) same.push(Number(process.hrtime.bigint() - started) / 1e9)
  }
  await sql`drop table bench_floor_rows`
  const job = median(results)
  const floor = median(raw)
  const sameRows = median(same)
  const summary = {
    items,
    runs,
    warmup,
    job_seconds: results.map((s) => Number(s.toFixed(3))),
    job_median_seconds: Number(job.toFixed(3)),
    raw_update_median_seconds: Number(floor.toFixed(4)),
    ratio: Number((job / floor).toFixed(1)),
    same_rows_sql_median_seconds: Number(sameRows.toFixed(4)),
    same_rows_vs_raw_update: Number((sameRows / floor).toFixed(1)),
    job_vs_same_rows: Number((job / sameRows).toFixed(1)),
    // The service's own CPU per item (user + system, polling included): what a quiet machine's wall time is made of.
    service_cpu_ms_per_item: Number((median(cpu) / items).toFixed(3)),
    // The database backends' CPU (user + system) per item, the bench's status polls included.
    postgres_cpu_ms_per_item: Number((median(dbCpu) / items).toFixed(3)),
    targets: { within_5s: job <= 5, within_10x: job / floor <= 10 },
    load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
    commit: commitOf()
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
      `At ${summary.commit}. Load average at the end: ${summary.load_average.join(", ")} (${os.cpus().length} cores).`,
      "",
      `Completion detected by reading \`jobs.status\` every ${pollMs} ms on the bench's own connection; ${warmup} untimed jobs (and raw UPDATEs) first.`,
      "",
      "| job wall time (median) | each run | service CPU per item | PostgreSQL CPU per item | raw batch UPDATE (median) | ratio | ≤ 5 s | ≤ 10x |",
      "|---|---|---|---|---|---|---|---|",
      `| ${summary.job_median_seconds} s | ${summary.job_seconds.join(", ")} s | ${summary.service_cpu_ms_per_item} ms | ${summary.postgres_cpu_ms_per_item} ms | ${summary.raw_update_median_seconds} s | ${summary.ratio}x | ${summary.targets.within_5s ? "yes" : "no"} | ${summary.targets.within_10x ? "yes" : "no"} |`,
      "",
      `The contract's rows written in raw SQL (the job's row and end event, its items, then one statement writing the sets, ledger entries, events and item results, in one transaction; no service, no merge, no checks, on the wire only the ids and the patch): **${summary.same_rows_sql_median_seconds} s** median, ${summary.same_rows_vs_raw_update}x the raw UPDATE; the job takes ${summary.job_vs_same_rows}x that.`,
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
