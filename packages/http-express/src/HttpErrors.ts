/**
 * Transport-level failures: everything the HTTP layer itself refuses before (or around) a use
 * case. Tagged like the domain errors so {@link ErrorMapping} can map both in one exhaustive table.
 */
import * as Data from "effect/Data"
import type { FieldIssue } from "@notiflows/domain"

/** Which credential failed (API.md §2). */
export type AuthCredential = "secret_key" | "api_key" | "user_key"

/** No route has this path. */
export class RouteNotFound extends Data.TaggedError("RouteNotFound")<{ readonly path: string }> {}

/** The path exists, the method does not; `allow` feeds the `Allow` header. */
export class MethodNotAllowed extends Data.TaggedError("MethodNotAllowed")<{ readonly allow: ReadonlyArray<string> }> {}

/** 401: a credential is missing or bad. `message` never names another project or the key. */
export class Unauthenticated extends Data.TaggedError("Unauthenticated")<{
  readonly auth: AuthCredential
  readonly message: string
}> {}

/** 403: authenticated but not allowed (e.g. `origin_not_allowed`). */
export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly reason: string; readonly message: string }> {}

/** 415: the body is not JSON we accept. */
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<{
  readonly reason: string
  readonly message: string
}> {}

/** 413: the body exceeds `limit` bytes. */
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly limit: number }> {}

/** 400 `invalid_json`: unparsable, empty where required, not UTF-8, or nested too deep. */
export class InvalidJson extends Data.TaggedError("InvalidJson")<{ readonly message: string }> {}

/** 400 `invalid_param`: a path or query parameter breaks its rule. */
export class InvalidParam extends Data.TaggedError("InvalidParam")<{ readonly param: string; readonly message: string }> {}

/** 400 `invalid_header`: a request header breaks its rule (seam for `Idempotency-Key`). */
export class InvalidHeader extends Data.TaggedError("InvalidHeader")<{ readonly header: string; readonly message: string }> {}

/** 409: an `Idempotency-Key` conflict (seam for the idempotency issue). */
export class IdempotencyConflict extends Data.TaggedError("IdempotencyConflict")<{
  readonly reason: "idempotency_key_reused" | "idempotency_key_in_use"
  readonly idempotencyKey: string
}> {}

/** 429 (seam for the rate-limit issue). */
export class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly limit: number
  readonly retryAfterSeconds: number
  readonly window: string
  /** `RateLimit-Policy` / `RateLimit` headers of the refusing policy. */
  readonly headers?: Readonly<Record<string, string>>
}> {}

/** 422 raised by the transport itself (query or body shapes the domain never sees). */
export class RequestInvalid extends Data.TaggedError("RequestInvalid")<{ readonly issues: ReadonlyArray<FieldIssue> }> {}

/** 503: a dependency is down (readiness). */
export class ServiceUnavailable extends Data.TaggedError("ServiceUnavailable")<{ readonly retryAfterSeconds: number }> {}

/** 500: a defect. The cause is logged by the router, never answered. */
export class InternalError extends Data.TaggedError("InternalError")<{ readonly cause: unknown }> {}

export type TransportError =
  | RouteNotFound
  | MethodNotAllowed
  | Unauthenticated
  | Forbidden
  | UnsupportedMediaType
  | PayloadTooLarge
  | InvalidJson
  | InvalidParam
  | InvalidHeader
  | IdempotencyConflict
  | RateLimited
  | RequestInvalid
  | ServiceUnavailable
  | InternalError
