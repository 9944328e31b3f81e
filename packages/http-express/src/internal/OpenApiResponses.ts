/**
 * What each operation can answer, for the OpenAPI document: its statuses (success from the
 * route, errors from its shape and the §3 pipeline in Router.ts) and the headers of each.
 *
 * - Every response: `x-request-id`.
 * - Admin and User API, after authentication (not 401, 403 or 431): `RateLimit` and
 *   `RateLimit-Policy` (sent when the service's rate limits are on, as in apps/server).
 * - 429 and 503: `Retry-After`. 412 and routes that declare it: `ETag`.
 * - Writes: `Idempotent-Replayed` on the statuses a stored reply can have (2xx, and 4xx the
 *   handler produces).
 * - User API: `Vary`, and `Access-Control-Allow-Origin`/`-Expose-Headers` for allowed origins.
 * - `OPTIONS` on every path: 204 with `Allow` (no authentication, no rate limit).
 * - 431 on everything: the standalone server answers it (in the §3 envelope) before routing.
 */
import type * as Schema from "effect/Schema"
import type { RouteSpec } from "../routes/Route.js"

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "bad_request: invalid_json, invalid_param or invalid_header (details.param names it)",
  401: "unauthenticated: details.auth names the credential",
  403: "forbidden: origin_not_allowed, or tenant_mismatch (the user token's tenant claim and ?tenant_id= disagree)",
  404: "not_found: details.resource is user, notiflow, category or route",
  409: "conflict: idempotency_key_reused or idempotency_key_in_use",
  410: "cursor_expired: events after the cursor were removed by retention; resync and restart without after (details.param: after)",
  412: "precondition_failed: If-Match does not match; details.current_status and ETag hold the current tag",
  413: "payload_too_large: the body exceeds 256 KiB",
  415: "unsupported_media_type: send application/json",
  422: "validation_error: details.fields lists every problem",
  429: "rate_limited: retry after details.retry_after seconds (Retry-After, RateLimit and RateLimit-Policy headers)",
  431: "request_header_fields_too_large (standalone server)",
  500: "internal_error",
  503: "service_unavailable: retry after details.retry_after seconds (Retry-After)"
}

const text = (description: string, extra: Readonly<Record<string, unknown>> = {}) => ({ description, schema: { type: "string", ...extra } })

