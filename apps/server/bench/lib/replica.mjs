/**
 * The replica part of `pnpm bench` (issue 15), driver side: a throwaway PostgreSQL database
 * migrated by the service and seeded like the others, the service on it, and `replicaChild.mjs`
 * (its own process, `--expose-gc`) measuring against it; the results land in `results.replica`
 * (`{failed}` when the child did not finish).
 */
import { fork } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import postgres from "postgres"

const childJs = path.join(path.dirname(fileURLToPath(import.meta.url)), "replicaChild.mjs")

/**
 * `spec`: `{url, secretKey, users, notiflows, seconds, samples, pollMs}`; `timeoutMs` bounds the
 * whole measurement (snapshot, three throughput runs, the staleness samples); `nodeArgs`, e.g.
 * `--cpu-prof`, go to the replica's process.
 */
export const measureReplica = (spec, timeoutMs, nodeArgs = []) =>
  new Promise((resolve) => {
    const child = fork(childJs, [], { execArgv: ["--expose-gc", ...nodeArgs], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    let settled = false
    const settle = (value) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(value)
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      settle({ failed: `no answer within ${Math.round(timeoutMs / 1000)} s` })
    }, timeoutMs)
    child.on("message", (msg) => settle(msg.type === "result" ? msg.result : { failed: msg.message }))
    child.on("exit", (code) => settle({ failed: `the replica's process exited with ${code} before answering` }))
    child.send(spec)
  })

/** Targets of issue 15: judged on the one-channel global case, the snapshot and the staleness p99. */
export const REPLICA_TARGETS = {
  evaluatePerSecond: 1_000_000,
  snapshotMs: 15_000,
  stalenessP99Ms: 1_500
}

/**
 * Runs the part. `ctx` is the driver's: `{config, keys, log, fmt, cleanups, startService,
 * stopProc, withDatabase, seed}` (run.mjs).
 */
export const runReplicaPart = async (results, ctx) => {
  const { config, log, fmt } = ctx
  const name = `notiflows_bench_${Date.now()}_${process.pid}_replica`
  const admin = postgres(config.pgAdminUrl, { max: 1, onnotice: () => {} })
  ctx.cleanups.push(async () => {
    if (config.keep) return log(`kept database ${name}`)
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end({ timeout: 5 })
  })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = ctx.withDatabase(config.pgAdminUrl, name)
  log(`\nReplica (@notiflows/client/replica) against the service on PostgreSQL: database ${name}`)
  await ctx.stopProc(await ctx.startService("replica-migrate", { DATABASE_URL: url }))
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  await ctx.seed((text, params) => sql.unsafe(text, params), config)
  await sql.unsafe("VACUUM ANALYZE")
  await sql.end({ timeout: 5 })
  const service = await ctx.startService("replica", { DATABASE_URL: url })
  try {
    const spec = {
      url: service.url,
      secretKey: ctx.keys.secretKey,
      users: config.users,
      notiflows: config.notiflows,
      seconds: config.duration,
      samples: config.replicaSamples,
      pollMs: config.replicaPollMs
    }
    // Bound: the snapshot, 3 throughput runs and the samples, set and catalog (each at most 10 s + a pause), doubled.
    const bound = 2 * (120_000 + 3 * (config.duration + 1) * 1000 + 2 * config.replicaSamples * (10_000 + config.replicaPollMs + 50))
    results.replica = await measureReplica(spec, bound, config.replicaNodeArgs)
  } finally {
    await ctx.stopProc(service)
  }
  const r = results.replica
  if (r.failed !== undefined) return log(`  FAILED: ${r.failed}`)
  log(`  snapshot of ${config.users} users: ${fmt(r.snapshotMs)} ms; heap ${fmt(r.memory.bytesPerUser)} bytes/user`)
  for (const e of r.evaluate)
    log(
      `  evaluate, ${e.channels} channel(s)${e.tenant ? ` in ${e.tenant}` : ""}: ${fmt(e.callsPerSecond)} calls/s (${fmt(e.nsPerCall)} ns/call, ` +
        `${fmt(e.decisionsPerSecond)} decisions/s; ${fmt(e.callsPerCpuSecond)} calls per CPU-second)`
    )
  const st = r.staleness
  log(`  staleness after a PUT's 200 (${st.samples} samples, poll ${st.pollMs} ms): p50 ${fmt(st.p50)} ms, p99 ${fmt(st.p99)} ms, max ${fmt(st.max)} ms, timeouts ${st.timeouts}`)
  const ct = r.catalogStaleness
  if (ct !== undefined) log(`  catalog staleness after a notiflow PUT's 200 (${ct.samples} samples): p50 ${fmt(ct.p50)} ms, p99 ${fmt(ct.p99)} ms, max ${fmt(ct.max)} ms, timeouts ${ct.timeouts}`)
}
