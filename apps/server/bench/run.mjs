#!/usr/bin/env node
/**
 * `pnpm bench`: the whole benchmark in one run, on the BUILT packages (`pnpm build` first; the
 * turbo `bench` task does it).
 *
 *   1. domain micro-benchmarks (tinybench, in this process, before any load);
 *   2. PostgreSQL: a throwaway database on the local server, migrated by the service itself,
 *      seeded with SQL, copied for the baselines; then per request kind, the baselines and the
 *      standalone service (`node apps/server/dist/main.js serve`) under autocannon load;
 *   3. PGlite: the same on the embedded database, against a bare PGlite process holding a copy
 *      of the same data (requests/s, p99 and RSS);
 *   4. the replica (issue 15): `@notiflows/client/replica` in its own process against the service on
 *      its own seeded PostgreSQL database: snapshot time, heap per user, `evaluate` calls/s,
 *      staleness after a PUT;
 *   5. the table, the ratios to the baselines and the targets, printed and written to
 *      bench/results/<date>.json and .md.
 *
 * Every server and the load generator run in their own processes. See bench/README.md for the
 * BENCH_* variables.
 */
import { fork } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { randomBytes } from "node:crypto"
import { execFileSync } from "node:child_process"
import postgres from "postgres"
import { runDomainBenchmarks, SEED_PATCH } from "./lib/domain.mjs"
import { runReplicaPart } from "./lib/replica.mjs"
import { BENCH_TENANT } from "./lib/ids.mjs"
import { randomFeedPath, seedEvents } from "./lib/feed.mjs"
import { ensureTokens } from "./lib/links.mjs"
import { backToBack, judgedConcurrency, pairedLetters, runRatioPairs } from "./lib/pairs.mjs"
import { seed } from "./lib/seed.mjs"
import { busyShare, freePort, machineTicks, sampleTreeRss, startNode, stop, tail, treeCpuMs as cpuMs, treeRss as rss, waitHttp, waitLog } from "./lib/proc.mjs"
import { render } from "./lib/report.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const serverDir = path.resolve(here, "..")
const repoDir = path.resolve(serverDir, "../..")
const mainJs = path.join(serverDir, "dist/main.js")
const loadJs = path.join(here, "lib/load.mjs")
const baselineJs = path.join(here, "lib/baseline.mjs")

