/**
 * One claim engine for the service's leased background work (issue 14): webhook deliveries
 * (EVENTS.md §4.3) and bulk jobs (BULK.md §1.2) are two {@link WorkKind}s of the same loop.
 *
 * A kind's storage claims due rows with a lease (`FOR UPDATE SKIP LOCKED` and the database's
 * clock), so any number of instances cooperate, and a lease that expired (its instance died) is
 * claimable again: a crash is taken over by the next claim, anywhere. The loop:
 * - runs the kind's `prepare` (work that feeds the queue, e.g. webhook dispatch), then claims up to
 *   its free capacity (`maxInFlight` minus the items running) and starts each item at once in its
 *   own fiber (never more claimed than can start: no claimed item waits in a queue while its lease
 *   runs);
 *   an item renews or releases its own lease (a job's heartbeat; a delivery's lease outlives its
 *   attempt timeout) and records its outcome, including when to retry it;
 * - looks again at once when a claim came back full, an item ended or the kind's `wakeup` fired,
 *   else after `pollMs`;
 * - after a failed step (the database is down) reports it, `first` only for the first failure
 *   since a healthy round (one log line per outage), and pauses `failurePauseMs` before the next;
 * - stops when interrupted (the service's scope closes): the items in flight are interrupted with
 *   it and their leases lapse, so another instance, or this one after a restart, takes them over.
 *
 * {@link groupCommit} batches the items' writes (one statement for every outcome ready at once).
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"

/** The loop's steps, as named to {@link WorkKind.failed}. */
export type WorkStep = "prepare" | "claim" | "run"

/** One kind of leased work (`R`: the services its steps need). */
export interface WorkKind<A, E, R = never> {
  /** Items running at once on this instance. */
  readonly maxInFlight: number
  /** How often an idle loop looks for work. */
  readonly pollMs: number
  /** The pause after a failed step, before the next round. */
  readonly failurePauseMs: number
  /** Before each claim: work that feeds the queue (`Effect.void` when none). */
  readonly prepare: Effect.Effect<void, E, R>
  /** Claims up to `limit` due items, each under a lease held for this instance. */
  readonly claim: (limit: number) => Effect.Effect<ReadonlyArray<A>, E, R>
  /** Runs one claimed item to its recorded outcome. */
  readonly run: (item: A) => Effect.Effect<void, E, R>
  /** Reports a failed step (`first`: the first since a healthy round). */
  readonly failed: (step: WorkStep, cause: Cause.Cause<E>, first: boolean) => Effect.Effect<void>
  /** An outside hint that work is due (e.g. a job stored by this instance): ends an idle wait at once. */
  readonly wakeup?: Effect.Effect<void>
}

/** Runs a kind's loop until interrupted. */
export const runWorkQueue = <A, E, R>(kind: WorkKind<A, E, R>): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    const wake = yield* Queue.sliding<void>(1)
    const fibers = yield* FiberSet.make<void, never>()
    let inFlight = 0
    // A step failed since the last pause; `warned`: the outage was reported already.
    let failing = false
    let warned = false
    const fail =
      (step: WorkStep) =>
      (cause: Cause.Cause<E>): Effect.Effect<void> =>
        Cause.isInterruptedOnly(cause)
          ? Effect.void
          : Effect.suspend(() => {
              const first = !warned
              failing = true
              warned = true
              return kind.failed(step, cause, first)
            })
    const release = Effect.sync(() => {
      inFlight--
      wake.unsafeOffer(undefined)
    })
    const round = Effect.gen(function* () {
      if (failing) {
        failing = false
        yield* Effect.sleep(kind.failurePauseMs)
      }
      yield* kind.prepare.pipe(Effect.catchAllCause(fail("prepare")))
      const capacity = kind.maxInFlight - inFlight
      if (capacity <= 0) return false
      const claimed = yield* kind.claim(capacity).pipe(Effect.catchAllCause((cause) => Effect.as(fail("claim")(cause), [])))
      for (const item of claimed) {
        inFlight++
        yield* FiberSet.run(fibers, kind.run(item).pipe(Effect.catchAllCause(fail("run")), Effect.ensuring(release)))
      }
      return claimed.length === capacity
    })
    while (true) {
      const full = yield* round
      if (!failing) warned = false
      if (!full) {
        const idle = Effect.raceFirst(Queue.take(wake), Effect.sleep(kind.pollMs))
        yield* kind.wakeup === undefined ? idle : Effect.raceFirst(idle, kind.wakeup)
        // Items of one batch end together: let them all release before claiming for their slots.
        yield* Effect.yieldNow()
      }
    }
  }).pipe(Effect.scoped)

/**
 * Group commit: `write` stores a batch of items' results in one step and answers one result per
 * item, in order. The function returned submits one item and waits for its result; while a write
 * runs, the items submitted meanwhile gather into the next one (at most `maxBatch` per write), so
 * under load each statement carries many outcomes and an idle one carries one, without delay.
 * A failed write fails every item of its batch.
 */
export const groupCommit = <I, O, E>(
  write: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>, E>,
  maxBatch: number
): Effect.Effect<(item: I) => Effect.Effect<O, E>> =>
  Effect.sync(() => {
    let waiting: Array<{ readonly item: I; readonly done: Deferred.Deferred<O, E> }> = []
    let writing = false
    const drain: Effect.Effect<void> = Effect.suspend(() => {
      if (waiting.length === 0) {
        writing = false
        return Effect.void
      }
      const batch = waiting.slice(0, maxBatch)
      waiting = waiting.slice(batch.length)
      return write(batch.map((w) => w.item)).pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.forEach(batch, (w, i) =>
            Deferred.done(w.done, Exit.isSuccess(exit) ? Exit.succeed(exit.value[i] as O) : Exit.failCause(exit.cause))
          )
        ),
        Effect.zipRight(drain)
      )
    })
    return (item: I) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<O, E>()
        waiting.push({ item, done })
        if (!writing) {
          writing = true
          // The writer runs detached from the submitting fiber: its interruption must not strand the others.
          yield* Effect.forkDaemon(drain)
        }
        return yield* Deferred.await(done)
      })
  })