/** `components.headers`. */
export const HEADERS: Readonly<Record<string, unknown>> = {
  RequestId: text("the request id (echoed or generated)"),
  ETag: text("a strong tag of this representation; send it back in If-None-Match or If-Match"),
  Location: text("the URL of the created resource (a job: under the request's own base path)"),
  ContentDisposition: text("attachment; filename=\"…\": save the body as a file"),
  RetryAfter: text("seconds to wait before retrying", { pattern: "^[0-9]+$" }),
  RateLimit: text("remaining quota per policy: \"name\";r=<remaining>;t=<seconds to reset> (IETF ratelimit-headers)"),
  RateLimitPolicy: text("the limits that apply: \"name\";q=<quota>;w=<window seconds>"),
  IdempotentReplayed: text("true: this is the stored reply of an earlier request with the same Idempotency-Key", { enum: ["true"] }),
  Allow: text("the methods this path answers"),
  Vary: text("Origin (User API responses vary by the caller's origin)"),
  AccessControlAllowOrigin: text("the caller's origin, when the project allows it"),
  AccessControlExposeHeaders: text("the response headers a browser may read"),
  AccessControlAllowMethods: text("preflight: the methods allowed"),
  AccessControlAllowHeaders: text("preflight: the request headers allowed"),
  AccessControlMaxAge: text("preflight: seconds a browser may cache it", { pattern: "^[0-9]+$" })
}

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` })

/** Header name → component, as sent. */
const H = {
  requestId: ["x-request-id", "RequestId"],
  etag: ["ETag", "ETag"],
  location: ["Location", "Location"],
  contentDisposition: ["Content-Disposition", "ContentDisposition"],
  retryAfter: ["Retry-After", "RetryAfter"],
  rateLimit: ["RateLimit", "RateLimit"],
  rateLimitPolicy: ["RateLimit-Policy", "RateLimitPolicy"],
  replayed: ["Idempotent-Replayed", "IdempotentReplayed"],
  allow: ["Allow", "Allow"],
  vary: ["Vary", "Vary"],
  acao: ["Access-Control-Allow-Origin", "AccessControlAllowOrigin"],
  aceh: ["Access-Control-Expose-Headers", "AccessControlExposeHeaders"],
  acam: ["Access-Control-Allow-Methods", "AccessControlAllowMethods"],
  acah: ["Access-Control-Allow-Headers", "AccessControlAllowHeaders"],
  acma: ["Access-Control-Max-Age", "AccessControlMaxAge"]
} as const

type HeaderKey = keyof typeof H

const headersObject = (keys: ReadonlyArray<HeaderKey>) => Object.fromEntries(keys.map((k) => [H[k][0], ref(H[k][1])]))

/** The error statuses a route can answer. */
export const errorStatuses = (route: RouteSpec): ReadonlyArray<number> => {
  const s = new Set<number>([431, ...(route.errors ?? [])])
  if (route.api !== "service") {
    ;[401, 429, 500, 503].forEach((x) => s.add(x))
    if (route.api === "user") s.add(403)
    if (route.body) [400, 413, 415, 422].forEach((x) => s.add(x))
    if (route.path.includes("{") || (route.query ?? []).length > 0) s.add(400)
    // Writes: a malformed Idempotency-Key is 400; a reused or in-flight one 409.
    if (route.method !== "GET") [400, 409].forEach((x) => s.add(x))
    if (route.conditional?.includes("If-Match") === true) s.add(412)
  }
  return [...s].sort((a, b) => a - b)
}

/** The headers of one response of a route. */
const routeHeaders = (route: RouteSpec, status: number, declared: ReadonlyArray<string>): ReadonlyArray<HeaderKey> => {
  const keys: Array<HeaderKey> = ["requestId"]
  if (route.api !== "service" && ![401, 403, 431].includes(status)) keys.push("rateLimit", "rateLimitPolicy")
  if (status === 429 || status === 503) keys.push("retryAfter")
  if (status === 412 || declared.includes("ETag")) keys.push("etag")
  if (declared.includes("Location")) keys.push("location")
  if (declared.includes("Content-Disposition")) keys.push("contentDisposition")
  const replayable = (status >= 200 && status < 300) || [400, 404, 412, 422].includes(status)
  if (route.api !== "service" && route.method !== "GET" && replayable) keys.push("replayed")
  if (route.api === "user" && status !== 431) keys.push("vary", "acao", "aceh")
  return keys
}

export type ResponsesOf = { readonly kind: "route"; readonly route: RouteSpec } | { readonly kind: "options"; readonly api: RouteSpec["api"] }

/** The `responses` object of an operation. */
export const operationResponses = (
  target: ResponsesOf,
  schemaOf: (s: Schema.Schema.Any) => unknown,
  errorRef: unknown
): Record<string, unknown> => {
  const error = (status: number, keys: ReadonlyArray<HeaderKey>) => ({
    description: ERROR_DESCRIPTIONS[status] ?? "error",
    headers: headersObject(keys),
    content: { "application/json": { schema: errorRef } }
  })
  const responses: Record<string, unknown> = {}
  if (target.kind === "options") {
    const user = target.api === "user"
    responses["204"] = {
      description: "the allowed methods",
      headers: headersObject(["requestId", "allow", ...(user ? (["vary", "acao", "acam", "acah", "acma"] as const) : [])])
    }
    for (const status of user ? [431, 500, 503] : [431]) {
      responses[String(status)] = error(status, ["requestId", ...(status === 503 ? (["retryAfter"] as const) : [])])
    }
    return responses
  }
  const { route } = target
  for (const [status, r] of Object.entries(route.responses)) {
    responses[status] = {
      description: r.description,
      headers: headersObject(routeHeaders(route, Number(status), r.headers ?? [])),
      ...(r.schema !== undefined ? { content: { "application/json": { schema: schemaOf(r.schema) } } } : {}),
      ...(r.content !== undefined ? { content: { [r.content.mediaType]: { schema: r.content.schema } } } : {})
    }
  }
  for (const status of errorStatuses(route)) responses[String(status)] = error(status, routeHeaders(route, status, []))
  return responses
}