// ---- configuration ---------------------------------------------------------------------------
const env = process.env
const num = (name, fallback) => {
  const raw = env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`)
  return n
}
const list = (name, fallback) => (env[name] ? env[name].split(",").map((s) => s.trim()).filter(Boolean) : fallback)

const duration = num("BENCH_DURATION", 10)
const config = {
  duration,
  warmup: num("BENCH_WARMUP", Math.min(3, duration)),
  concurrencies: list("BENCH_CONCURRENCY", ["1", "16", "64"]).map(Number),
  users: Math.floor(num("BENCH_USERS", 100_000)),
  notiflows: Math.floor(num("BENCH_NOTIFLOWS", 50)),
  batch: Math.floor(num("BENCH_BATCH", 1000)),
  parts: list("BENCH_PARTS", ["domain", "postgres", "pglite", "replica"]),
  kinds: list("BENCH_KINDS", ["put", "get", "evaluate", "evaluate-tenant", "evaluate-links", "unsubscribe", "feed"]),
  pgAdminUrl: env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  poolSize: Math.floor(num("BENCH_POOL_SIZE", 10)),
  logLevel: env.BENCH_LOG_LEVEL ?? "info",
  rateLimitAdmin: env.BENCH_RATE_LIMIT_ADMIN ?? "1000000/1s",
  domainTimeMs: num("BENCH_DOMAIN_TIME_MS", 2000),
  targetConcurrency: num("BENCH_TARGET_CONCURRENCY", 16),
  // Issue 11's tenant ratio, also measured as pairs of the global and the tenant batch run back to
  // back (alternating which goes first); the report judges the median of the pairs' ratios.
  interleavePairs: Math.floor(num("BENCH_INTERLEAVE_PAIRS", 4)),
  // Issue 16's ratios to (b), (c) and (d), also measured as back-to-back pairs (lib/pairs.mjs);
  // the report judges their medians. 0: sequential cases only.
  ratioPairs: Math.floor(num("BENCH_RATIO_PAIRS", 4)),
  requestTimeoutSeconds: num("BENCH_REQUEST_TIMEOUT", 30),
  serviceNodeArgs: list("BENCH_SERVICE_NODE_ARGS", []),
  serviceEnv: env.BENCH_SERVICE_ENV ? JSON.parse(env.BENCH_SERVICE_ENV) : {},
  keep: env.BENCH_KEEP === "1",
  // `serve --workers N` (issue 16): PUT and GET on PostgreSQL at each N (1 is the service's own cases).
  workers: list("BENCH_WORKERS", ["1", "2"]).map(Number),
  // The replica (issue 15): staleness samples and the replica's feed poll interval.
  replicaSamples: Math.floor(num("BENCH_REPLICA_SAMPLES", 200)),
  replicaPollMs: num("BENCH_REPLICA_POLL_MS", 250),
  replicaNodeArgs: list("BENCH_REPLICA_NODE_ARGS", [])
}
const full =
  config.duration >= 10 &&
  config.users >= 100_000 &&
  config.notiflows === 50 &&
  config.batch === 1000 &&
  ["1", "16", "64"].every((c) => config.concurrencies.includes(Number(c))) &&
  ["domain", "postgres", "pglite", "replica"].every((p) => config.parts.includes(p)) &&
  config.replicaSamples >= 200 &&
  config.replicaPollMs === 250 &&
  ["put", "get", "evaluate", "evaluate-tenant", "evaluate-links", "unsubscribe", "feed"].every((k) => config.kinds.includes(k)) &&
  [1, 2].every((n) => config.workers.includes(n)) &&
  env.BENCH_SMOKE !== "1"
config.smoke = !full

// The tenant batch has no baseline of its own: its yardstick is the service's global batch.
// So have the links cases (issue 16): the batch with links against the same batch without, one-click against (b).
const KIND_BASELINES = { put: ["a", "b", "c", "r"], get: ["d"], evaluate: ["e"], "evaluate-tenant": [], "evaluate-links": [], unsubscribe: [], feed: ["f"] }
const BASELINE_NAMES = {
  a: "(a) Express + JSON decode",
  b: "(b) raw UPDATE … || … RETURNING",
  c: "(c) naive drizzle transaction",
  d: "(d) raw single-row SELECT",
  e: "(e) raw SELECT … = ANY($1)",
  f: "(f) raw SELECT of the feed page",
  r: "(r) raw read + compare-and-set UPDATE"
}

// ---- process bookkeeping -----------------------------------------------------------------------
const live = new Set()
const cleanups = []
const log = (s = "") => process.stdout.write(`${s}\n`)
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "notiflows-bench-"))

const keys = {
  publicKey: `pk_${randomBytes(24).toString("hex").slice(0, 32)}`,
  secretKey: `sk_${randomBytes(24).toString("hex").slice(0, 32)}`
}

/** process.env without anything that configures the service (a stray DATABASE_URL must not leak into a PGlite run). */
const cleanEnv = () => {
  const out = { ...env }
  for (const k of Object.keys(out)) {
    if (/^(DATABASE_|NOTIFLOWS_|PORT$|HOST$|LOG_LEVEL$|BASELINE|PGLITE_DIR$|PROJECT_ID$|POOL_SIZE$)/.test(k)) delete out[k]
  }
  out.NODE_ENV = "production"
  return out
}

const startService = async (label, dbEnv, workers = 1) => {
  const port = await freePort()
  const proc = startNode(`service (${label})`, [...config.serviceNodeArgs, mainJs, "serve"], {
    cwd: repoDir,
    logFile: path.join(tmp, `service-${label}.log`),
    env: {
      ...cleanEnv(),
      PORT: String(port),
      HOST: "127.0.0.1",
      NOTIFLOWS_PUBLIC_KEY: keys.publicKey,
      NOTIFLOWS_SECRET_KEY: keys.secretKey,
      LOG_LEVEL: config.logLevel,
      DATABASE_POOL_SIZE: String(config.poolSize),
      NOTIFLOWS_RATE_LIMIT_ADMIN: config.rateLimitAdmin,
      NOTIFLOWS_RATE_LIMIT_LINK_TOKEN: config.rateLimitAdmin,
      NOTIFLOWS_RATE_LIMIT_LINK_PROJECT: config.rateLimitAdmin,
      NOTIFLOWS_RATE_LIMIT_LINK_FAILURES: config.rateLimitAdmin,
      ...dbEnv,
      ...config.serviceEnv,
      ...(workers > 1 ? { NOTIFLOWS_WORKERS: String(workers) } : {})
    }
  })
  live.add(proc)
  const url = `http://127.0.0.1:${port}`
  await waitHttp(proc, `${url}/healthz`, 180_000)
  // /healthz answers as soon as one worker listens; the primary announces the service once all do.
  if (workers > 1) await waitLog(proc, "notiflows preferences listening", 180_000)
  return { proc, url, headers: { "x-notiflows-secret-key": keys.secretKey } }
}

