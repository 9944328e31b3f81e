/**
 * The fiberless snapshot read (domain DirectReads.ts) of a router's runtime: built once, on the
 * first request, from the runtime's caches and repository. Until it is built, and for runtimes
 * without caches or `loadPromise`, every read runs `getScopedPreferences`.
 */
import type { DirectSnapshot, ExternalUserId, ProjectId, Scope, ScopedSnapshot } from "@notiflows/domain"
import { directSnapshots, getScopedPreferences } from "@notiflows/domain"
import * as Option from "effect/Option"
import type { RouterRuntime } from "./effectToPromise.js"
import { run } from "./effectToPromise.js"

/** Per runtime: `undefined` while being built, then the read or `null` (none). */
const built = new WeakMap<RouterRuntime, DirectSnapshot | null | undefined>()

const directOf = (runtime: RouterRuntime): DirectSnapshot | undefined => {
  if (built.has(runtime)) return built.get(runtime) ?? undefined
  built.set(runtime, undefined)
  runtime.runPromise(directSnapshots).then(
    (read) => built.set(runtime, Option.getOrNull(read)),
    () => built.set(runtime, null)
  )
  return undefined
}

/** The user's snapshot in a scope: from the fiberless read when the caches hold every other part, else the use case. */
export const snapshotOf = (runtime: RouterRuntime, projectId: ProjectId, externalId: ExternalUserId, scope: Scope): Promise<ScopedSnapshot> =>
  directOf(runtime)?.(projectId, externalId, scope) ?? run(runtime, getScopedPreferences(projectId, externalId, scope))
