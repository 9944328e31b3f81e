/**
 * The fiberless snapshot read and merge-patch write (domain DirectReads.ts, DirectWrites.ts) of a
 * router's runtime: built once, on the first request, from the runtime's caches and repository.
 * Until they are built, and for runtimes without caches, `loadPromise` or `commitPromise`, every
 * read and write runs its use case.
 */
import type { DirectUpdateInput, ExternalUserId, ProjectId, Scope, ScopedSnapshot } from "@notiflows/domain"
import { directSnapshots, directUpdates, getScopedPreferences, retryScopedUpdate, updateScopedPreferences } from "@notiflows/domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { RouterRuntime } from "./effectToPromise.js"
import { perRuntime, run } from "./effectToPromise.js"

/** The fiberless read and write the runtime offers (each `undefined` when it offers none). */
const fiberlessOf = perRuntime(
  Effect.map(Effect.all([directSnapshots, directUpdates]), ([read, update]) => ({ read: Option.getOrUndefined(read), update: Option.getOrUndefined(update) }))
)

let inFlight = 0
/** Counts a fiberless read or write while it runs (the host's in-flight gauge counts use cases by their runs). */
export const counted = <A>(p: Promise<A>): Promise<A> => {
  inFlight++
  return p.finally(() => inFlight--)
}

/** Fiberless reads and writes running now, in this process (Metrics.ts adds them to `notiflows_use_cases_in_flight`). */
export const fiberlessInFlight = (): number => inFlight

const directRead = (runtime: RouterRuntime, projectId: ProjectId, externalId: ExternalUserId, scope: Scope): Promise<ScopedSnapshot> | undefined => {
  const read = fiberlessOf(runtime)?.read?.(projectId, externalId, scope)
  return read === undefined ? undefined : counted(read)
}

/** The user's snapshot in a scope: from the fiberless read when the caches hold every other part, else the use case. */
export const snapshotOf = (runtime: RouterRuntime, projectId: ProjectId, externalId: ExternalUserId, scope: Scope): Promise<ScopedSnapshot> =>
  directRead(runtime, projectId, externalId, scope) ?? run(runtime, getScopedPreferences(projectId, externalId, scope))

/**
 * A merge-patch write: read and first attempt without fibers when the runtime allows; after a
 * lost compare-and-set, the use case retries on fresh reads. Otherwise the use case throughout.
 */
export const updateOf = async (
  runtime: RouterRuntime,
  input: Omit<DirectUpdateInput, "current">,
  /** The snapshot the caller already read and decided on (else it is read here). */
  found?: ScopedSnapshot
): Promise<ScopedSnapshot> => {
  const update = fiberlessOf(runtime)?.update
  const current = found ?? (await snapshotOf(runtime, input.projectId, input.externalId, input.scope))
  if (update === undefined) return run(runtime, updateScopedPreferences({ ...input, current }))
  return (await counted(update({ ...input, current }))) ?? run(runtime, retryScopedUpdate(input))
}