const startBaseline = async (letters, dbEnv, label) => {
  const port = await freePort()
  const proc = startNode(`baseline ${letters} (${label})`, [baselineJs], {
    cwd: serverDir,
    logFile: path.join(tmp, `baseline-${letters.replace(/,/g, "")}-${label}.log`),
    env: { ...cleanEnv(), PORT: String(port), BASELINE: letters, POOL_SIZE: String(config.poolSize), ...dbEnv }
  })
  live.add(proc)
  const url = `http://127.0.0.1:${port}`
  await waitHttp(proc, `${url}/healthz`, 120_000)
  return { proc, url, headers: {} }
}

const stopProc = async (p) => {
  await stop(p.proc)
  live.delete(p.proc)
}

// ---- one load case -------------------------------------------------------------------------------
const probeBodies = {
  put: () => ({ method: "PUT", path: "/admin/users/user_1/preferences", body: SEED_PATCH }),
  get: () => ({ method: "GET", path: "/admin/users/user_1/preferences" }),
  evaluate: () => ({
    method: "POST",
    path: "/admin/preferences/evaluate",
    body: { notiflow_id: "01HQXYZ123456789ABCDEFGHIJ", user_ids: ["user_1", "user_2", "user_3"] }
  }),
  "evaluate-tenant": () => ({
    method: "POST",
    path: `/admin/preferences/evaluate?tenant_id=${BENCH_TENANT}`,
    body: { notiflow_id: "01HQXYZ123456789ABCDEFGHIJ", user_ids: ["user_1", "user_2", "user_4"] }
  }),
  "evaluate-links": () => ({
    method: "POST",
    path: "/admin/preferences/evaluate",
    body: { notiflow_id: "01HQXYZ123456789ABCDEFGHIJ", user_ids: ["user_1", "user_2", "user_3"], links: ["unsubscribe", "preference_center"] }
  }),
  // The probe spends the next unused token (RFC 8058's body, no key).
  unsubscribe: (target) => ({
    method: "POST",
    path: `/l/unsubscribe/${fs.readFileSync(target.tokensFile, "utf8").split("\n")[target.tokenCursor++]}`,
    form: "List-Unsubscribe=One-Click"
  }),
  feed: (target) => ({ method: "GET", path: randomFeedPath(target.feed) })
}

/** One request of the case's kind; a non-2xx answer means the load would measure errors. */
const probe = async (target, kind) => {
  if (kind === "unsubscribe") await ensureTokens(target, config, tmp)
  const { method, path: p, body, form } = probeBodies[kind](target)
  const res = await fetch(`${target.url}${p}`, {
    method,
    headers: form
      ? { "content-type": "application/x-www-form-urlencoded" }
      : { ...target.headers, ...(body ? { "content-type": "application/json" } : {}) },
    body: form ?? (body ? JSON.stringify(body) : undefined)
  })
  const text = await res.text()
  return { status: res.status, body: text.slice(0, 400) }
}

