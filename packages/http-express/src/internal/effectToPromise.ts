/**
 * Effect → Promise at the router's edge (the opposite of the drizzle adapter's
 * `promiseToEffect`): runs a use case on the host's runtime and turns its failure into a thrown
 * value the router maps — the typed error as is, a defect or interruption as `InternalError`
 * (its cause is logged, never answered).
 */
import * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import type {
  BrandingRepository,
  CategoryRepository,
  EventRepository,
  JobRepository,
  LinkRepository,
  NotiflowCatalogRepository,
  PreferenceRepository,
  ProjectRepository,
  ScopedPreferenceRepository,
  TenantRepository,
  UserRepository,
  WebhookDeliveryRepository,
  WebhookRepository
} from "@notiflows/domain"
import { InternalError } from "../HttpErrors.js"

/** The services the router's use cases need. */
export type RouterServices =
  | PreferenceRepository
  | UserRepository
  | NotiflowCatalogRepository
  | ProjectRepository
  | CategoryRepository
  | TenantRepository
  | ScopedPreferenceRepository
  | EventRepository
  | LinkRepository
  | BrandingRepository
  | WebhookRepository
  | WebhookDeliveryRepository
  | JobRepository

/** The runtime a host passes to `makeRouter`. */
export type RouterRuntime = ManagedRuntime.ManagedRuntime<RouterServices, never>

/** Runs `effect` to a Promise; rejects with its typed error, or `InternalError` for anything else. */
export const run = async <A, E, R>(runtime: ManagedRuntime.ManagedRuntime<R, never>, effect: Effect.Effect<A, E, R>): Promise<A> => {
  const exit = await runtime.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) throw failure.value
  throw new InternalError({ cause: Cause.squash(exit.cause) })
}

/**
 * A value the router derives once per runtime by running `build` (e.g. the fiberless paths it
 * offers): started on first use, `undefined` until it is built — callers take their use-case path
 * meanwhile — and for good when building fails.
 */
export const perRuntime = <A>(build: Effect.Effect<A, never, RouterServices>): ((runtime: RouterRuntime) => A | undefined) => {
  const built = new WeakMap<RouterRuntime, { value: A | undefined }>()
  return (runtime) => {
    const known = built.get(runtime)
    if (known !== undefined) return known.value
    const slot: { value: A | undefined } = { value: undefined }
    built.set(runtime, slot)
    runtime.runPromise(build).then(
      (a) => {
        slot.value = a
      },
      () => undefined
    )
    return undefined
  }
}
