/**
 * An in-process hint that a bulk job was stored (BULK.md §1.2): the submitting instance's
 * executor claims it at once instead of at its next poll. Optional: `submitBulk` signals it when
 * the context has one; executors of other instances (and without one) find jobs by polling.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"

export class JobWakeup extends Context.Tag("@notiflows/domain/JobWakeup")<
  JobWakeup,
  {
    /** A job was stored (signals coalesce: one waiting wake-up at most). */
    readonly signal: Effect.Effect<void>
    /** Waits for a signal (at once when one is waiting). */
    readonly wait: Effect.Effect<void>
  }
>() {}

/** A wake-up for one process. */
export const makeJobWakeup: Effect.Effect<JobWakeup["Type"]> = Effect.map(Queue.sliding<void>(1), (queue) => ({
  signal: Effect.asVoid(Queue.offer(queue, undefined)),
  wait: Queue.take(queue)
}))

/** Signals the context's wake-up, if any. */
export const signalJobStored: Effect.Effect<void> = Effect.flatMap(Effect.serviceOption(JobWakeup), (w) => (w._tag === "Some" ? w.value.signal : Effect.void))