/** Waits until a server process stops burning CPU (requests left over from the previous case). */
const waitIdle = async (pid, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  let before = cpuMs(pid)
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250))
    const now = cpuMs(pid)
    if (now - before < 25) return
    before = now
  }
}

const runLoad = (target, kind, connections) =>
  new Promise((resolve, reject) => {
    const child = fork(loadJs, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    let cpu0 = 0
    let machine0
    let sampler
    let settled = false
    child.on("message", (msg) => {
      if (msg.type === "measure-start") {
        cpu0 = cpuMs(target.proc.pid)
        machine0 = machineTicks()
        sampler = sampleTreeRss(target.proc.pid)
      } else if (msg.type === "result") {
        const cpu1 = cpuMs(target.proc.pid)
        const machineBusy = busyShare(machine0, machineTicks())
        const memory = sampler?.stop() ?? { peak: rss(target.proc.pid), last: rss(target.proc.pid) }
        settled = true
        const r = msg.result
        resolve({
          ...r,
          serverCpuMs: cpu1 - cpu0,
          serverCpuUsPerRequest: r.requests > 0 ? ((cpu1 - cpu0) * 1000) / r.requests : 0,
          // The share of all cores busy (every process on the machine, mostly the service,
          // PostgreSQL and the load generator, plus steal): near 1, no process can go faster
          // without another slowing down.
          machineBusy,
          rssPeak: memory.peak,
          rssLast: memory.last
        })
      } else if (msg.type === "error") {
        settled = true
        sampler?.stop()
        reject(new Error(`load generator: ${msg.message}`))
      }
    })
    child.on("exit", (code) => {
      if (!settled) {
        sampler?.stop()
        reject(new Error(`load generator exited with ${code} before answering`))
      }
    })
    child.send({
      url: target.url,
      kind,
      connections,
      duration: config.duration,
      warmup: config.warmup,
      timeout: config.requestTimeoutSeconds,
      users: config.users,
      notiflows: config.notiflows,
      batch: config.batch,
      headers: target.headers,
      tokensFile: target.tokensFile,
      tokenCursor: target.tokenCursor,
      feed: target.feed
    })
  })

const cases = []
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "-")

const runCases = async ({ database, system, label, target, kind }) => {
  const check = await probe(target, kind).catch((e) => ({ status: 0, body: String(e) }))
  for (const connections of config.concurrencies) {
    const base = { database, system, label, kind, connections }
    if (check.status < 200 || check.status > 299) {
      const c = { ...base, failed: `probe answered ${check.status}: ${check.body}` }
      cases.push(c)
      log(`  ${label.padEnd(34)} ${kind.padEnd(8)} c=${String(connections).padEnd(3)} NOT RUN: ${c.failed}`)
      continue
    }
    try {
      await waitIdle(target.proc.pid)
      const r = await runLoad(target, kind, connections)
      if (kind === "unsubscribe") target.tokenCursor += r.sent
      const c = { ...base, ...r }
      cases.push(c)
      const warm = r.warmup.errors + r.warmup.non2xx > 0 ? `; warm-up errors ${r.warmup.errors}, non-2xx ${r.warmup.non2xx} ${JSON.stringify(r.warmup.statusCodes)}` : ""
      const bad =
        r.errors + r.non2xx > 0 || r.requests === 0 || warm !== ""
          ? `  <-- errors ${r.errors} (timeouts ${r.timeouts}), non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)}${warm}`
          : ""
      log(
        `  ${label.padEnd(34)} ${kind.padEnd(8)} c=${String(connections).padEnd(3)} ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.latency.p50, 2).padStart(7)} ms  p99 ${fmt(r.latency.p99, 2).padStart(7)} ms  cpu ${fmt(r.serverCpuUsPerRequest).padStart(6)} µs/req  rss ${fmt(r.rssPeak / 2 ** 20)} MiB${bad}`
      )
    } catch (error) {
      cases.push({ ...base, failed: String(error?.message ?? error) })
      log(`  ${label.padEnd(34)} ${kind.padEnd(8)} c=${connections} FAILED: ${error?.message ?? error}`)
      if (target.proc.done) {
        log(tail(target.proc.logFile))
        return
      }
    }
  }
}

