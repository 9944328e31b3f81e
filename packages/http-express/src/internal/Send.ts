/**
 * Writing a reply: the router's only way to answer, with `res.end` (never `res.send`), so a
 * host's `etag`/`fresh` settings never alter a response. `Cache-Control: no-store` unless the
 * reply says otherwise; HEAD gets the headers without the body.
 */
import type { Request, Response } from "express"
import type { Reply } from "../Http.js"

/** The client went away while a streamed body was being written (not a failure of ours). */
export class ConnectionClosed extends Error {
  override readonly name = "ConnectionClosed"
}

/** A writer with backpressure: resolves when the chunk is taken, rejects once the connection is closed. */
const writerOf =
  (res: Response) =>
  (chunk: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (res.destroyed || res.writableEnded) {
        reject(new ConnectionClosed("the connection is closed"))
        return
      }
      if (res.write(chunk)) {
        resolve()
        return
      }
      const drained = () => {
        res.off("close", closed)
        resolve()
      }
      const closed = () => {
        res.off("drain", drained)
        reject(new ConnectionClosed("the connection is closed"))
      }
      res.once("drain", drained)
      res.once("close", closed)
    })

/**
 * A streamed reply: headers, then the chunks the stream writes. Any failure once it started
 * destroys the socket (the client sees an aborted, not a truncated-but-complete, body) and is
 * reported to `onStreamError`.
 */
const streamReply = async (
  req: Request,
  res: Response,
  stream: NonNullable<Reply["stream"]>,
  onStreamError: (error: unknown) => void
): Promise<void> => {
  if (req.method === "HEAD") {
    res.end()
    return
  }
  try {
    await stream(writerOf(res))
    res.end()
  } catch (error) {
    onStreamError(error)
    res.destroy()
  }
}

export const sendReply = (
  req: Request,
  res: Response,
  reply: Reply,
  extra: Readonly<Record<string, string>>,
  onStreamError: (error: unknown) => void = () => {}
): Promise<void> | void => {
  if (res.headersSent) {
    res.end()
    return
  }
  res.statusCode = reply.status
  const headers = { "Cache-Control": "no-store", ...extra, ...reply.headers }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  if (reply.stream !== undefined) return streamReply(req, res, reply.stream, onStreamError)
  if (reply.bytes !== undefined) {
    res.setHeader("Content-Length", String(reply.bytes.length))
    res.end(req.method === "HEAD" ? undefined : reply.bytes)
    return
  }
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
