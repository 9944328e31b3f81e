/**
 * Graceful shutdown of the standalone service (its layer graph released on SIGTERM/SIGINT): it
 * stops accepting at once, lets a request in flight finish and answer, cuts a request that does
 * not finish after 10 s, closes the database, and exits 0; what was acknowledged is kept.
 */
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { client, randomKey, startService } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "notiflows-shutdown-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A socket that sends `head` now and resolves with everything the server answers until it closes. */
const openRequest = (port: number, head: string) => {
  const socket = net.connect(port, "127.0.0.1")
  let answer = ""
  socket.on("data", (d: Buffer) => (answer += d.toString("utf8")))
  socket.on("error", () => {})
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(answer)))
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()))
  socket.write(head)
  return { socket, closed, connected }
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1")
    s.once("connect", () => {
      s.destroy()
      resolve(false)
    })
    s.once("error", () => resolve(true))
  })

describe("graceful shutdown", () => {
  it("SIGTERM: stops accepting, drains the request in flight, cuts a stuck one after 10 s, exits 0, keeps the write", async () => {
    const sk = randomKey("sk")
    const env = { NOTIFLOWS_DATA_DIR: join(dir, "data"), NOTIFLOWS_PUBLIC_KEY: randomKey("pk"), NOTIFLOWS_SECRET_KEY: sk }
    const service = await startService(env)
    const port = Number(new URL(service.url).port)
    const api = client(service.url, { "x-notiflows-secret-key": sk })
    expect((await api.put("/admin/users/drain-user", {})).status).toBe(201)

    const body = JSON.stringify({ channel_types: { sms: false } })
    const head = (length: number) =>
      `PUT /admin/users/drain-user/preferences HTTP/1.1\r\nHost: x\r\nx-notiflows-secret-key: ${sk}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`
    const inFlight = openRequest(port, head(body.length) + body.slice(0, 5))
    const stuck = openRequest(port, head(body.length) + body.slice(0, 5))
    await Promise.all([inFlight.connected, stuck.connected])
    await new Promise((r) => setTimeout(r, 300)) // the server has read both heads

    const started = performance.now()
    const exited = service.stop("SIGTERM")
    // Stops accepting: new connections are refused once the signal is handled.
    let stoppedAccepting = false
    for (let i = 0; i < 50 && !stoppedAccepting; i++) {
      stoppedAccepting = await refused(port)
      if (!stoppedAccepting) await new Promise((r) => setTimeout(r, 100))
    }
    expect(stoppedAccepting).toBe(true)
    inFlight.socket.end(body.slice(5))
    const answer = await inFlight.closed
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    expect(answer).toMatch(/"sms":false/)

    expect(await exited).toBe(0)
    const seconds = (performance.now() - started) / 1000
    expect(seconds).toBeGreaterThan(9) // the stuck request was given its 10 s
    expect(seconds).toBeLessThan(20)
    expect(await stuck.closed).not.toMatch(/^HTTP\/1\.1 200/)
    expect(service.stdout()).toContain('"msg":"shutting down"')

    const again = await startService(env)
    try {
      const read = await client(again.url, { "x-notiflows-secret-key": sk }).get("/admin/users/drain-user/preferences?explicit=true")
      expect(read.body.channel_types).toEqual({ sms: false })
    } finally {
      expect(await again.stop("SIGINT")).toBe(0)
    }
  }, 90_000)
})
