/**
 * Structured request logs (pino-http): request id, project, route, status, latency. Never a
 * key, a token or a body: the request serializer keeps only the method and the path, and
 * credential headers are redacted should anything else log them.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Logger } from "pino"
import { pinoHttp } from "pino-http"

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

/** Header paths redacted from any log line (belt and braces: serializers drop headers already). */
export const REDACTED_PATHS = [
  "req.headers['x-notiflows-secret-key']",
  "req.headers['x-notiflows-api-key']",
  "req.headers['x-notiflows-user-key']",
  "req.headers.authorization",
  "req.headers.cookie"
]

const pathOf = (url: string | undefined): string => (url ?? "").split("?")[0] ?? ""

/** A pino-http middleware for the router's requests. */
export const makeRequestLogger = (logger: Logger) =>
  pinoHttp({
    logger: logger.child({}, { redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }),
    wrapSerializers: false,
    genReqId: (_req: IncomingMessage, res: ServerResponse) => logFields(res).request_id ?? "",
    customAttributeKeys: { responseTime: "latency_ms" },
    serializers: {
      req: (req: IncomingMessage & { readonly originalUrl?: string }) => ({ method: req.method, path: pathOf(req.originalUrl ?? req.url) }),
      res: (res: ServerResponse) => ({ status: res.statusCode })
    },
    // Added once, to the final line (customProps would also bind them at the start: duplicates).
    customSuccessObject: (_req: IncomingMessage, res: ServerResponse, value: Record<string, unknown>) => ({ ...value, ...logFields(res) }),
    customErrorObject: (_req: IncomingMessage, res: ServerResponse, _error: Error, value: Record<string, unknown>) => ({ ...value, ...logFields(res) }),
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error !== undefined || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => `${logFields(res).route ?? `${req.method ?? ""} ${pathOf(req.url)}`} ${res.statusCode}`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${logFields(res).route ?? `${req.method ?? ""} ${pathOf(req.url)}`} ${res.statusCode}`
  })
