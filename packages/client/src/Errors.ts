/**
 * One error class for every failure the client reports: the API's §3 envelope (`code`, `status`,
 * `details`, `requestId`, `message`), or one of two client-side codes when no envelope arrived
 * (`network_error`: the request never got an answer; `invalid_response`: an answer that is not
 * the API's, e.g. a proxy's HTML page). `is(code)` narrows `details` to what that code carries.
 */
import type { components } from "./generated/openapi.js"

/** The envelope as the document publishes it. */
export type ErrorEnvelope = components["schemas"]["Error"]
type AllDetails = ErrorEnvelope["error"]["details"]
/** One problem of a 422 (`details.fields`). */
export type FieldIssue = components["schemas"]["FieldIssue"]

/** Codes of API.md §3 (and the contracts that extend it), plus the client's own two. */
export type ApiErrorCode =
  | "bad_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "gone"
  | "cursor_expired"
  | "precondition_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "expectation_failed"
  | "validation_error"
  | "rate_limited"
  | "request_header_fields_too_large"
  | "internal_error"
  | "service_unavailable"
export type ClientErrorCode = "network_error" | "invalid_response"
export type ErrorCode = ApiErrorCode | ClientErrorCode

type Req<K extends keyof AllDetails> = AllDetails & { readonly [P in K]-?: NonNullable<AllDetails[P]> }

/** What `details` holds for each code (§3's table); other codes: whatever the envelope carried. */
export interface DetailsByCode {
  readonly bad_request: Req<"reason">
  readonly unauthenticated: Req<"auth">
  readonly forbidden: Req<"reason">
  readonly not_found: Req<"resource">
  readonly conflict: Req<"reason">
  readonly precondition_failed: Req<"reason" | "current_status">
  readonly payload_too_large: Req<"limit">
  readonly unsupported_media_type: Req<"reason">
  readonly validation_error: Req<"fields">
  readonly rate_limited: Req<"retry_after">
  readonly service_unavailable: Req<"retry_after">
}
export type DetailsOf<C extends string> = C extends keyof DetailsByCode ? DetailsByCode[C] : AllDetails

export interface NotiflowsErrorInit<C extends string> {
  readonly code: C
  readonly status: number
  readonly message: string
  readonly details: DetailsOf<C>
  readonly requestId?: string | undefined
  /** The envelope's `type` URL. */
  readonly type?: string | undefined
  readonly cause?: unknown
}

/** Every failure of a client call. `code` is the discriminant: narrow with `error.is("…")`. */
export class NotiflowsError<C extends string = ErrorCode | (string & {})> extends Error {
  override readonly name = "NotiflowsError"
  readonly code: C
  /** The HTTP status; 0 for `network_error`. */
  readonly status: number
  readonly details: DetailsOf<C>
  /** The `x-request-id` of the failed response (quote it to support). */
  readonly requestId: string | undefined
  readonly type: string | undefined

  constructor(init: NotiflowsErrorInit<C>) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.code = init.code
    this.status = init.status
    this.details = init.details
    this.requestId = init.requestId
    this.type = init.type
  }

  /** Narrows to one code, so `details` has that code's fields. */
  is<K extends ErrorCode>(code: K): this is NotiflowsError<K> {
    return (this.code as string) === code
  }
}

/** True for any `NotiflowsError`, or for one of the given code. */
export function isNotiflowsError(value: unknown): value is NotiflowsError
export function isNotiflowsError<K extends ErrorCode>(value: unknown, code: K): value is NotiflowsError<K>
export function isNotiflowsError(value: unknown, code?: string): boolean {
  return value instanceof NotiflowsError && (code === undefined || value.code === code)
}

const isEnvelope = (body: unknown): body is ErrorEnvelope => {
  if (typeof body !== "object" || body === null) return false
  const error = (body as { error?: unknown }).error
  if (typeof error !== "object" || error === null) return false
  const e = error as Record<string, unknown>
  return typeof e["code"] === "string" && typeof e["message"] === "string"
}

/** The error a non-2xx response stands for (reads the body). */
export const errorFromResponse = async (response: Response): Promise<NotiflowsError> => {
  const requestId = response.headers.get("x-request-id") ?? undefined
  const text = await response.text().catch(() => "")
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (isEnvelope(body)) {
    const e = body.error
    return new NotiflowsError({
      code: e.code,
      status: response.status,
      message: e.message,
      details: (typeof e.details === "object" && e.details !== null ? e.details : {}) as AllDetails,
      requestId: e.request_id ?? requestId,
      type: e.type
    })
  }
  return new NotiflowsError({
    code: "invalid_response",
    status: response.status,
    message: `HTTP ${response.status} without the API's error envelope`,
    details: {},
    requestId
  })
}

/** A request that got no answer (after the retries allowed). */
export const networkError = (cause: unknown, attempts: number): NotiflowsError<"network_error"> =>
  new NotiflowsError({
    code: "network_error",
    status: 0,
    message: `no response after ${attempts} attempt${attempts === 1 ? "" : "s"}`,
    details: {},
    cause
  })
