/**
 * One webhook attempt (EVENTS.md §4.3, §4.4): the resolved addresses are judged (one private
 * address among public ones blocks, nothing sent), the socket goes to the address checked with
 * `Host` from the URL, private IP literals are blocked without a lookup, and failures are
 * classified (dns_error, connection_error, timeout); redirects are not followed; 64 KiB cap.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, describe, expect, it } from "vitest"
import { sendWebhook } from "../src/index.js"

const hits: Array<{ host: string | undefined; url: string | undefined }> = []
const server = http.createServer((req, res) => {
  hits.push({ host: req.headers.host, url: req.url })
  req.resume()
  if (req.url === "/redirect") {
    res.writeHead(302, { location: "/elsewhere" })
    return res.end()
  }
  if (req.url === "/big") {
    res.writeHead(200)
    return res.end("x".repeat(200 * 1024))
  }
  if (req.url === "/slow") return setTimeout(() => res.end("late"), 3_000)
  res.writeHead(201)
  res.end("created")
})
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
const port = (server.address() as AddressInfo).port
afterAll(() => {
  server.closeAllConnections()
  return new Promise<void>((r) => server.close(() => r()))
})

const base = { headers: { "content-type": "application/json" }, body: "{}", timeoutMs: 2_000 }

describe("sendWebhook", () => {
  it("blocks when any resolved address is not global; nothing is sent", async () => {
    const before = hits.length
    const out = await sendWebhook({ ...base, url: `http://hook.test:${port}/x`, allowPrivate: false, resolve: async () => [{ address: "93.184.216.34", family: 4 }, { address: "127.0.0.1", family: 4 }] })
    expect(out).toMatchObject({ responseStatus: null, error: "blocked_address" })
    const literal = await sendWebhook({ ...base, url: `http://127.0.0.1:${port}/x`, allowPrivate: false })
    expect(literal.error).toBe("blocked_address")
    const v6 = await sendWebhook({ ...base, url: `http://[::ffff:7f00:1]:${port}/x`, allowPrivate: false })
    expect(v6.error).toBe("blocked_address")
    expect(hits.length).toBe(before)
  })

  it("connects to the checked address with Host from the URL (DNS rebinding cannot redirect it)", async () => {
    let lookups = 0
    const out = await sendWebhook({ ...base, url: `http://rebind.test:${port}/ok`, allowPrivate: true, resolve: async () => (lookups++, [{ address: "127.0.0.1", family: 4 }]) })
    expect(out).toMatchObject({ responseStatus: 201, error: null, responseBody: "created", retryAfter: null })
    expect(lookups).toBe(1)
    expect(hits[hits.length - 1]).toEqual({ host: `rebind.test:${port}`, url: "/ok" })
  })

  it("classifies failures; never follows redirects; reads at most 64 KiB and keeps 1 KiB", async () => {
    expect((await sendWebhook({ ...base, url: "http://nowhere.invalid/x", allowPrivate: true, resolve: async () => Promise.reject(Object.assign(new Error("nx"), { code: "ENOTFOUND" })) })).error).toBe("dns_error")
    const closed = http.createServer()
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    expect((await sendWebhook({ ...base, url: `http://127.0.0.1:${closedPort}/x`, allowPrivate: true })).error).toBe("connection_error")
    const slow = await sendWebhook({ ...base, url: `http://127.0.0.1:${port}/slow`, allowPrivate: true, timeoutMs: 300 })
    expect(slow).toMatchObject({ error: "timeout", responseStatus: null })
    const redirect = await sendWebhook({ ...base, url: `http://127.0.0.1:${port}/redirect`, allowPrivate: true })
    expect(redirect.responseStatus).toBe(302)
    expect(hits.some((h) => h.url === "/elsewhere")).toBe(false)
    const big = await sendWebhook({ ...base, url: `http://127.0.0.1:${port}/big`, allowPrivate: true })
    expect(big.responseStatus).toBe(200)
    expect(big.responseBody).toHaveLength(1024)
  })
})
