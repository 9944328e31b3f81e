/**
 * Per-operation time bounds. postgres.js has no per-query timeout: a query sent on a connection
 * whose peer stopped answering waits until TCP gives up (minutes). Every repository call is
 * therefore bounded here: past the bound it fails with `RepositoryError { unavailable: true }`
 * (the HTTP layer answers 503 with `retry_after`) instead of hanging the request.
 *
 * What a time-out means for a write: the client stops waiting, nothing more. The statement (or
 * transaction) already sent is not cancelled; PostgreSQL applies it atomically or not at all.
 * A preference commit is ONE statement (compare-and-set `UPDATE` + history `INSERT` in a CTE), so
 * it is never half-applied: it either lands whole (the caller saw a 503 for a write that did
 * happen: retrying with the same `Idempotency-Key`, or re-reading, resolves it; a merge patch
 * re-applied sets the same values) or not at all. Multi-statement transactions are atomic the
 * same way: a connection lost before `COMMIT` is rolled back by the server.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import {
  CategoryRepository,
  EventRepository,
  IdempotencyRepository,
  JobRepository,
  LinkRepository,
  BrandingRepository,
  NotiflowCatalogRepository,
  PreferenceRepository,
  ProjectRepository,
  RepositoryError,
  ScopedPreferenceRepository,
  TenantRepository,
  UserRepository,
  WebhookDeliveryRepository,
  WebhookRepository
} from "@notiflows/domain"
import { sanitizeCause } from "./errors.js"

/** The cause of a timed-out operation (kept in the process, never answered). */
export class OperationTimeout extends Error {
  readonly code = "OPERATION_TIMEOUT"
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super(`${operation}: no answer from the database within ${timeoutMs} ms`)
    this.name = "OperationTimeout"
  }
}

/** The bound of the repository call in progress: its name (for the error), its time and when it ends. */
interface Bound {
  readonly operation: string
  readonly timeoutMs: number
  /** `Date.now()` past which the call has failed, whatever statements it still makes. */
  readonly deadline: number
}

/** Set by {@link bounded} for the duration of a repository call; read by every driver call in it. */
const currentBound = FiberRef.unsafeMake<Bound | undefined>(undefined)

const timedOut = (bound: Bound): RepositoryError =>
  new RepositoryError({
    operation: bound.operation,
    unavailable: true,
    cause: sanitizeCause(bound.operation, new OperationTimeout(bound.operation, bound.timeoutMs), true)
  })

/**
 * One driver call (a promise) as an Effect failing with `onError(cause)`. Inside a
 * {@link bounded} repository call it races a plain timer: past the bound it fails with an
 * unavailable `RepositoryError` named after the repository call, and the promise is left to
 * settle unobserved (a statement already sent cannot be taken back, see above).
 */
export const driverCall = <A, E>(f: () => Promise<A>, onError: (cause: unknown) => E): Effect.Effect<A, E | RepositoryError> =>
  Effect.flatMap(FiberRef.get(currentBound), (bound) =>
    Effect.async<A, E | RepositoryError>((resume) => {
      let settled = false
      // The repository call's remaining time (one deadline for all of its statements); unref'd so
      // a timer left by an interrupted caller never holds the process open.
      const timer =
        bound === undefined
          ? undefined
          : setTimeout(() => {
              if (settled) return
              settled = true
              resume(Effect.fail(timedOut(bound)))
            }, Math.max(0, bound.deadline - Date.now()))
      timer?.unref()
      const settle = (effect: Effect.Effect<A, E>) => {
        if (settled) return
        settled = true
        if (timer !== undefined) clearTimeout(timer)
        resume(effect)
      }
      try {
        f().then(
          (a) => settle(Effect.succeed(a)),
          (e: unknown) => settle(Effect.fail(onError(e)))
        )
      } catch (e) {
        settle(Effect.fail(onError(e)))
      }
      // No canceler: registering one wraps the wait in an interrupt handler (~9 µs a call). An
      // interrupted caller's fiber ignores a later `resume`; the timer then lapses on its own.
    })
  )

