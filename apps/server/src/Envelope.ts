/**
 * Answers the standalone server gives itself, outside the router, all in the §3 envelope with an
 * `x-request-id`: requests Node's parser refuses (malformed, oversized headers), a missing
 * `Host`, an `Expect` it cannot meet, paths outside the API bases, and errors that reach Express.
 * Each gets the request log line every other answer gets (method, route `unmatched`, status,
 * latency, request id; never the path).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import type { ErrorRequestHandler, RequestHandler } from "express"
import type { Logger } from "pino"
import type { ErrorResponse } from "@notiflows/http-express"
import { envelope, logFields, makeRequestLogger, newRequestId, REQUEST_ID_HEADER, RouteNotFound, toErrorResponse } from "@notiflows/http-express"

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/

/** The incoming `x-request-id` when valid (API.md §3), else a new one. */
export const requestIdFrom = (headers: IncomingHttpHeaders): string => {
  const incoming = headers[REQUEST_ID_HEADER]
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : newRequestId()
}

const problem = (status: number, code: string, message: string, details: Record<string, unknown> = {}): ErrorResponse => ({
  status,
  code,
  message,
  details,
  headers: {}
})

/** 400 for an HTTP/1.1 request without `Host` (RFC 9112 §3.2). */
export const MISSING_HOST = problem(400, "bad_request", "The Host header is required", { reason: "invalid_header" })
/** 417 for an `Expect` other than `100-continue` (RFC 9110 §10.1.1); API.md §3 names no code for it. */
export const EXPECTATION_FAILED = problem(417, "expectation_failed", "Only the 100-continue expectation is supported")

const bodyOf = (response: ErrorResponse, requestId: string): string => JSON.stringify(envelope(response, requestId))

/** Logs a response when it finishes, unless the router already does (it set the request id). */
type RequestLog = (req: IncomingMessage, res: ServerResponse) => void

/** Writes `response` in the envelope on a response Node or Express has not started, and logs it. */
const sendProblem = (log: RequestLog, req: IncomingMessage, res: ServerResponse, response: ErrorResponse, close = false): void => {
  const fields = logFields(res)
  const requestId = fields.request_id ?? requestIdFrom(req.headers)
  if (fields.request_id === undefined) {
    fields.request_id = requestId
    log(req, res)
  }
  const body = bodyOf(response, requestId)
  res.statusCode = response.status
  res.setHeader("Content-Type", "application/json; charset=utf-8")
  res.setHeader("Content-Length", String(Buffer.byteLength(body)))
  res.setHeader(REQUEST_ID_HEADER, requestId)
  res.setHeader("Cache-Control", "no-store")
  if (close) res.setHeader("Connection", "close")
  res.end(req.method === "HEAD" ? undefined : body)
}

/** The server's own answers: Express handlers and the Node server's listeners. */
export interface Envelope {
  readonly requireHost: RequestHandler
  readonly routeNotFound: RequestHandler
  readonly expressErrors: ErrorRequestHandler
  readonly onClientError: (err: NodeJS.ErrnoException, socket: Socket) => void
  readonly onUnmetExpectation: (req: IncomingMessage, res: ServerResponse) => void
}

/** The envelope's handlers, logging through `logger` like the router. */
export const makeEnvelope = (logger: Logger): Envelope => {
  const log = makeRequestLogger(logger)

  /** `Host` is required on HTTP/1.1 (Node's own check answers a bare 400, so it is turned off). */
  const requireHost: RequestHandler = (req, res, next) => {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && req.headers.host === undefined) sendProblem(log, req, res, MISSING_HOST, true)
    else next()
  }

  /** Paths outside the API bases: 404 `not_found` (resource `route`), as inside them. */
  const routeNotFound: RequestHandler = (req, res) => sendProblem(log, req, res, toErrorResponse(new RouteNotFound({ path: req.path }), "admin"))

  /** Errors that reach Express outside the router (e.g. a malformed URI): the envelope, never its page. */
  const expressErrors: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.end()
      return
    }
    const status = (error as { status?: unknown }).status
    const response = typeof status === "number" && status >= 400 && status < 500 ? problem(400, "bad_request", "Malformed request") : problem(500, "internal_error", "Internal error")
    sendProblem(log, req, res, response)
  }

  /** Answers requests Node rejects before Express (oversized headers, malformed HTTP) in the envelope. */
  const onClientError = (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (!socket.writable || err.code === "ECONNRESET") {
      socket.destroy()
      return
    }
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW"
    // The request could not be parsed, so its x-request-id is unknown: a new id, in the body and
    // in the header like every other response (API.md §3).
    const requestId = newRequestId()
    const response = tooLarge ? problem(431, "request_header_fields_too_large", "Request header fields are too large") : problem(400, "bad_request", "Malformed HTTP request")
    const body = bodyOf(response, requestId)
    const reason = tooLarge ? "Request Header Fields Too Large" : "Bad Request"
    socket.end(
      `HTTP/1.1 ${response.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`
    )
    // No request was parsed: no method, no route, nothing timed.
    logger.warn({ request_id: requestId, req: { method: null, route: "unmatched" }, res: { status: response.status }, latency_ms: 0 }, `unparsed ${response.status}`)
  }

  /** `checkExpectation`: an `Expect` other than `100-continue` (Node's default is a bare 417). */
  const onUnmetExpectation = (req: IncomingMessage, res: ServerResponse): void => sendProblem(log, req, res, EXPECTATION_FAILED, true)

  return { requireHost, routeNotFound, expressErrors, onClientError, onUnmetExpectation }
}
