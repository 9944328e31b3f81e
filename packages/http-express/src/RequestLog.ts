/**
 * Structured request logs (pino): one line per response with the request id, project, route,
 * method, path, status and latency. Never a key, a token or a body: only the fields below are
 * logged, and credential headers are redacted should anything else log them.
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

const pathOf = (url: string | undefined): string => {
  const raw = url ?? ""
  const q = raw.indexOf("?")
  return q === -1 ? raw : raw.slice(0, q)
}

/** A request logger: call it once per request; it logs when the response finishes. */
export const makeRequestLogger = (logger: Logger) => {
  const log = logger.child({}, { redact: { paths: REDACTED_PATHS, censor: "[redacted]" } })
  return (req: IncomingMessage & { readonly originalUrl?: string }, res: ServerResponse): void => {
    const started = process.hrtime.bigint()
    res.once("finish", () => {
      const status = res.statusCode
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info"
      if (!log.isLevelEnabled(level)) return
      const fields = logFields(res)
      const path = pathOf(req.originalUrl ?? req.url)
      log[level](
        {
          ...fields,
          req: { method: req.method, path },
          res: { status },
          latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6)
        },
        `${fields.route ?? `${req.method ?? ""} ${path}`} ${status}`
      )
    })
  }
}