/**
 * Bounds one repository call: every driver call it makes ({@link driverCall}, which `run` and
 * `runTransaction` use) fails past `timeoutMs` with an unavailable `RepositoryError` named
 * `operation`. The bound travels in a FiberRef instead of a forked fiber racing a timer: a fiber
 * per call cost ~20 µs of CPU here (`Effect.timeoutFail`, a race with a sleeping fiber, ~35 µs),
 * on a path every request takes two to six times (docs/performance.md). The bound is one deadline
 * for the whole repository call: however many statements it makes, it fails `timeoutMs` after it
 * began (a call nested in another keeps the earlier of the two deadlines).
 */
export const bounded = <A, E, R>(operation: string, timeoutMs: number, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | RepositoryError, R> =>
  Effect.flatMap(FiberRef.get(currentBound), (outer) => {
    const deadline = Date.now() + timeoutMs
    return Effect.locally(
      effect,
      currentBound,
      outer !== undefined && outer.deadline < deadline ? outer : { operation, timeoutMs, deadline }
    )
  })

/**
 * One promise-returning repository call (e.g. `loadPromise`, the fiberless read path) bounded
 * like {@link bounded}: past `timeoutMs` it rejects with the unavailable `RepositoryError`; the
 * driver's promise is left to settle unobserved.
 */
export const boundedPromise = <A>(operation: string, timeoutMs: number, promise: Promise<A>): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut({ operation, timeoutMs, deadline: 0 })), timeoutMs)
    timer.unref()
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      }
    )
  })

/** The same service with every method that returns an Effect or a Promise bounded by `timeoutMs`. */
export const boundService = <S extends object>(port: string, service: S, timeoutMs: number): S => {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(service)) {
    out[name] =
      typeof value === "function"
        ? (...args: Array<unknown>) => {
            const result: unknown = (value as (...a: Array<unknown>) => unknown).apply(service, args)
            if (Effect.isEffect(result)) return bounded(`${port}.${name}`, timeoutMs, result)
            return result instanceof Promise ? boundedPromise(`${port}.${name}`, timeoutMs, result) : result
          }
        : value
  }
  return out as S
}

/**
 * Every storage port the drizzle layers provide, with its name in time-out messages: the one
 * list both the layers' type ({@link Repositories}) and {@link boundRepositories} derive from.
 */
const PORTS = [
  [PreferenceRepository, "preferences"],
  [UserRepository, "users"],
  [NotiflowCatalogRepository, "notiflows"],
  [ProjectRepository, "projects"],
  [IdempotencyRepository, "idempotency"],
  [CategoryRepository, "categories"],
  [TenantRepository, "tenants"],
  [ScopedPreferenceRepository, "scopedPreferences"],
  [EventRepository, "events"],
  [LinkRepository, "links"],
  [BrandingRepository, "branding"],
  [WebhookRepository, "webhooks"],
  [WebhookDeliveryRepository, "webhookDeliveries"],
  [JobRepository, "jobs"]
] as const

/** The storage ports of the domain. */
export type Repositories = Context.Tag.Identifier<(typeof PORTS)[number][0]>

/** Replaces one port of a context by its time-bounded copy. */
const boundPort = <I, S extends object>(context: Context.Context<I>, tag: Context.Tag<I, S>, port: string, timeoutMs: number): Context.Context<I> =>
  Context.add(context, tag, boundService(port, Context.get(context, tag), timeoutMs))

/** Bounds every repository port of a layer (no bound when `timeoutMs` is undefined or 0). */
export const boundRepositories = <E, R, Out extends Repositories>(layer: Layer.Layer<Out, E, R>, timeoutMs: number | undefined): Layer.Layer<Out, E, R> =>
  timeoutMs === undefined || timeoutMs <= 0
    ? layer
    : Layer.map(layer, (context) => {
        let out = context as Context.Context<Repositories>
        for (const [tag, port] of PORTS) out = boundPort(out, tag as Context.Tag<Repositories, object>, port, timeoutMs)
        return out as Context.Context<Out>
      })
