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
import type { LinkUser } from "./LinkRepository.js"
import type { ExternalUserId, ProjectId, UserId } from "./Preferences.js"
import type { TenantDefaults } from "./PreferencesV2.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import type { ScopedSnapshot } from "./ScopedPreferenceService.js"
import type { Scope } from "./Tenants.js"

/** A snapshot's promise, or `undefined`: run `getScopedPreferences` instead. */
export type DirectSnapshot = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope) => Promise<ScopedSnapshot> | undefined

/**
 * A link token's user and its snapshot in `scope`, by the user's internal id, in one statement;
 * the promise answers `undefined` for an unknown user. `undefined` instead of a promise: a cached
 * part is missing (read the user, then the snapshot, as without this).
 */
export type DirectLinkedSnapshot = (
  projectId: ProjectId,
  userId: UserId,
  scope: Scope
) => Promise<{ readonly user: LinkUser; readonly snapshot: ScopedSnapshot } | undefined> | undefined

/** A snapshot's parts other than the user's sets, as the caches hold them now; `undefined` when one is missing. */
type Parts = Pick<ScopedSnapshot, "scope" | "tenant" | "catalog" | "defaults">

const partsFrom = (cachedView: ProjectViewPeek["Type"], cachedModel: ModelPeek["Type"]) => (projectId: ProjectId, scope: Scope): Parts | undefined => {
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
  return { scope, tenant, catalog: catalogOf(notiflows, categories, memberships), defaults: project.value.defaults }
}

/** The caches' parts and the repository, when the context offers the peeks and the repository `pick`s method. */
const withParts = <M>(pick: (repo: ScopedPreferenceRepository["Type"]) => M | undefined) =>
  Effect.gen(function* () {
    const view = yield* Effect.serviceOption(ProjectViewPeek)
    const model = yield* Effect.serviceOption(ModelPeek)
    const repo = yield* Effect.serviceOption(ScopedPreferenceRepository)
    const method = Option.isSome(repo) ? pick(repo.value) : undefined
    if (Option.isNone(view) || Option.isNone(model) || method === undefined) return undefined
    return { parts: partsFrom(view.value, model.value), method }
  })

/**
 * A fiberless read: the repository's promise method `pick` (by project, `key` and scope), its
 * answer completed with the caches' parts by `answer`; `undefined` instead of a promise when a
 * part is missing, `None` when the context lacks the peeks or the method.
 */
const fiberlessRead = <K, S, A>(
  pick: (repo: ScopedPreferenceRepository["Type"]) => ((projectId: ProjectId, key: K, scope: Scope) => Promise<S>) | undefined,
  answer: (stored: S, parts: Parts, key: K) => A
): Effect.Effect<Option.Option<(projectId: ProjectId, key: K, scope: Scope) => Promise<A> | undefined>> =>
  Effect.map(withParts(pick), (found) => {
    if (found === undefined) return Option.none()
    const { method: load, parts } = found
    return Option.some((projectId: ProjectId, key: K, scope: Scope) => {
      const p = parts(projectId, scope)
      return p === undefined ? undefined : load(projectId, key, scope).then((stored) => answer(stored, p, key))
    })
  })

/**
 * The fiberless snapshot read over the context's caches and repository; `None` when the context
 * has no caches' peeks or its repository no `loadPromise` (every read then runs the use case).
 */
export const directSnapshots: Effect.Effect<Option.Option<DirectSnapshot>> = fiberlessRead(
  (r) => r.loadPromise,
  (stored, parts, externalId: ExternalUserId): ScopedSnapshot => {
    if (stored === undefined) throw new UserNotFound({ externalId })
    return { ...stored, ...parts }
  }
)

/**
 * A link's user and snapshot in one statement (the repository's `loadLinkedPromise`) over the
 * caches' parts; `None` when the context lacks the peeks or the method.
 */
export const directLinkedSnapshots: Effect.Effect<Option.Option<DirectLinkedSnapshot>> = fiberlessRead(
  (r) => r.loadLinkedPromise,
  (linked, parts) => (linked === undefined ? undefined : { user: linked.user, snapshot: { ...linked.stored, ...parts } })
)
