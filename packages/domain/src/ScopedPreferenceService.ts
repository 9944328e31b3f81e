/**
 * Use cases over preferences in a scope (MODEL.md §2–§6): views, merge patch with locks, reset,
 * history, evaluation. The global scope is the v1 set; a tenant scope reads the global set too.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CategoryRepository } from "./CategoryRepository.js"
import { PreconditionFailed, UserNotFound, ValidationFailed } from "./Errors.js"
import { preferencesUpdatedEvent } from "./Events.js"
import type { HistoryInput, Operation, ScopedHistoryEntry } from "./History.js"
import { ledgerFields } from "./History.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import type { Page, SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import { applyPatchV2, decodePatchV2, diffV2 } from "./PatchV2.js"
import type { WriteContext } from "./PreferenceService.js"
import { loadProjectView } from "./PreferenceService.js"
import type { Audience, ExternalUserId, ProjectDefaults, ProjectId, UserId } from "./Preferences.js"
import { isConfigurable } from "./Preferences.js"
import type { PreferenceChoicesV2, PreferenceSetV2, TenantDefaults } from "./PreferencesV2.js"
import { emptyChoicesV2 } from "./PreferencesV2.js"
import type { ResolutionInput } from "./Resolution.js"
import type { ScopedCommit } from "./ScopedPreferenceRepository.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import { TenantRepository } from "./TenantRepository.js"
import type { Scope } from "./Tenants.js"
import type { ModelCatalog } from "./ViewV2.js"
import { categoryLookup, explicitViewV2, notiflowLookup, viewV2 } from "./ViewV2.js"
import { viewV2Text } from "./ViewV2Text.js"
import { catalogOf, NO_MEMBERSHIPS } from "./internal/catalogOf.js"
import { retryOnConflict } from "./internal/retry.js"

/** Everything a scope's representation is computed from. */
export interface ScopedSnapshot {
  readonly userId: UserId
  readonly externalId: ExternalUserId
  readonly scope: Scope
  readonly global: PreferenceSetV2
  /** The scope's own set (the global set again in the global scope). */
  readonly scoped: PreferenceSetV2
  readonly tenant: TenantDefaults | undefined
  readonly catalog: ModelCatalog
  readonly defaults: ProjectDefaults
}

/** A precondition on the current snapshot (`If-Match`), re-checked on every retry. */
export type ScopedPrecondition = (snapshot: ScopedSnapshot) => string | undefined

/** The catalog of v2 (notiflows, categories, memberships) and the project defaults. */
export const loadModelCatalog = (projectId: ProjectId) =>
  Effect.gen(function* () {
    const [notiflows, defaults] = yield* loadProjectView(projectId)
    const repo = yield* CategoryRepository
    const categories = yield* repo.list(projectId)
    const memberships = categories.length === 0 ? NO_MEMBERSHIPS : yield* repo.memberships(projectId)
    return [catalogOf(notiflows, categories, memberships), defaults] as const
  })

/** The tenant's defaults of a scope (none for the global set). */
export const tenantDefaultsOf = (projectId: ProjectId, scope: Scope) =>
  scope._tag === "Global"
    ? Effect.succeed(undefined)
    : Effect.map(
        Effect.flatMap(TenantRepository, (t) => t.loadDefaults(projectId, scope.tenantId)),
        (s): TenantDefaults => s.defaults
      )

/** The resolution input of a snapshot (R1's sets and tenant defaults). */
export const resolutionOf = (s: ScopedSnapshot): ResolutionInput =>
  s.scope._tag === "Global" ? { global: s.global, tenantSet: undefined, tenant: undefined } : { global: s.global, tenantSet: s.scoped, tenant: s.tenant }

/** Loads a user's snapshot in a scope; fails with `UserNotFound`. Reading never creates a set or a tenant. */
export const getScopedPreferences = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope) =>
  Effect.gen(function* () {
    const [catalog, defaults] = yield* loadModelCatalog(projectId)
    const tenant = yield* tenantDefaultsOf(projectId, scope)
    const stored = yield* Effect.flatMap(ScopedPreferenceRepository, (r) => r.load(projectId, externalId, scope))
    if (Option.isNone(stored)) return yield* Effect.fail(new UserNotFound({ externalId }))
    const snapshot: ScopedSnapshot = { ...stored.value, scope, tenant, catalog, defaults }
    return snapshot
  })

