/**
 * Errors as a log line may carry them. A driver's or library's message may quote SQL, bound
 * parameters, request values, personal data or key material (drizzle's "Failed query: … params:
 * …" does), so no error object is handed to the logger's serializer and no message is logged:
 * only the error's class, its code (SQLSTATE, socket code), the operation's name and, for
 * unexpected internal errors, its stack frames (without the message line).
 */

/** What a log line carries of an error. */
export interface LoggedError {
  readonly type: string
  readonly error_class?: string
  readonly code?: string
  readonly operation?: string
  readonly stack?: string
}

const SAFE = /^[A-Za-z0-9_.:-]{1,80}$/
const FRAME = /^\s+at /

const safeString = (value: unknown): string | undefined => (typeof value === "string" && SAFE.test(value) ? value : undefined)

/** `error` reduced to {@link LoggedError}; `stack` keeps its frames (for unexpected errors only). */
export const loggableError = (error: unknown, stack: boolean): LoggedError => {
  if (typeof error !== "object" || error === null) return { type: typeof error }
  const e = error as { readonly constructor?: { readonly name?: unknown }; readonly name?: unknown; readonly stack?: unknown; readonly errorClass?: unknown; readonly code?: unknown; readonly operation?: unknown }
  const type = safeString(e.constructor?.name) ?? safeString(e.name) ?? "Object"
  const errorClass = safeString(e.errorClass)
  const code = safeString(e.code)
  const operation = safeString(e.operation)
  const frames = stack && typeof e.stack === "string" ? e.stack.split("\n").filter((l) => FRAME.test(l)).join("\n") : ""
  return {
    type,
    ...(errorClass !== undefined ? { error_class: errorClass } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(operation !== undefined ? { operation } : {}),
    ...(frames !== "" ? { stack: frames } : {})
  }
}
