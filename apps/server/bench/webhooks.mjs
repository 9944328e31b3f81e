#!/usr/bin/env node
/**
 * `pnpm --filter @notiflows/server bench:webhooks` (after `pnpm build`): webhook delivery on
 * PostgreSQL (EVENTS.md §4.3), the service as a real process, a healthy local receiver
 * (`NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE=true`, http on 127.0.0.1):
 *
 *   1. throughput: BENCH_WEBHOOK_USERS users are written (2 events each), then a range replay on
 *      BENCH_WEBHOOK_ENDPOINTS endpoints enqueues every event at once; deliveries/s = receipts /
 *      time from the replay's 202 to the last receipt (target ≥ 500/s);
 *   2. first-attempt latency: BENCH_WEBHOOK_SECONDS of user creations at BENCH_WEBHOOK_RATE/s (each
 *      `user.created` is its key's first event: nothing pending); latency = receipt − the write's 200 (commit ≤ 200); p50/p99
 *      (target p99 < 1 s).
 *
 *   DATABASE_URL   the server to create a throwaway database on (default postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SERVICE_NODE_ARGS  comma-separated node flags for the service (e.g. `--cpu-prof,--cpu-prof-dir=/tmp/prof`)
 *
 * Run on a quiet machine; the load average is printed with the figures.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import postgres from "postgres"

const here = path.dirname(fileURLToPath(import.meta.url))
const mainJs = path.join(here, "../dist/main.js")
const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback)
const USERS = num("BENCH_WEBHOOK_USERS", 5000)
const ENDPOINTS = num("BENCH_WEBHOOK_ENDPOINTS", 4)
const SECONDS = num("BENCH_WEBHOOK_SECONDS", 30)
const RATE = num("BENCH_WEBHOOK_RATE", 20)
const NODE_ARGS = (process.env.BENCH_SERVICE_NODE_ARGS ?? "").split(",").filter((a) => a !== "")
const log = (...a) => console.log(...a)
const key = (p) => `${p}_${randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 30)}`
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

const startService = (env) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, mainJs, "serve"], { env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (d) => {
      if (out.length > 100_000) return
      out += d
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (m) resolve({ url: m[1], child })
    })
    child.once("exit", (code) => reject(new Error(`service exited with ${code}`)))
  })

const main = async () => {
  const name = `notiflows_bench_webhooks_${randomBytes(4).toString("hex")}`
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  const secretKey = key("sk")
  const received = new Map() // event id → first receipt time
  let receipts = 0
  let last = 0
  const receiver = http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      const now = performance.now() + performance.timeOrigin
      receipts++
      last = now
      const id = req.headers["webhook-id"]
      if (!received.has(id)) received.set(id, now)
      res.writeHead(204).end()
    })
  })
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r))
  const hook = `http://127.0.0.1:${receiver.address().port}/hooks`
  const service = await startService({
    DATABASE_URL: url.toString(),
    NOTIFLOWS_PUBLIC_KEY: key("pk"),
    NOTIFLOWS_SECRET_KEY: secretKey,
    NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE: "true",
    NOTIFLOWS_RATE_LIMIT_ADMIN: "1000000/1s",
    LOG_LEVEL: "info"
  })
  // Interrupted (Ctrl-C, a timeout): stop the service too, never leave it running.
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => (service.child.kill("SIGTERM"), process.exit(130)))
  const api = async (method, p, body) => {
    const res = await fetch(`${service.url}${p}`, {
      method,
      headers: { "x-notiflows-secret-key": secretKey, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
  try {
    log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}, ${os.cpus().length} CPUs`)
    // 1. throughput
    const start = (await api("GET", "/admin/events?after=now")).page.after
    let next = 0
    const writer = async () => {
      while (next < USERS) {
        const i = next++
        await api("PUT", `/admin/users/u${i}`, { preferences: { channel_types: { sms: false } } })
      }
    }
    let t = Date.now()
    await Promise.all(Array.from({ length: 16 }, writer))
    log(`wrote ${USERS} users (${USERS * 2} events) in ${Date.now() - t} ms`)
    const endpoints = []
    for (let i = 0; i < ENDPOINTS; i++) endpoints.push((await api("POST", "/admin/webhooks", { url: `${hook}/${i}` })).id)
    const expected = USERS * 2 * ENDPOINTS
    receipts = 0
    const t0 = performance.now() + performance.timeOrigin
    for (const id of endpoints) await api("POST", `/admin/webhooks/${id}/replay`, { after: start })
    while (receipts < expected) await new Promise((r) => setTimeout(r, 50))
    const seconds = (last - t0) / 1000
    log(`throughput: ${expected} deliveries in ${seconds.toFixed(2)} s = ${Math.round(expected / seconds)} deliveries/s (target ≥ 500/s)`)
    // 2. first-attempt latency, one endpoint, fresh users
    for (const id of endpoints.slice(1)) await api("DELETE", `/admin/webhooks/${id}`)
    received.clear()
    const acked = new Map()
    const until = Date.now() + SECONDS * 1000
    let n = 0
    const inflight = []
    while (Date.now() < until) {
      const i = n++
      inflight.push(
        (async () => {
          await api("PUT", `/admin/users/fresh-${i}`, {})
          acked.set(`fresh-${i}`, performance.now() + performance.timeOrigin)
        })()
      )
      await new Promise((r) => setTimeout(r, 1000 / RATE))
    }
    await Promise.all(inflight)
    await new Promise((r) => setTimeout(r, 3000))
    const feed = []
    let after = ""
    for (;;) {
      const page = await api("GET", `/admin/events?limit=1000&types=user.created${after}`)
      feed.push(...page.items)
      after = `&after=${page.page.after}`
      if (!page.page.has_more_after) break
    }
    const who = (e) => e.data.user.external_id
    const latencies = feed.filter((e) => acked.has(who(e)) && received.has(e.id)).map((e) => received.get(e.id) - acked.get(who(e)))
    const missing = feed.filter((e) => acked.has(who(e)) && !received.has(e.id)).length
    log(
      `first attempt after the write's 200 (${latencies.length} events at ${RATE}/s, ${missing} not received): p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p99 ${quantile(latencies, 0.99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms (target p99 < 1000 ms)`
    )
  } finally {
    service.child.kill("SIGTERM")
    await new Promise((r) => service.child.once("exit", r))
    receiver.close()
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end({ timeout: 5 })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