/** The global or tenant view of a snapshot (M§4). */
export const scopedView = (s: ScopedSnapshot, audience: Audience) => viewV2(resolutionOf(s), s.catalog, s.defaults, audience)

/** `JSON.stringify(scopedView(s, audience))`, written from entries (ViewV2Text.ts). */
export const scopedViewText = (s: ScopedSnapshot, audience: Audience): string => viewV2Text(resolutionOf(s), s.catalog, s.defaults, audience)

/** The explicit view of the snapshot's scope. */
export const scopedExplicitView = (s: ScopedSnapshot, audience: Audience) => explicitViewV2(s.scoped, s.catalog, audience)

/** Whose set a write changes, and who writes. */
export interface ScopedWriteTarget {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly scope: Scope
  readonly context: WriteContext
}

/** A write's next choices on a snapshot, or its refusal (pure: DirectWrites.ts runs it too). */
export type ScopedNext = (s: ScopedSnapshot) => PreferenceChoicesV2 | ValidationFailed

/** What one attempt of a write does with its snapshot: nothing (no change), or this commit. */
export type ScopedWritePlan =
  | { readonly _tag: "Unchanged"; readonly snapshot: ScopedSnapshot }
  | { readonly _tag: "Commit"; readonly snapshot: ScopedSnapshot; readonly commit: ScopedCommit }

/**
 * One attempt of a write on `snapshot`, decided without effects: the next choices (or the body's
 * refusal), the precondition, the diff; when something changes, the compare-and-set commit at
 * the snapshot's version with its ledger entry and event, stamped `now`.
 */
export const planScopedWrite = (
  input: ScopedWriteTarget,
  snapshot: ScopedSnapshot,
  next: ScopedNext,
  precondition: ScopedPrecondition | undefined,
  operation: Operation,
  now: number
): ScopedWritePlan | ValidationFailed | PreconditionFailed => {
  const next_ = next(snapshot)
  if (next_ instanceof ValidationFailed) return next_
  const choices: PreferenceChoicesV2 = { channel_types: next_.channel_types, categories: next_.categories, notiflows: next_.notiflows }
  const current = precondition?.(snapshot)
  if (current !== undefined) return new PreconditionFailed({ current })
  const changes = diffV2(snapshot.scoped, choices)
  if (changes.length === 0) return { _tag: "Unchanged", snapshot }
  const history: HistoryInput = {
    actor: input.context.actor,
    request_id: input.context.requestId,
    changed_at: new Date(now),
    changes,
    ...ledgerFields(input.context, operation)
  }
  const expectedVersion = snapshot.scoped.version
  const tenantId = input.scope._tag === "Global" ? null : input.scope.tenantId
  const commit: ScopedCommit = {
    projectId: input.projectId,
    userId: snapshot.userId,
    scope: input.scope,
    expectedVersion,
    choices,
    history,
    event: preferencesUpdatedEvent({ externalId: input.externalId, tenantId, version: expectedVersion + 1, preferences: choices, history })
  }
  return { _tag: "Commit", snapshot, commit }
}

/** The snapshot after its plan's commit stored `saved`. */
export const afterCommit = (plan: Extract<ScopedWritePlan, { _tag: "Commit" }>, saved: PreferenceSetV2): ScopedSnapshot => ({
  ...plan.snapshot,
  scoped: saved,
  global: plan.commit.scope._tag === "Global" ? saved : plan.snapshot.global
})

