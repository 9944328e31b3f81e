/**
 * Writing a reply: the router's only way to answer, with `res.end` (never `res.send`), so a
 * host's `etag`/`fresh` settings never alter a response. `Cache-Control: no-store` unless the
 * reply says otherwise; HEAD gets the headers without the body.
 */
import type { Request, Response } from "express"
import type { Reply } from "../Http.js"

export const sendReply = (req: Request, res: Response, reply: Reply, extra: Readonly<Record<string, string>>): void => {
  if (res.headersSent) {
    res.end()
    return
  }
  res.statusCode = reply.status
  const headers = { "Cache-Control": "no-store", ...extra, ...reply.headers }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  if (reply.text !== undefined) {
    res.setHeader("Content-Length", String(Buffer.byteLength(reply.text)))
    res.end(req.method === "HEAD" ? undefined : reply.text)
    return
  }
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
    res.end()
    return
  }
  const bytes = Buffer.from(JSON.stringify(reply.body), "utf8")
  res.setHeader("Content-Type", "application/json; charset=utf-8")
  res.setHeader("Content-Length", String(bytes.length))
  res.end(req.method === "HEAD" ? undefined : bytes)
}
