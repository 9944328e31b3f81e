/**
 * A local webhook receiver for the delivery tests: records every request (headers, raw body,
 * times) and answers what `respond` decides; verifies each request with the public
 * `standardwebhooks` package, once per live secret.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { Webhook } from "standardwebhooks"

export interface Received {
  readonly id: string
  readonly timestamp: string
  readonly signature: string
  readonly body: string
  readonly headers: http.IncomingHttpHeaders
  readonly path: string
  /** When the request arrived and when its response was sent. */
  readonly at: number
  end: number
  readonly status: number
}

export interface Receiver {
  readonly url: string
  readonly received: Array<Received>
  close: () => Promise<void>
}

/** Starts a receiver; `respond` answers a status (and optional headers) per request. */
export const startReceiver = async (
  respond: (body: string, n: number) => { status: number; headers?: Record<string, string>; delayMs?: number } = () => ({ status: 204 })
): Promise<Receiver> => {
  const received: Array<Received> = []
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const answer = respond(body, received.length)
      const at = Date.now()
      const entry: Received = {
        id: String(req.headers["webhook-id"]),
        timestamp: String(req.headers["webhook-timestamp"]),
        signature: String(req.headers["webhook-signature"]),
        body,
        headers: req.headers,
        path: req.url ?? "",
        at,
        end: at,
        status: answer.status
      }
      received.push(entry)
      const reply = () => {
        entry.end = Date.now()
        res.writeHead(answer.status, answer.headers ?? {})
        res.end("ok")
      }
      if (answer.delayMs !== undefined) setTimeout(reply, answer.delayMs)
      else reply()
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      })
  }
}

/** Verifies a received request with `standardwebhooks` against one secret (throws when it does not verify). */
export const verifyWith = (secret: string, r: Received): unknown =>
  new Webhook(secret).verify(r.body, { "webhook-id": r.id, "webhook-timestamp": r.timestamp, "webhook-signature": r.signature })

/** Waits until `done()` holds, polling every 50 ms, up to `ms`. */
export const eventually = async (done: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> => {
  const until = Date.now() + ms
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
