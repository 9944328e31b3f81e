/**
 * The load generator, run in its own process (forked by run.mjs) so it never shares an event
 * loop with a server. It receives one case over IPC, runs it with autocannon (warm-up, then the
 * measured window, in one continuous run) and answers a summary. Counts, status codes and latency
 * percentiles are computed here from every response (autocannon's own histogram has 1 ms
 * resolution, too coarse at concurrency 1).
 */
import autocannon from "autocannon"
import { BENCH_TENANT, notiflowId, userId } from "./ids.mjs"
import { randomFeedPath } from "./feed.mjs"
import { oneClickRequest } from "./links.mjs"

const randomInt = (n) => Math.floor(Math.random() * n)
/** Requests sent (one-click: how many tokens this case used, so the next case starts after them). */
let sent = 0
const bool = () => Math.random() < 0.5

/** Request templates per kind; each request picks a random user (and notiflow). */
const makeRequest = (spec) => {
  const user = () => userId(1 + randomInt(spec.users))
  const notiflow = () => notiflowId(1 + randomInt(spec.notiflows))
  const base = spec.basePath ?? "/admin"
  const headers = { ...spec.headers }
  switch (spec.kind) {
    case "put":
      // The seed's body shape, with random values so most writes change something.
      return {
        method: "PUT",
        path: "/",
        headers: { ...headers, "content-type": "application/json" },
        setupRequest: (req) => {
          req.path = `${base}/users/${user()}/preferences`
          req.body = JSON.stringify({
            channel_types: { sms: bool() },
            notiflows: { [notiflow()]: { channel_types: { email: bool() }, enabled: bool() } }
          })
          return req
        }
      }
    case "get":
      return {
        method: "GET",
        path: "/",
        headers,
        setupRequest: (req) => {
          req.path = `${base}/users/${user()}/preferences`
          return req
        }
      }
    case "evaluate":
    case "evaluate-links":
    case "evaluate-tenant": {
      const size = Math.min(spec.batch, spec.users)
      const query = spec.kind === "evaluate-tenant" ? `?tenant_id=${BENCH_TENANT}` : ""
      // LINKS.md §2.2: the sender's call with both purposes (tokens, URLs and RFC 8058 headers per user).
      const links = spec.kind === "evaluate-links" ? { links: ["unsubscribe", "preference_center"] } : {}
      return {
        method: "POST",
        path: `${base}/preferences/evaluate${query}`,
        headers: { ...headers, "content-type": "application/json" },
        setupRequest: (req) => {
          const ids = new Set()
          while (ids.size < size) ids.add(user())
          req.body = JSON.stringify({ notiflow_id: notiflow(), user_ids: [...ids], ...links })
          return req
        }
      }
    }
    case "unsubscribe":
      return oneClickRequest(spec, () => sent++)
    case "feed":
      // EVENTS.md §3: a page of 1,000 from a random seeded position (lib/feed.mjs).
      return {
        method: "GET",
        path: "/",
        headers,
        setupRequest: (req) => {
          req.path = randomFeedPath(spec.feed, base)
          return req
        }
      }
    default:
      throw new Error(`unknown load kind ${spec.kind}`)
  }
}

const percentile = (sorted, p) => {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

/**
 * One continuous autocannon run of warm-up + duration seconds; only the responses that complete
 * after the warm-up count. (Two separate runs would leave the warm-up's abandoned in-flight
 * requests queued in the server at the start of the measurement.)
 */
const run = (spec) =>
  new Promise((resolve, reject) => {
    let latencies = new Float64Array(65536)
    let count = 0
    const measured = { statusCodes: {}, non2xx: 0, errors: 0, timeouts: 0, bytes: 0 }
    const warmup = { responses: 0, non2xx: 0, errors: 0, statusCodes: {} }
    let measuring = spec.warmup <= 0
    let measureStart = performance.now()
    const startMeasuring = () => {
      measuring = true
      measureStart = performance.now()
      process.send({ type: "measure-start" })
    }
    if (measuring) process.send({ type: "measure-start" })
    else setTimeout(startMeasuring, spec.warmup * 1000)

    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.warmup + spec.duration,
        timeout: spec.timeout,
        requests: [makeRequest(spec)]
      },
      (err) => {
        if (err) return reject(err)
        const elapsed = (performance.now() - measureStart) / 1000
        const sorted = latencies.subarray(0, count).sort()
        let sum = 0
        for (let i = 0; i < count; i++) sum += sorted[i]
        resolve({
          requests: count,
          duration: elapsed,
          rps: elapsed > 0 ? count / elapsed : 0,
          latency: {
            mean: count > 0 ? sum / count : 0,
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: count > 0 ? sorted[count - 1] : 0
          },
          errors: measured.errors,
          timeouts: measured.timeouts,
          non2xx: measured.non2xx,
          statusCodes: measured.statusCodes,
          bytesPerSecond: elapsed > 0 ? measured.bytes / elapsed : 0,
          sent,
          warmup
        })
      }
    )
    instance.on("response", (_client, status, bytes, responseTime) => {
      const bad = status < 200 || status > 299
      if (!measuring) {
        warmup.responses++
        warmup.statusCodes[status] = (warmup.statusCodes[status] ?? 0) + 1
        if (bad) warmup.non2xx++
        return
      }
      measured.statusCodes[status] = (measured.statusCodes[status] ?? 0) + 1
      if (bad) measured.non2xx++
      measured.bytes += bytes
      if (count === latencies.length) {
        const next = new Float64Array(latencies.length * 2)
        next.set(latencies)
        latencies = next
      }
      latencies[count++] = responseTime
    })
    instance.on("reqError", (error) => {
      if (!measuring) {
        warmup.errors++
        return
      }
      measured.errors++
      if (String(error?.message).includes("timed out")) measured.timeouts++
    })
  })

process.once("message", async (spec) => {
  try {
    const result = await run(spec)
    process.send({ type: "result", result }, () => process.disconnect())
  } catch (error) {
    process.send({ type: "error", message: String(error?.stack ?? error) }, () => process.disconnect())
  }
})