/**
 * The global and the tenant batch, back to back at the target concurrency, `interleavePairs` times
 * (alternating which runs first): the machine's speed drifts between cases run minutes apart (the
 * same case's CPU per request moved by 1.6x between two identical runs), so issue 11's ratio is
 * judged on pairs run side by side. Each run is kept as a case (`service-interleaved`), so its
 * errors count against the run's validity.
 */
const interleavedTenant = async (service) => {
  const side = (kind) => ({ target: service, kind, system: "service-interleaved", label: (i) => `service, pair ${i + 1}` })
  const runs = await backToBack({
    a: side("evaluate"),
    b: side("evaluate-tenant"),
    count: config.interleavePairs,
    concurrency: judgedConcurrency(config),
    runLoad,
    waitIdle,
    cases,
    log
  })
  return runs.map(({ a, b, first, index }) => {
    const pair = { global: a.latency.p50, tenant: b.latency.p50, ratio: b.latency.p50 / a.latency.p50 }
    log(`  interleaved pair ${index + 1} (${first === "a" ? "evaluate" : "evaluate-tenant"} first): global p50 ${fmt(pair.global, 2)} ms, tenant p50 ${fmt(pair.tenant, 2)} ms, ratio ${fmt(pair.ratio, 2)}x`)
    return pair
  })
}

