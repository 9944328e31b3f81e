/**
 * A preference write without a fiber: the first attempt of `updateScopedPreferences` on the
 * snapshot the caller read (DirectReads.ts), with the same plan (`planScopedWrite`: decode,
 * locks, precondition, diff, ledger entry and event) and the repository's `commitPromise`. It
 * answers what the use case answers, except when the compare-and-set loses to a concurrent
 * writer: then it gives `undefined` and the caller runs {@link retryScopedUpdate}, the use case
 * with its retries on a fresh read (counted like any retry).
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import { PreconditionFailed, UserNotFound, ValidationFailed, VersionConflict } from "./Errors.js"
import type { Audience } from "./Preferences.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import type { ScopedPrecondition, ScopedSnapshot, ScopedWriteTarget } from "./ScopedPreferenceService.js"
import { afterCommit, patchNext, planScopedWrite, updateScopedPreferences } from "./ScopedPreferenceService.js"
import { versionConflictRetries } from "./internal/retry.js"

/** A merge-patch write (`PUT …/preferences`) on the snapshot `current`. */
export interface DirectUpdateInput extends ScopedWriteTarget {
  readonly audience: Audience
  readonly body: unknown
  readonly precondition?: ScopedPrecondition
  readonly current: ScopedSnapshot
}

/**
 * The snapshot after the write; rejects with the use case's errors (`ValidationFailed`,
 * `PreconditionFailed`, `UserNotFound`, `RepositoryError`); `undefined` when a concurrent writer
 * won the compare-and-set.
 */
export type DirectUpdate = (input: DirectUpdateInput) => Promise<ScopedSnapshot | undefined>

/** The fiberless write over the context's repository; `None` when it has no `commitPromise`. */
export const directUpdates: Effect.Effect<Option.Option<DirectUpdate>> = Effect.map(Effect.serviceOption(ScopedPreferenceRepository), (repo) => {
  const commit = Option.isSome(repo) ? repo.value.commitPromise : undefined
  if (commit === undefined) return Option.none()
  const update: DirectUpdate = async (input) => {
    const plan = planScopedWrite(input, input.current, patchNext(input.body, input.audience), input.precondition, "patch", Date.now())
    if (plan instanceof ValidationFailed || plan instanceof PreconditionFailed) throw plan
    if (plan._tag === "Unchanged") return plan.snapshot
    const saved = await commit(plan.commit)
    if (saved instanceof VersionConflict) return undefined
    if (saved instanceof UserNotFound) throw new UserNotFound({ externalId: input.externalId })
    return afterCommit(plan, saved)
  }
  return Option.some(update)
})

/** After a direct write lost its compare-and-set: one retry counted, then the use case reads afresh and retries as usual. */
export const retryScopedUpdate = (input: Omit<DirectUpdateInput, "current">) =>
  Effect.zipRight(Metric.increment(versionConflictRetries), updateScopedPreferences(input))
