/**
 * The replica benchmark's own process (forked by `lib/replica.mjs` with `--expose-gc`, so no other
 * work shares its heap or event loop): against the running service it measures
 *
 *   1. the snapshot: `createPreferenceReplica` until `ready` (every set, the catalog, the defaults);
 *   2. memory: heapUsed after a full GC, before the replica and once it is ready, per user;
 *   3. `replica.evaluate` calls per second in-process: one channel (the target), one channel
 *      in a tenant, all six channels; each call a random user of the seed and a random notiflow;
 *   4. staleness: the time from a PUT's 200 to the replica answering the decision it implies, for a
 *      set (`preferences.updated`) and for the catalog (`notiflow.updated`, its own notiflow).
 *
 * It receives one message with the settings and answers `{type: "result", result}` or
 * `{type: "error", message}`.
 */
import { performance } from "node:perf_hooks"
import { createAdminClient } from "@notiflows/client"
import { createPreferenceReplica } from "@notiflows/client/replica"
import { BENCH_TENANT, notiflowId, SEED_NOTIFLOW, userId } from "./ids.mjs"

const gc = () => {
  // --expose-gc: two passes so weak references and finalisers settle.
  globalThis.gc?.()
  globalThis.gc?.()
}
const heapUsed = () => {
  gc()
  return process.memoryUsage().heapUsed
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const randomInt = (n) => Math.floor(Math.random() * n)

/** Calls per second of `evaluate` over pre-built random inputs (no allocation in the loop itself). */
const throughput = (replica, { users, notiflows, channels, tenantId, seconds }) => {
  const SIZE = 1 << 16
  const ids = Array.from({ length: SIZE }, () => userId(1 + randomInt(users)))
  const nfs = Array.from({ length: SIZE }, () => notiflowId(1 + randomInt(notiflows)))
  const options = tenantId === undefined ? undefined : { tenantId }
  const first = channels[0]
  let k = 0
  const run = (ms) => {
    let calls = 0
    let delivered = 0
    const cpu0 = process.cpuUsage()
    const start = performance.now()
    const end = start + ms
    let now = start
    while (now < end) {
      for (let i = 0; i < 10_000; i++, k++) {
        const r = replica.evaluate(ids[k & (SIZE - 1)], nfs[k & (SIZE - 1)], channels, options)
        // Read the answer so the call cannot be optimised away.
        if (r.channel_types[first].deliver) delivered++
      }
      calls += 10_000
      now = performance.now()
    }
    const cpu = process.cpuUsage(cpu0)
    return { calls, delivered, ms: now - start, cpuMs: (cpu.user + cpu.system) / 1000 }
  }
  run(Math.min(1000, seconds * 500)) // warm-up: JIT and the replica's prepared caches
  const { calls, delivered, ms, cpuMs } = run(seconds * 1000)
  const callsPerSecond = (calls * 1000) / ms
  return {
    channels: channels.length,
    tenant: tenantId ?? null,
    calls,
    ms,
    callsPerSecond,
    decisionsPerSecond: callsPerSecond * channels.length,
    nsPerCall: (ms * 1e6) / calls,
    // The process's CPU time (GC threads included): on a loaded machine, calls per CPU-second say
    // what the code costs when the wall-clock rate says how much of a core it was given.
    callsPerCpuSecond: (calls * 1000) / cpuMs,
    deliveredShare: delivered / calls
  }
}

/**
 * One sample: flip a random user's global `sms` choice, then poll the copy every millisecond
 * (the replica's own feed poll runs meanwhile) until it answers the new decision.
 */
const staleness = async (admin, replica, { users, samples, timeoutMs, pollMs }) => {
  const out = []
  let timeouts = 0
  for (let i = 0; i < samples; i++) {
    // A random pause decorrelates the PUT from the replica's poll phase.
    await sleep(randomInt(pollMs + 50))
    const user = userId(1 + randomInt(users))
    const before = replica.evaluate(user, SEED_NOTIFLOW, ["sms"]).channel_types.sms.deliver
    // The seed notiflow has no category or notiflow default on sms: the decision is the channel's.
    await admin.preferences.update(user, { channel_types: { sms: !before } })
    const t0 = performance.now()
    for (;;) {
      if (replica.evaluate(user, SEED_NOTIFLOW, ["sms"]).channel_types.sms.deliver === !before) {
        out.push(performance.now() - t0)
        break
      }
      if (performance.now() - t0 > timeoutMs) {
        timeouts++
        out.push(performance.now() - t0)
        break
      }
      await sleep(1)
    }
  }
  return summary(out, timeouts, pollMs)
}

const summary = (out, timeouts, pollMs) => {
  const sorted = [...out].sort((a, b) => a - b)
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
  return { samples: out.length, timeouts, pollMs, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: sorted.at(-1), mean: out.reduce((s, v) => s + v, 0) / out.length }
}

/** Polls the copy every millisecond until `done()`; the elapsed ms and whether it timed out. */
const until = async (done, timeoutMs) => {
  const t0 = performance.now()
  for (;;) {
    if (done()) return { ms: performance.now() - t0, timedOut: false }
    if (performance.now() - t0 > timeoutMs) return { ms: performance.now() - t0, timedOut: true }
    await sleep(1)
  }
}

/**
 * Catalog staleness: a notiflow of its own (created here, deleted after, no category) has its
 * `default_enabled` flipped; a user without choices is then decided by it alone on `email` (the
 * notiflow's own channel default), so the copy's answer tells when `notiflow.updated` arrived.
 */
const CATALOG_NOTIFLOW = "bench_replica_catalog"
const catalogStaleness = async (admin, replica, { samples, timeoutMs, pollMs }) => {
  const nobody = "bench_replica_nobody"
  const deliver = () => replica.evaluate(nobody, CATALOG_NOTIFLOW, ["email"])?.channel_types.email.deliver
  await admin.notiflows.upsert(CATALOG_NOTIFLOW, { name: "Replica catalog staleness", default_enabled: true, default_channel_types: { email: true } })
  const out = []
  let timeouts = 0
  try {
    await until(() => deliver() === true, timeoutMs)
    for (let i = 0; i < samples; i++) {
      await sleep(randomInt(pollMs + 50))
      const next = deliver() !== true
      await admin.notiflows.upsert(CATALOG_NOTIFLOW, { default_enabled: next })
      const r = await until(() => deliver() === next, timeoutMs)
      out.push(r.ms)
      if (r.timedOut) timeouts++
    }
  } finally {
    await admin.notiflows.delete(CATALOG_NOTIFLOW)
  }
  return summary(out, timeouts, pollMs)
}

const measure = async (spec) => {
  const admin = createAdminClient({ baseUrl: spec.url, secretKey: spec.secretKey })
  const errors = []
  const heap0 = heapUsed()
  const rss0 = process.memoryUsage().rss
  const t0 = performance.now()
  const replica = createPreferenceReplica({ client: admin, pollMs: spec.pollMs, onError: (e) => errors.push(String(e?.message ?? e)) })
  await replica.ready
  const snapshotMs = performance.now() - t0
  const heap1 = heapUsed()
  const memory = { heapBefore: heap0, heapAfter: heap1, bytesPerUser: (heap1 - heap0) / spec.users, rssDelta: process.memoryUsage().rss - rss0 }
  try {
    const base = { users: spec.users, notiflows: spec.notiflows, seconds: spec.seconds }
    const evaluate = [
      throughput(replica, { ...base, channels: ["email"] }),
      throughput(replica, { ...base, channels: ["email"], tenantId: BENCH_TENANT }),
      throughput(replica, { ...base, channels: ["chat", "email", "in_app", "mobile_push", "sms", "web_push"] })
    ]
    const stale = await staleness(admin, replica, { users: spec.users, samples: spec.samples, timeoutMs: 10_000, pollMs: spec.pollMs })
    const catalog = await catalogStaleness(admin, replica, { samples: spec.samples, timeoutMs: 10_000, pollMs: spec.pollMs })
    return { snapshotMs, memory, evaluate, staleness: stale, catalogStaleness: catalog, errors: errors.slice(0, 20), errorCount: errors.length }
  } finally {
    replica.close()
  }
}

process.once("message", (spec) => {
  measure(spec).then(
    (result) => process.send({ type: "result", result }, () => process.exit(0)),
    (error) => process.send({ type: "error", message: String(error?.stack ?? error) }, () => process.exit(1))
  )
})
