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

/** The error along the cause chain that carries the code (else the innermost one). */
const rootOf = (error: unknown): unknown => {
  let current: unknown = error
  for (let depth = 0; depth < 8; depth++) {
    if (typeof current !== "object" || current === null) return current
    if (typeof (current as { code?: unknown }).code === "string") return current
    const next = (current as { cause?: unknown }).cause
    if (next === undefined || next === null) return current
    current = next
  }
  return current
}

const classOf = (error: unknown): string =>
  error instanceof Error ? error.constructor.name || error.name : typeof error === "object" && error !== null ? "Object" : typeof error

/**
 * What of a driver failure may leave the adapter (and reach a log): the operation, the error's
 * class and its code (SQLSTATE or socket code). Never the driver's message: drizzle's holds the
 * SQL and its bound parameters (request values, personal data, key hashes), PostgreSQL's may
 * quote a value. The stack frames (no message) are kept for unexpected failures only, not when
 * the database is merely unreachable.
 */
export class DatabaseFailure extends Error {
  override readonly name = "DatabaseFailure"
  constructor(
    readonly operation: string,
    readonly errorClass: string,
    readonly code: string | undefined,
    frames: string | undefined
  ) {
    super(`${operation} failed: ${errorClass}${code !== undefined ? ` ${code}` : ""}`)
    this.stack = frames === undefined || frames === "" ? `${this.name}: ${this.message}` : `${this.name}: ${this.message}\n${frames}`
  }
}

const FRAME = /^\s+at /

/** A {@link DatabaseFailure} for a driver failure (see there for what it keeps). */
export const sanitizeCause = (operation: string, cause: unknown, unavailable: boolean): DatabaseFailure => {
  if (cause instanceof DatabaseFailure) return cause
  const root = rootOf(cause)
  const code = errorCode(cause)
  const frames = unavailable || !(root instanceof Error) || root.stack === undefined
    ? undefined
    : root.stack.split("\n").filter((line) => FRAME.test(line)).join("\n")
  return new DatabaseFailure(operation, classOf(root), code !== undefined && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined, frames)
}

/** A driver failure as the domain's `RepositoryError`, its cause sanitized ({@link DatabaseFailure}). */
export const toRepositoryError = (operation: string) => (cause: unknown): RepositoryError => {
  if (cause instanceof RepositoryError) return cause
  const unavailable = isUnavailable(cause)
  return new RepositoryError({ operation, unavailable, cause: sanitizeCause(operation, cause, unavailable) })
}
