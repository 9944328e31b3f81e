/**
 * The one place that knows HTTP statuses: an exhaustive table from every domain error tag and
 * every transport error tag to the API.md §3 envelope. Adding a tag without a row fails to compile.
 */
import type { DomainError } from "@notiflows/domain"
import type { TransportError } from "./HttpErrors.js"

/** Any failure the router can answer. */
export type ApiFailure = DomainError | TransportError

/** The API a request addressed; only changes which credential a vanished project blames. */
export type ApiKind = "admin" | "user" | "service"

/** A mapped failure, before the request id is attached. */
export interface ErrorResponse {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly details: Readonly<Record<string, unknown>>
  readonly headers: Readonly<Record<string, string>>
}

/** The §3 body. */
export interface ErrorEnvelope {
  readonly error: {
    readonly type: string
    readonly code: string
    readonly message: string
    readonly status: number
    readonly request_id: string
    readonly details: Readonly<Record<string, unknown>>
  }
}

type Row<E> = (error: E, api: ApiKind) => ErrorResponse
type Table = { readonly [K in ApiFailure["_tag"]]: Row<Extract<ApiFailure, { readonly _tag: K }>> }

const r = (
  status: number,
  code: string,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {}
): ErrorResponse => ({ status, code, message, details, headers })

const unavailable = (retryAfter: number, message: string): ErrorResponse =>
  r(503, "service_unavailable", message, { retry_after: retryAfter }, { "Retry-After": String(retryAfter) })

const internal = (): ErrorResponse => r(500, "internal_error", "An internal error occurred. Retry later or contact support with the request id.")

/** The table. Messages are fixed texts or built from request data; never from causes. */
export const errorTable: Table = {
  // Domain errors (packages/domain/src/Errors.ts)
  // Only the external id the caller sent is answered; an internal user id never is.
  UserNotFound: (e) => r(404, "not_found", "User not found", { resource: "user", ...(e.externalId !== undefined ? { id: e.externalId } : {}) }),
  NotiflowNotFound: (e) => r(404, "not_found", "Notiflow not found", { resource: "notiflow", id: e.notiflowId }),
  CategoryNotFound: (e) => r(404, "not_found", "Category not found", { resource: "category", id: e.categoryId }),
  ValidationFailed: (e) => r(422, "validation_error", "The request body is invalid", { fields: e.issues }),
  // Retried inside the use cases; if one ever escapes it is contention, not the client's fault.
  VersionConflict: () => unavailable(1, "The resource is being changed concurrently; retry"),
  PreconditionFailed: (e) =>
    r(412, "precondition_failed", "The resource has changed since it was read (If-Match)", { reason: "etag_mismatch", current_status: e.current }, { ETag: e.current }),
  WriteContention: (e) => unavailable(Math.max(1, Math.ceil(e.retryAfterSeconds)), "Too many concurrent writes to this resource; retry"),
  // The project behind valid credentials vanished mid-request: the credential no longer authenticates.
  ProjectNotFound: (_e, api) =>
    r(401, "unauthenticated", "Invalid credentials", { auth: api === "user" ? "api_key" : "secret_key" }),
  ApiKeyNotFound: (e) => r(404, "not_found", "API key not found", { resource: "api_key", id: e.keyId }),
  RepositoryError: (e) => (e.unavailable ? unavailable(1, "The service is temporarily unavailable; retry") : internal()),
  // EVENTS.md §3: retention removed events after the cursor; resync and restart without `after`.
  CursorExpired: () => r(410, "cursor_expired", "Events after this cursor were removed by retention; resync and restart without after", { param: "after" }),
  WebhookNotFound: (e) => r(404, "not_found", "Webhook not found", { resource: "webhook", id: e.webhookId }),
  WebhookConflict: (e) =>
    r(409, "conflict", e.reason === "endpoint_disabled" ? "The webhook endpoint is disabled" : "A replay of a range is still in progress for this endpoint", { reason: e.reason }),
  JobNotFound: (e) => r(404, "not_found", "Job not found", { resource: "job", id: e.jobId }),
  // Transport errors (./HttpErrors.ts)
  RouteNotFound: () => r(404, "not_found", "No such route", { resource: "route" }),
  MethodNotAllowed: (e) => r(405, "method_not_allowed", "Method not allowed on this route", {}, { Allow: e.allow.join(", ") }),
  Unauthenticated: (e) => r(401, "unauthenticated", e.message, { auth: e.auth }),
  Forbidden: (e) => r(403, "forbidden", e.message, { reason: e.reason }),
  UnsupportedMediaType: (e) => r(415, "unsupported_media_type", e.message, { reason: e.reason }),
  PayloadTooLarge: (e) => r(413, "payload_too_large", `The body exceeds ${e.limit} bytes`, { limit: e.limit }, { Connection: "close" }),
  InvalidJson: (e) => r(400, "bad_request", e.message, { reason: "invalid_json" }),
  InvalidParam: (e) => r(400, "bad_request", e.message, { reason: "invalid_param", param: e.param }),
  InvalidHeader: (e) => r(400, "bad_request", e.message, { reason: "invalid_header", param: e.header }),
  IdempotencyConflict: (e) =>
    r(
      409,
      "conflict",
      e.reason === "idempotency_key_reused"
        ? "This Idempotency-Key was used with a different request"
        : "A request with this Idempotency-Key is still in progress",
      { reason: e.reason, idempotency_key: e.idempotencyKey }
    ),
  RateLimited: (e) =>
    r(429, "rate_limited", "Too many requests", { limit: e.limit, retry_after: e.retryAfterSeconds, window: e.window }, { ...e.headers, "Retry-After": String(e.retryAfterSeconds) }),
  RequestInvalid: (e) => r(422, "validation_error", "The request is invalid", { fields: e.issues }),
  ServiceUnavailable: (e) => unavailable(e.retryAfterSeconds, "The service is not ready; retry"),
  InternalError: () => internal()
}