const writeScoped = (
  input: ScopedWriteTarget & { readonly current?: ScopedSnapshot | undefined },
  next: ScopedNext,
  precondition: ScopedPrecondition | undefined,
  operation: Operation
) =>
  Effect.gen(function* () {
    const repo = yield* ScopedPreferenceRepository
    // The caller's snapshot serves the first attempt only: if it is stale, the commit's
    // compare-and-set fails and the retry reads afresh.
    let given = input.current
    const load = Effect.suspend(() => {
      const s = given
      given = undefined
      return s !== undefined ? Effect.succeed(s) : getScopedPreferences(input.projectId, input.externalId, input.scope)
    })
    const attempt = Effect.gen(function* () {
      const snapshot = yield* load
      const plan = planScopedWrite(input, snapshot, next, precondition, operation, yield* Clock.currentTimeMillis)
      if (plan instanceof ValidationFailed || plan instanceof PreconditionFailed) return yield* Effect.fail(plan)
      if (plan._tag === "Unchanged") return plan.snapshot
      const saved = yield* repo
        .commit(plan.commit)
        .pipe(Effect.catchTag("UserNotFound", () => Effect.fail(new UserNotFound({ externalId: input.externalId }))))
      return afterCommit(plan, saved)
    })
    return yield* retryOnConflict(attempt)
  })

/** The next choices of a merge patch (API.md §4.2, MODEL.md §5): the body decoded for the audience and the scope's locks, applied. */
export const patchNext =
  (body: unknown, audience: Audience): ScopedNext =>
  (s) => {
    const decoded = decodePatchV2(body, {
      audience,
      notiflow: notiflowLookup(s.catalog),
      category: categoryLookup(s.catalog),
      locks: s.tenant?.locks
    })
    return decoded.ok ? applyPatchV2(s.scoped, decoded.value) : new ValidationFailed({ issues: decoded.issues })
  }

/**
 * `PUT …/preferences[?tenant_id=T]`: validate (catalog, audience, T's locks), merge, commit the
 * scope's set. User (404), body (422), precondition (412); a no-op writes nothing.
 */
export const updateScopedPreferences = (input: {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly scope: Scope
  readonly audience: Audience
  readonly body: unknown
  readonly context: WriteContext
  readonly precondition?: ScopedPrecondition
  /**
   * The snapshot the caller just read of this user and scope, to decide on (e.g. a link's leaf):
   * the first attempt commits against it instead of reading again.
   */
  readonly current?: ScopedSnapshot
}) => writeScoped(input, patchNext(input.body, input.audience), input.precondition, "patch")

/** `DELETE …/preferences[?tenant_id=T]`: empties the scope's set (one history entry if it changed). */
export const resetScopedPreferences = (input: {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly scope: Scope
  readonly context: WriteContext
  readonly precondition?: ScopedPrecondition
}) => writeScoped(input, () => emptyChoicesV2, input.precondition, "reset")

/**
 * A scope's history, newest first. On the user API, changes to notiflows the user may not
 * configure and to categories without `include_in_preferences` are left out.
 */
export const getScopedHistory = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope, audience: Audience, query: SliceQuery<number>) =>
  Effect.gen(function* () {
    const repo = yield* ScopedPreferenceRepository
    const stored = yield* repo.load(projectId, externalId, scope)
    if (Option.isNone(stored)) return yield* Effect.fail(new UserNotFound({ externalId }))
    const slice = yield* repo.history(projectId, stored.value.userId, scope, query)
    const page = toPage(slice, query, (e) => String(e.version))
    let items: ReadonlyArray<ScopedHistoryEntry> = slice.items
    if (audience === "user") {
      const notiflows = yield* Effect.flatMap(NotiflowCatalogRepository, (c) => c.list(projectId))
      const categories = yield* Effect.flatMap(CategoryRepository, (c) => c.list(projectId))
      const configurable = new Set(notiflows.filter(isConfigurable).map((e) => e.id as string))
      const visible = new Set(categories.filter((c) => c.include_in_preferences).map((c) => c.id as string))
      const shown = (path: string) => {
        const [kind, id = ""] = path.split(".")
        return kind === "notiflows" ? configurable.has(id) : kind === "categories" ? visible.has(id) : true
      }
      items = items.map((e) => ({ ...e, changes: e.changes.filter((c) => shown(c.path)) })).filter((e) => e.changes.length > 0)
    }
    return { items, page: page.page } satisfies Page<ScopedHistoryEntry>
  })
