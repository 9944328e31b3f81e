/**
 * CORS for the User API (API.md §2).
 *
 * A preflight carries no keys, so it cannot name a project: it is answered 204 without auth,
 * with `Access-Control-Allow-*` headers only when the origin is allowed by at least one project
 * (an origin no project allows gets none, so the browser stops there). The real request names
 * the project by its public key and is refused with 403 `origin_not_allowed` unless that
 * project allows the origin; only then does the response carry `Access-Control-Allow-Origin`.
 * Requests without `Origin` (servers, curl) are not subject to origins.
 */
import type { Project } from "@notiflows/domain"
import { API_KEY_HEADER, USER_ID_HEADER, USER_KEY_HEADER } from "./Auth.js"
import { Forbidden } from "./HttpErrors.js"

/** Request headers a browser may send. */
export const CORS_ALLOWED_HEADERS = [
  "content-type",
  API_KEY_HEADER,
  USER_KEY_HEADER,
  USER_ID_HEADER,
  "if-match",
  "if-none-match",
  "idempotency-key",
  "x-request-id"
] as const

/** Response headers an allowed origin may read. */
export const CORS_EXPOSED_HEADERS = ["ETag", "x-request-id", "RateLimit", "RateLimit-Policy", "Retry-After", "Idempotent-Replayed"] as const

/** How long a browser may cache a preflight, in seconds. */
export const PREFLIGHT_MAX_AGE = 600

/** Canonical form of an origin (`scheme://host[:port]`, lower case, default port dropped). */
export const normalizeOrigin = (origin: string): string => {
  try {
    const url = new URL(origin)
    return url.origin === "null" ? origin : url.origin
  } catch {
    return origin
  }
}

/** True when `origin` is in `allowed` (compared in canonical form). */
export const originAllowed = (origin: string, allowed: Iterable<string>): boolean => {
  const o = normalizeOrigin(origin)
  for (const a of allowed) if (normalizeOrigin(a) === o) return true
  return false
}

/** 403 for a real User API request from an origin the project does not allow. */
export const checkOrigin = (project: Project, origin: string | undefined): void => {
  if (origin !== undefined && !originAllowed(origin, project.allowedOrigins)) {
    throw new Forbidden({ reason: "origin_not_allowed", message: "This origin is not allowed for the project" })
  }
}

/** Headers for a real response to an allowed origin. */
export const corsResponseHeaders = (origin: string): Record<string, string> => ({
  "Access-Control-Allow-Origin": origin,
  "Access-Control-Expose-Headers": CORS_EXPOSED_HEADERS.join(", ")
})

/** Headers for a preflight from an allowed origin. */
export const preflightHeaders = (origin: string, methods: ReadonlyArray<string>): Record<string, string> => ({
  "Access-Control-Allow-Origin": origin,
  "Access-Control-Allow-Methods": methods.join(", "),
  "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS.join(", "),
  "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE)
})
