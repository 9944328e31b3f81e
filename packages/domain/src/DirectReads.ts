/**
 * A user's snapshot without a fiber: `getScopedPreferences` for a read the caches answer but for
 * the user's own sets. Every part other than the sets comes from what the caches hold right now
 * (CachedParts.ts), the sets from the repository's `loadPromise`: one statement, no effect run.
 * The answer is the one `getScopedPreferences` gives (the same snapshot, `UserNotFound` for an
 * unknown user, `RepositoryError` from storage); when any cached part is missing, loading or
 * past the caches' bound, or the project is unknown, it gives `undefined` and the caller runs
 * the use case (which loads the parts and fills the caches).
 *
 * Why: a preference read's CPU is mostly outside the domain, and running it as an effect (a
 * fiber, its scheduling and the async hop of the query) was ~15% of a `GET`'s CPU
 * (docs/performance.md, eighth session).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ModelPeek, ProjectViewPeek } from "./CachedParts.js"
import { UserNotFound } from "./Errors.js"
import { catalogOf, NO_MEMBERSHIPS } from "./internal/catalogOf.js"
import type { ExternalUserId, ProjectId } from "./Preferences.js"
import type { TenantDefaults } from "./PreferencesV2.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import type { ScopedSnapshot } from "./ScopedPreferenceService.js"
import type { Scope } from "./Tenants.js"

/** A snapshot's promise, or `undefined`: run `getScopedPreferences` instead. */
export type DirectSnapshot = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope) => Promise<ScopedSnapshot> | undefined

/**
 * The fiberless snapshot read over the context's caches and repository; `None` when the context
 * has no caches' peeks or its repository no `loadPromise` (every read then runs the use case).
 */
export const directSnapshots: Effect.Effect<Option.Option<DirectSnapshot>> = Effect.gen(function* () {
  const view = yield* Effect.serviceOption(ProjectViewPeek)
  const model = yield* Effect.serviceOption(ModelPeek)
  const repo = yield* Effect.serviceOption(ScopedPreferenceRepository)
  const load = Option.isSome(repo) ? repo.value.loadPromise : undefined
  if (Option.isNone(view) || Option.isNone(model) || load === undefined) return Option.none()
  const cachedView = view.value
  const cachedModel = model.value
  const snapshot: DirectSnapshot = (projectId, externalId, scope) => {
    const notiflows = cachedView.notiflows(projectId)
    const project = cachedView.project(projectId)
    const categories = cachedModel.categories(projectId)
    if (notiflows === undefined || project === undefined || Option.isNone(project) || categories === undefined) return undefined
    const memberships = categories.length === 0 ? NO_MEMBERSHIPS : cachedModel.memberships(projectId)
    if (memberships === undefined) return undefined
    let tenant: TenantDefaults | undefined
    if (scope._tag === "Tenant") {
      const stored = cachedModel.tenantDefaults(projectId, scope.tenantId)
      if (stored === undefined) return undefined
      tenant = stored.defaults
    }
    const catalog = catalogOf(notiflows, categories, memberships)
    const defaults = project.value.defaults
    return load(projectId, externalId, scope).then((stored): ScopedSnapshot => {
      if (stored === undefined) throw new UserNotFound({ externalId })
      return { ...stored, scope, tenant, catalog, defaults }
    })
  }
  return Option.some(snapshot)
})