/** Maps any failure through the table. */
export const toErrorResponse = (error: ApiFailure, api: ApiKind): ErrorResponse =>
  (errorTable[error._tag] as Row<ApiFailure>)(error, api)

/** The documentation URL of an error code. */
export const errorType = (code: string): string => `https://docs.notiflows.com/errors/${code}`

/** The §3 envelope of a mapped failure. */
export const envelope = (response: ErrorResponse, requestId: string): ErrorEnvelope => ({
  error: {
    type: errorType(response.code),
    code: response.code,
    message: response.message,
    status: response.status,
    request_id: requestId,
    details: response.details
  }
})

const TAGS: ReadonlySet<string> = new Set(Object.keys(errorTable))

/** True for a value the table can map (a domain or transport error). */
export const isApiFailure = (u: unknown): u is ApiFailure =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && TAGS.has(u._tag)

/**
 * A body-parser (or other Express) error that reached the router's error handler, as a
 * transport error: body-parser sets `status` 400/413/415 and a `type`; never answer them as 500.
 */
export const fromExpressError = (err: unknown): ApiFailure | undefined => {
  if (typeof err !== "object" || err === null) return undefined
  const e = err as { readonly status?: unknown; readonly type?: unknown; readonly limit?: unknown }
  switch (e.status) {
    case 413:
      return { _tag: "PayloadTooLarge", limit: typeof e.limit === "number" ? e.limit : 0 } as ApiFailure
    case 415:
      return { _tag: "UnsupportedMediaType", reason: typeof e.type === "string" ? e.type.replace(/\./g, "_") : "unsupported", message: "Unsupported request body encoding" } as ApiFailure
    case 400:
      return { _tag: "InvalidJson", message: "The body is not valid JSON" } as ApiFailure
    default:
      return undefined
  }
}