// ---- PostgreSQL ----------------------------------------------------------------------------------
const withDatabase = (url, name) => {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

const runPostgres = async (results) => {
  const name = `notiflows_bench_${Date.now()}_${process.pid}`
  const baselineName = `${name}_baseline`
  const admin = postgres(config.pgAdminUrl, { max: 1, onnotice: () => {} })
  cleanups.push(async () => {
    if (config.keep) return log(`kept databases ${name} and ${baselineName}`)
    await admin.unsafe(`DROP DATABASE IF EXISTS ${baselineName} WITH (FORCE)`)
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end({ timeout: 5 })
  })
  const [{ version }] = await admin`SELECT current_setting('server_version') AS version`
  results.machine.postgres = version
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = withDatabase(config.pgAdminUrl, name)
  const baselineUrl = withDatabase(config.pgAdminUrl, baselineName)

  log(`\nPostgreSQL ${version}: database ${name}`)
  let t = Date.now()
  const first = await startService("postgres-migrate", { DATABASE_URL: url })
  await stopProc(first)
  log(`  service migrated the database and ensured the project (${Date.now() - t} ms)`)

  t = Date.now()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const projectId = await seed((text, params) => sql.unsafe(text, params), config)
  const feed = await seedEvents((text, params) => sql.unsafe(text, params), projectId)
  await sql.unsafe("VACUUM ANALYZE")
  await sql.unsafe("CHECKPOINT").catch(() => {})
  await sql.end({ timeout: 5 })
  await admin.unsafe(`CREATE DATABASE ${baselineName} TEMPLATE ${name}`)
  log(`  seeded ${config.users} users and ${config.notiflows} notiflows, copied for the baselines (${Date.now() - t} ms)`)

  const service = { ...(await startService("postgres", { DATABASE_URL: url })), feed }
  // The baselines the ratio pairs need stay up (idle) after their own cases.
  const paired = pairedLetters(config)
  const kept = {}
  try {
    for (const kind of config.kinds) {
      for (const letter of KIND_BASELINES[kind]) {
        const db = letter === "a" ? { BASELINE_DB: "none" } : { BASELINE_DB: "postgres", DATABASE_URL: baselineUrl, PROJECT_ID: projectId }
        const baseline = kept[letter] ?? { ...(await startBaseline(letter, db, "postgres")), feed }
        if (paired.has(letter)) kept[letter] = baseline
        try {
          await runCases({ database: "postgres", system: `baseline-${letter}`, label: BASELINE_NAMES[letter], target: baseline, kind })
        } finally {
          if (!paired.has(letter)) await stopProc(baseline)
        }
      }
      await runCases({ database: "postgres", system: "service", label: "service", target: service, kind })
    }
    if (config.kinds.includes("evaluate") && config.kinds.includes("evaluate-tenant")) results.tenantInterleaved = await interleavedTenant(service)
    if (paired.size > 0) {
      log("  back-to-back pairs at the target concurrency (issue 16's ratios):")
      results.ratioPairs = await runRatioPairs({
        service,
        baselines: kept,
        config,
        concurrency: judgedConcurrency(config),
        runLoad,
        waitIdle,
        ensureTokens: (target) => ensureTokens(target, config, tmp),
        cases,
        log,
        fmt,
        names: BASELINE_NAMES
      })
    }
  } finally {
    await stopProc(service)
    for (const baseline of Object.values(kept)) await stopProc(baseline)
  }
  // The same service with N workers (issue 16), PUT and GET: the same run, the same database.
  for (const n of config.workers.filter((w) => w > 1)) {
    const cluster = await startService(`postgres-${n}-workers`, { DATABASE_URL: url }, n)
    try {
      for (const kind of config.kinds.filter((k) => k === "put" || k === "get")) {
        await runCases({ database: "postgres", system: `service-w${n}`, label: `service, ${n} workers`, target: cluster, kind })
      }
    } finally {
      await stopProc(cluster)
    }
  }
}

// ---- the replica (issue 15): lib/replica.mjs ------------------------------------------------------
const runReplica = (results) =>
  runReplicaPart(results, { config, keys, log, fmt, cleanups, startService, stopProc, withDatabase, seed })

// ---- PGlite --------------------------------------------------------------------------------------
const runPglite = async (results) => {
  const { PGlite } = await import("@electric-sql/pglite")
  const serviceDir = path.join(tmp, "pglite-service")
  const bareDir = path.join(tmp, "pglite-bare")
  results.machine.pglite = JSON.parse(
    fs.readFileSync(path.join(serverDir, "node_modules/@electric-sql/pglite/package.json"), "utf8")
  ).version
  log(`\nPGlite ${results.machine.pglite}: ${serviceDir}`)
  let t = Date.now()
  const first = await startService("pglite-migrate", { NOTIFLOWS_DATA_DIR: serviceDir })
  // Issue 16: the RSS right after start on a fresh data directory (the existing one: serviceIdle below).
  const freshRss = rss(first.proc.pid)
  await stopProc(first)
  log(`  service created and migrated the data directory (${Date.now() - t} ms); RSS right after start on it: ${fmt(freshRss / 2 ** 20)} MiB`)

  t = Date.now()
  const pg = new PGlite(serviceDir)
  await pg.waitReady
  const projectId = await seed((text, params) => pg.query(text, params).then((r) => r.rows), config)
  const feed = await seedEvents((text, params) => pg.query(text, params).then((r) => r.rows), projectId)
  await pg.exec("VACUUM ANALYZE")
  await pg.exec("CHECKPOINT")
  await pg.close()
  fs.cpSync(serviceDir, bareDir, { recursive: true, filter: (src) => path.basename(src) !== ".notiflows.lock" })
  log(`  seeded ${config.users} users and ${config.notiflows} notiflows, copied for the bare process (${Date.now() - t} ms)`)

  const bare = { ...(await startBaseline("b,d,e,f", { BASELINE_DB: "pglite", PGLITE_DIR: bareDir, PROJECT_ID: projectId }, "pglite")), feed }
  const service = { ...(await startService("pglite", { NOTIFLOWS_DATA_DIR: serviceDir })), feed }
  try {
    await new Promise((r) => setTimeout(r, 1000))
    results.memory.pglite = { serviceFresh: freshRss, serviceIdle: rss(service.proc.pid), bareIdle: rss(bare.proc.pid) }
    log(
      `  idle RSS: service ${fmt(results.memory.pglite.serviceIdle / 2 ** 20)} MiB, bare PGlite process ${fmt(results.memory.pglite.bareIdle / 2 ** 20)} MiB`
    )
    const bareLetter = { put: "b", get: "d", evaluate: "e", feed: "f" }
    for (const kind of config.kinds) {
      const letter = bareLetter[kind]
      if (letter !== undefined)
        await runCases({ database: "pglite", system: `bare-${letter}`, label: `bare PGlite ${BASELINE_NAMES[letter]}`, target: bare, kind })
      await runCases({ database: "pglite", system: "service", label: "service", target: service, kind })
    }
  } finally {
    await stopProc(service)
    await stopProc(bare)
  }
}

// ---- main ----------------------------------------------------------------------------------------
const gitInfo = () => {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoDir, encoding: "utf8" }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages", "apps/server/src"], { cwd: repoDir, encoding: "utf8" }).trim() !== ""
    return { commit, dirty }
  } catch {
    return undefined
  }
}

