/**
 * The load generator, run in its own process (forked by run.mjs) so it never shares an event
 * loop with a server. It receives one case over IPC, runs a warm-up then the measured run with
 * autocannon, and answers a summary. Latency percentiles are computed here from every response's
 * exact time (autocannon's own histogram has 1 ms resolution, too coarse at concurrency 1).
 */
import autocannon from "autocannon"
import { notiflowId, userId } from "./ids.mjs"

const randomInt = (n) => Math.floor(Math.random() * n)
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
    case "evaluate": {
      const size = Math.min(spec.batch, spec.users)
      return {
        method: "POST",
        path: `${base}/preferences/evaluate`,
        headers: { ...headers, "content-type": "application/json" },
        setupRequest: (req) => {
          const ids = new Set()
          while (ids.size < size) ids.add(user())
          req.body = JSON.stringify({ notiflow_id: notiflow(), user_ids: [...ids] })
          return req
        }
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

const runOnce = (spec, duration) =>
  new Promise((resolve, reject) => {
    let latencies = new Float64Array(65536)
    let count = 0
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration,
        timeout: spec.timeout,
        requests: [makeRequest(spec)]
      },
      (err, result) => {
        if (err) return reject(err)
        const sorted = latencies.subarray(0, count).sort()
        let sum = 0
        for (let i = 0; i < count; i++) sum += sorted[i]
        resolve({
          requests: result.requests.total,
          duration: result.duration,
          rps: result.duration > 0 ? result.requests.total / result.duration : 0,
          latency: {
            mean: count > 0 ? sum / count : 0,
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: count > 0 ? sorted[count - 1] : 0
          },
          errors: result.errors,
          timeouts: result.timeouts,
          resets: result.resets ?? 0,
          non2xx: result.non2xx,
          statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [s, v.count])),
          bytesPerSecond: result.throughput.average
        })
      }
    )
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      if (count === latencies.length) {
        const next = new Float64Array(latencies.length * 2)
        next.set(latencies)
        latencies = next
      }
      latencies[count++] = responseTime
    })
  })

process.once("message", async (spec) => {
  try {
    if (spec.warmup > 0) await runOnce(spec, spec.warmup)
    process.send({ type: "measure-start" })
    const result = await runOnce(spec, spec.duration)
    process.send({ type: "result", result }, () => process.disconnect())
  } catch (error) {
    process.send({ type: "error", message: String(error?.stack ?? error) }, () => process.disconnect())
  }
})
