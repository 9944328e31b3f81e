/**
 * The retry schedule of EVENTS.md §4.3: attempts at 0, then after 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h, 24 h (10 attempts, ~75 h), each delay ×(0.8–1.2) jitter; a `Retry-After`
 * (seconds or an HTTP date) raises the next delay to at least that, capped at 24 h. The time scale
 * multiplies delays and `Retry-After`, never timeouts.
 */
const S = 1000
const M = 60 * S
const H = 60 * M

/** The delay before attempt n+1, for n = 1…9. */
export const RETRY_DELAYS_MS: ReadonlyArray<number> = [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1
export const RETRY_AFTER_CAP_MS = 24 * H

/**
 * The delay after failed attempt `attempt` (1-based), or `undefined` when it was the last.
 * `random` in [0, 1) draws the jitter; `retryAfterSeconds` is the receiver's, unscaled.
 */
export const nextDelayMs = (attempt: number, scale: number, retryAfterSeconds: number | null, random: number = Math.random()): number | undefined => {
  const base = RETRY_DELAYS_MS[attempt - 1]
  if (base === undefined) return undefined
  const jittered = base * (0.8 + 0.4 * random)
  const floor = retryAfterSeconds === null ? 0 : Math.min(retryAfterSeconds * S, RETRY_AFTER_CAP_MS)
  return Math.max(jittered, floor) * scale
}

/** `Retry-After` as seconds from `now` (delta-seconds or an HTTP date); `null` when absent or malformed. */
export const parseRetryAfter = (value: string | undefined, now: number): number | null => {
  if (value === undefined) return null
  const v = value.trim()
  if (/^[0-9]{1,10}$/.test(v)) return Math.min(Number(v), RETRY_AFTER_CAP_MS / S)
  const at = Date.parse(v)
  if (Number.isNaN(at) || !/[A-Za-z]/.test(v)) return null
  return Math.min(Math.max(0, Math.ceil((at - now) / S)), RETRY_AFTER_CAP_MS / S)
}