const cleanup = async () => {
  for (const proc of live) {
    await stop(proc, 5000).catch(() => {})
  }
  live.clear()
  while (cleanups.length > 0) {
    const f = cleanups.pop()
    await f().catch((e) => log(`cleanup: ${e?.message ?? e}`))
  }
  if (!config.keep) fs.rmSync(tmp, { recursive: true, force: true })
  else log(`kept ${tmp}`)
}

let interrupted = false
const onSignal = (signal) => {
  if (interrupted) process.exit(130)
  interrupted = true
  log(`\n${signal}: stopping the benchmark's processes and dropping its databases…`)
  cleanup().finally(() => process.exit(130))
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

const main = async () => {
  if (!fs.existsSync(mainJs)) throw new Error(`${path.relative(repoDir, mainJs)} is missing: run \`pnpm build\` first (\`pnpm bench\` does)`)
  const startedAt = new Date()
  const results = {
    startedAt: startedAt.toISOString(),
    smoke: config.smoke,
    config: { ...config, serviceEnv: Object.keys(config.serviceEnv) },
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      loadAverageAtStart: os.loadavg().map((n) => Number(n.toFixed(2)))
    },
    git: gitInfo(),
    domain: [],
    cases,
    memory: {}
  }
  log(`Notiflows Preferences benchmark${config.smoke ? " (SMOKE RUN: not the benchmark's configuration)" : ""}`)
  log(
    `${results.machine.cores} × ${results.machine.cpu}, Node ${process.version}, load average ${results.machine.loadAverageAtStart.join(" ")}; ` +
      `${config.duration} s per case after ${config.warmup} s warm-up, concurrency ${config.concurrencies.join("/")}, ` +
      `${config.users} users, ${config.notiflows} notiflows, batch ${config.batch}; logs in ${tmp}`
  )

  if (config.parts.includes("domain")) {
    log("\nDomain micro-benchmarks")
    results.domain = await runDomainBenchmarks({ time: config.domainTimeMs, warmupTime: Math.min(500, config.domainTimeMs / 4) })
    for (const d of results.domain) log(`  ${d.name.padEnd(60)} ${fmt(d.opsPerSecond).padStart(10)} ops/s ${fmt(d.nsPerOp).padStart(10)} ns/op ±${fmt(d.rmePercent, 1)}%`)
  }
  if (config.parts.includes("postgres")) await runPostgres(results)
  if (config.parts.includes("pglite")) await runPglite(results)
  if (config.parts.includes("replica")) await runReplica(results)
  results.finishedAt = new Date().toISOString()

  const { markdown, text, valid, summary } = render(results)
  results.valid = valid
  results.summary = summary
  log(`\n${text}`)
  const stamp = startedAt.toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z")
  const base = path.join(here, "results", `${stamp}${config.smoke ? "-smoke" : ""}`)
  fs.mkdirSync(path.dirname(base), { recursive: true })
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`)
  fs.writeFileSync(`${base}.md`, markdown)
  log(`\nwrote ${path.relative(repoDir, base)}.json and .md`)
  return valid
}

main()
  .then(async (valid) => {
    await cleanup()
    process.exit(valid ? 0 : 1)
  })
  .catch(async (error) => {
    log(`\nbenchmark failed: ${error?.stack ?? error}`)
    await cleanup()
    process.exit(2)
  })
