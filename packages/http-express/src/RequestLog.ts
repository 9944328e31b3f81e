/**
 * Structured request logs (pino): one line per response with the request id, project, route
 * template, method, status and latency. Never the path (it carries request values such as user
 * ids), a key, a token or a body: only the fields below are logged, and credential headers are
 * redacted should anything else log them.
 *
 * A plain pino line on `finish` rather than pino-http: no child logger per request, which was
 * a measurable share of the request's CPU time (docs/performance.md).
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Logger } from "pino"

/** What the router records on a response for the log line. */
export interface LogFields {
  request_id?: string
  project_id?: string
  route?: string
}

const FIELDS = Symbol.for("@notiflows/http-express/log-fields")

/** The log fields of a response (created on first use). */
export const logFields = (res: ServerResponse): LogFields => {
  const holder = res as ServerResponse & { [FIELDS]?: LogFields }
  holder[FIELDS] ??= {}
  return holder[FIELDS]
}

/** Header paths redacted from any log line (belt and braces: request logs carry no headers). */
export const REDACTED_PATHS = [
  "req.headers['x-notiflows-secret-key']",
  "req.headers['x-notiflows-api-key']",
  "req.headers['x-notiflows-user-key']",
  "req.headers.authorization",
  "req.headers.cookie"
]

/** A request logger: call it once per request; it logs when the response finishes. */
export const makeRequestLogger = (logger: Logger) => {
  const log = logger.child({}, { redact: { paths: REDACTED_PATHS, censor: "[redacted]" } })
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint()
    res.once("finish", () => {
      const status = res.statusCode
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info"
      if (!log.isLevelEnabled(level)) return
      const fields = logFields(res)
      // The route's template, never the path: a path carries request values (user ids).
      log[level](
        {
          ...fields,
          req: { method: req.method, route: fields.route ?? "unmatched" },
          res: { status },
          latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6)
        },
        `${fields.route ?? `${req.method ?? ""} unmatched`} ${status}`
      )
    })
  }
}
