/**
 * When to retry and how long to wait: bounded attempts and total time, jittered exponential
 * backoff, and the server's `Retry-After` (seconds or an HTTP date; else the envelope's
 * `details.retry_after`) honoured as a floor.
 */
import type { NotiflowsError } from "../Errors.js"

/** Retry policy of a client (every field optional; `retry: false` disables retries). */
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  readonly maxAttempts?: number | undefined
  /** No retry starts after this many ms since the first attempt (default 30,000). */
  readonly maxElapsedMs?: number | undefined
  /** First backoff step in ms (default 250); doubles per attempt. */
  readonly baseDelayMs?: number | undefined
  /** Cap of one backoff step in ms (default 8,000). */
  readonly maxDelayMs?: number | undefined
}

export interface RetryPolicy {
  readonly maxAttempts: number
  readonly maxElapsedMs: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export const retryPolicy = (options: RetryOptions | false | undefined): RetryPolicy =>
  options === false
    ? { maxAttempts: 1, maxElapsedMs: 0, baseDelayMs: 0, maxDelayMs: 0 }
    : {
        maxAttempts: Math.max(1, options?.maxAttempts ?? 4),
        maxElapsedMs: Math.max(0, options?.maxElapsedMs ?? 30_000),
        baseDelayMs: Math.max(0, options?.baseDelayMs ?? 250),
        maxDelayMs: Math.max(0, options?.maxDelayMs ?? 8_000)
      }

/** "Equal jitter": half the exponential step, plus a random part of the other half. */
export const backoffMs = (policy: RetryPolicy, attempt: number, random: () => number = Math.random): number => {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return step / 2 + random() * (step / 2)
}

/**
 * Statuses worth another attempt of the same request: 429 and 503 (the API's own), 502/504 (a
 * proxy in front of it), and 409 `idempotency_key_in_use` (an earlier attempt of this very
 * request is still running on the server). Writes carry the same `Idempotency-Key` every attempt,
 * so a retry never applies a write twice.
 */
export const isRetryable = (error: NotiflowsError): boolean =>
  error.status === 429 ||
  error.status === 503 ||
  error.status === 502 ||
  error.status === 504 ||
  (error.status === 409 && error.details.reason === "idempotency_key_in_use")

/** `Retry-After` in ms (delta-seconds or HTTP date), else `details.retry_after`, else undefined. */
export const retryAfterMs = (headers: Headers, error: NotiflowsError, now: number): number | undefined => {
  const header = headers.get("retry-after")?.trim()
  if (header !== undefined && header !== "") {
    if (/^\d+$/.test(header)) return Number(header) * 1000
    const date = Date.parse(header)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const seconds = error.details.retry_after
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    }, ms)
    signal?.addEventListener("abort", onAbort, { once: true })
  })
