/**
 * Driver failures → the domain's `RepositoryError`. Drizzle wraps driver errors in
 * `DrizzleQueryError` (with the driver's error as `cause`), so codes are looked up along the
 * cause chain.
 */
import { RepositoryError } from "@notiflows/domain"

const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  // Node sockets and DNS
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  // postgres.js
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // internal/timeouts.ts: no answer within the operation's time bound
  "OPERATION_TIMEOUT",
  // PostgreSQL: shutting down, starting up, too many connections, cancelled by a timeout
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "57014"
])

/** The SQLSTATE or socket code of the first error along the cause chain that has one. */
export const errorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** True for connection-class failures: the store could not be reached, retry later. */
export const isUnavailable = (error: unknown): boolean => {
  const code = errorCode(error)
  // SQLSTATE class 08: connection exception.
  return code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))
}

/** SQLSTATE 23505. */
export const isUniqueViolation = (error: unknown): boolean => errorCode(error) === "23505"

export const toRepositoryError = (operation: string) => (cause: unknown): RepositoryError =>
  cause instanceof RepositoryError ? cause : new RepositoryError({ operation, unavailable: isUnavailable(cause), cause })
