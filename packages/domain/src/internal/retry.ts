import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import { VersionConflict, WriteContention } from "../Errors.js"

/** Retries caused by concurrent writers (exported to /metrics by the transport). */
export const versionConflictRetries = Metric.counter("notiflows_version_conflict_retries_total", {
  description: "Optimistic writes retried because a concurrent writer committed first",
  incremental: true
})

/** Writes that gave up against concurrent writers. */
export const writeContentionFailures = Metric.counter("notiflows_write_contention_total", {
  description: "Writes that gave up after retrying against concurrent writers",
  incremental: true
})

/** How long optimistic writes keep retrying against concurrent writers. */
export const MAX_ATTEMPTS = 100

/**
 * Runs `attempt` until it does not fail with `VersionConflict`. Early retries only yield (the
 * winner usually finished already); later ones back off with full jitter, capped at 50 ms.
 * After {@link MAX_ATTEMPTS} the write gives up with `WriteContention` (API.md: 503).
 */
export const retryOnConflict = <A, E, R>(
  attempt: Effect.Effect<A, E | VersionConflict, R>
): Effect.Effect<A, Exclude<E, VersionConflict> | WriteContention, R> => {
  const loop = (n: number): Effect.Effect<A, Exclude<E, VersionConflict> | WriteContention, R> =>
    Effect.catchIf(
      attempt,
      (e): e is VersionConflict => e instanceof VersionConflict,
      () => {
        if (n >= MAX_ATTEMPTS) {
          return Effect.zipRight(
            Metric.increment(writeContentionFailures),
            Effect.fail(new WriteContention({ attempts: n, retryAfterSeconds: 1 }))
          )
        }
        const pause =
          n < 3
            ? Effect.yieldNow()
            : Effect.flatMap(Random.nextIntBetween(0, Math.min(50, 2 ** (n - 2)) + 1), (ms) => Effect.sleep(ms))
        return Effect.zipRight(Effect.zipRight(Metric.increment(versionConflictRetries), pause), loop(n + 1))
      }
    ) as Effect.Effect<A, Exclude<E, VersionConflict> | WriteContention, R>
  return loop(1)
}
