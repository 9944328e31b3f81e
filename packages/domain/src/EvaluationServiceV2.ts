/**
 * Evaluation use cases in a scope (MODEL.md §3, §5): one user, or a batch, in the global scope
 * or tenant T (one T for the whole batch; unknown users are decided on the defaults, T's
 * defaults and locks).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { NotiflowNotFound, UserNotFound, ValidationFailed } from "./Errors.js"
import { decodeEvaluateBody } from "./EvaluationService.js"
import { decisionMemo, evaluatePrepared, prepareEvaluation } from "./BatchResolution.js"
import type { BatchEvaluationV2, DecisionsV2 } from "./EvaluationV2.js"
import { isJsonObject, withIssues } from "./Issues.js"
import { batchLinkIssues } from "./Links.js"
import type { ChannelType, ExternalUserId, NotiflowCatalogEntry, ProjectDefaults, ProjectId } from "./Preferences.js"
import { isNotiflowId } from "./Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"
import { emptyChoicesV2 } from "./PreferencesV2.js"
import type { ResolutionInput } from "./Resolution.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import { loadModelCatalog } from "./ScopedPreferenceService.js"
import { TenantRepository } from "./TenantRepository.js"
import type { Scope } from "./Tenants.js"
import type { ModelCatalog } from "./ViewV2.js"
import { liveCategoriesOf } from "./ViewV2.js"

/** M§3 for a list of channel types, keyed in the order given. */
export const evaluateV2 = (
  r: ResolutionInput,
  notiflow: NotiflowCatalogEntry,
  catalog: ModelCatalog,
  defaults: ProjectDefaults,
  channels: ReadonlyArray<ChannelType>
): DecisionsV2 => {
  const prepared = prepareEvaluation(r.tenant, notiflow, liveCategoriesOf(catalog, notiflow.id), defaults, channels)
  return evaluatePrepared(prepared, r.global, r.tenantSet)
}

const requireNotiflow = (body: unknown, catalog: ModelCatalog) => {
  const id = isJsonObject(body) ? body["notiflow_id"] : undefined
  if (typeof id === "string" && isNotiflowId(id) && !catalog.notiflows.some((e) => e.id === id && !e.deleted)) {
    return Effect.fail(new NotiflowNotFound({ notiflowId: id }))
  }
  return Effect.void
}

const tenantOfScope = (projectId: ProjectId, scope: Scope) =>
  scope._tag === "Global"
    ? Effect.succeed<TenantDefaults | undefined>(undefined)
    : Effect.map(Effect.flatMap(TenantRepository, (t) => t.loadDefaults(projectId, scope.tenantId)), (s): TenantDefaults | undefined => s.defaults)

const inputOf = (scope: Scope, tenant: TenantDefaults | undefined, global: PreferenceChoicesV2, scoped: PreferenceChoicesV2): ResolutionInput =>
  scope._tag === "Global" ? { global, tenantSet: undefined, tenant: undefined } : { global, tenantSet: scoped, tenant }

/** Decisions for one user in a scope; the response gains `tenant_id` (after `user_id`) in tenant scope. */
export const evaluateUserV2 = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope, body: unknown) =>
  Effect.gen(function* () {
    const [catalog, defaults] = yield* loadModelCatalog(projectId)
    const stored = yield* Effect.flatMap(ScopedPreferenceRepository, (r) => r.load(projectId, externalId, scope))
    if (Option.isNone(stored)) return yield* Effect.fail(new UserNotFound({ externalId }))
    yield* requireNotiflow(body, catalog)
    const decoded = decodeEvaluateBody(body, false)
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const notiflow = catalog.notiflows.find((e) => e.id === decoded.value.notiflow_id && !e.deleted)!
    const tenant = yield* tenantOfScope(projectId, scope)
    const r = inputOf(scope, tenant, stored.value.global, stored.value.scoped)
    const channel_types = evaluateV2(r, notiflow, catalog, defaults, decoded.value.channel_types)
    return {
      user_id: externalId as string,
      ...(scope._tag === "Tenant" ? { tenant_id: scope.tenantId as string } : {}),
      notiflow_id: notiflow.id as string,
      channel_types
    }
  })

/** Decisions for up to 1,000 users in one scope, in input order, reading all of them in one query. */
export const evaluateUsersV2 = (projectId: ProjectId, scope: Scope, body: unknown) =>
  Effect.gen(function* () {
    const [catalog, defaults] = yield* loadModelCatalog(projectId)
    yield* requireNotiflow(body, catalog)
    const decoded = withIssues(decodeEvaluateBody(body, true), batchLinkIssues(body, catalog))
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const notiflow = catalog.notiflows.find((e) => e.id === decoded.value.notiflow_id && !e.deleted)!
    const tenant = yield* tenantOfScope(projectId, scope)
    const ids = decoded.value.user_ids as ReadonlyArray<ExternalUserId>
    const found = yield* Effect.flatMap(ScopedPreferenceRepository, (r) => r.loadMany(projectId, [...new Set(ids)], scope))
    // The catalog's and the tenant's part of every decision is read once for the whole batch.
    const prepared = prepareEvaluation(tenant, notiflow, liveCategoriesOf(catalog, notiflow.id), defaults, decoded.value.channel_types)
    const decide = decisionMemo(prepared, scope._tag === "Tenant")
    // Repositories share one object for users whose stored documents are equal: one lookup per user.
    const bySets = new Map<object, DecisionsV2>()
    const unknown = decide(emptyChoicesV2, emptyChoicesV2)
    const results: ReadonlyArray<BatchEvaluationV2> = ids.map((user_id) => {
      const sets = found.get(user_id)
      if (sets === undefined) return { user_id, user_found: false, channel_types: unknown }
      let channel_types = bySets.get(sets)
      if (channel_types === undefined) bySets.set(sets, (channel_types = decide(sets.global, sets.scoped)))
      return { user_id, user_found: true, channel_types }
    })
    return {
      notiflow_id: notiflow.id as string,
      ...(scope._tag === "Tenant" ? { tenant_id: scope.tenantId as string } : {}),
      results
    }
  })
