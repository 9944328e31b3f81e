/**
 * Use cases over tenants (MODEL.md §5): tenant defaults GET/PUT/DELETE with the lock rules, and
 * the tenants list. Tenants never 404.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { tenantDefaultsUpdatedEvent } from "./CatalogEvents.js"
import type { Attribution } from "./Events.js"
import { SYSTEM_ATTRIBUTION } from "./Events.js"
import * as Option from "effect/Option"
import { CategoryRepository } from "./CategoryRepository.js"
import { PreconditionFailed, UserNotFound, ValidationFailed } from "./Errors.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import type { SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import type { ExternalUserId, ProjectId, UserId } from "./Preferences.js"
import type { TenantDefaults } from "./PreferencesV2.js"
import { emptyTenantDefaults, hasDefaults } from "./PreferencesV2.js"
import type { TenantDefaultsContext } from "./TenantDefaultsPatch.js"
import { decodeTenantDefaultsPatch, tenantDefaultsBody } from "./TenantDefaultsPatch.js"
import { TenantRepository } from "./TenantRepository.js"
import type { TenantId, TenantSummary } from "./Tenants.js"
import { UserRepository } from "./UserRepository.js"
import { retryOnConflict } from "./internal/retry.js"
import { PatchV2Equal } from "./internal/equal.js"

/** A precondition on the current GET body (`If-Match`): `undefined` when it holds, else the current tag. */
export type DefaultsPrecondition = (body: TenantDefaults) => string | undefined

const catalogContext = (projectId: ProjectId) =>
  Effect.gen(function* () {
    const [notiflows, categories] = yield* Effect.all([
      Effect.flatMap(NotiflowCatalogRepository, (c) => c.list(projectId)),
      Effect.flatMap(CategoryRepository, (c) => c.list(projectId))
    ])
    const n = new Map(notiflows.map((e) => [e.id as string, e]))
    const c = new Map(categories.map((e) => [e.id as string, e]))
    const context: TenantDefaultsContext = { notiflow: (id) => n.get(id), category: (id) => c.get(id) }
    return context
  })

/** `GET /tenants/{tenant_id}/preferences/defaults`: stored values and locks of live ids. */
export const getTenantDefaults = (projectId: ProjectId, tenantId: TenantId) =>
  Effect.gen(function* () {
    const stored = yield* Effect.flatMap(TenantRepository, (t) => t.loadDefaults(projectId, tenantId))
    return tenantDefaultsBody(stored.defaults, yield* catalogContext(projectId))
  })

const check = (precondition: DefaultsPrecondition | undefined, body: TenantDefaults) => {
  const current = precondition?.(body)
  return current === undefined ? Effect.void : Effect.fail(new PreconditionFailed({ current }))
}

/** `PUT …/defaults`: merge patch over values and locks; body problems (422) before `If-Match` (412). A change writes `tenant_defaults.updated`. */
export const updateTenantDefaults = (
  projectId: ProjectId,
  tenantId: TenantId,
  body: unknown,
  precondition?: DefaultsPrecondition,
  by: Attribution = SYSTEM_ATTRIBUTION
) =>
  Effect.gen(function* () {
    const repo = yield* TenantRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const context = yield* catalogContext(projectId)
        const stored = yield* repo.loadDefaults(projectId, tenantId)
        const decoded = decodeTenantDefaultsPatch(body, stored.defaults, context)
        if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
        yield* check(precondition, tenantDefaultsBody(stored.defaults, context))
        if (PatchV2Equal.defaults(stored.defaults, decoded.value)) return tenantDefaultsBody(stored.defaults, context)
        const at = new Date(yield* Clock.currentTimeMillis)
        const event = tenantDefaultsUpdatedEvent({ tenantId, before: stored.defaults, after: decoded.value, revision: stored.revision + 1, at, by })
        const saved = yield* repo.saveDefaults(projectId, tenantId, decoded.value, stored.revision, [event])
        return tenantDefaultsBody(saved.defaults, context)
      })
    )
  })

/**
 * `DELETE …/defaults`: removes every value and lock; answers the emptied body. Stored as empty
 * defaults at the next revision (so `revision` keeps growing across a DELETE), with a
 * `tenant_defaults.updated` whose changes go `to: null`; nothing stored: no write, no event.
 */
export const deleteTenantDefaults = (projectId: ProjectId, tenantId: TenantId, precondition?: DefaultsPrecondition, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const repo = yield* TenantRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const context = yield* catalogContext(projectId)
        const stored = yield* repo.loadDefaults(projectId, tenantId)
        yield* check(precondition, tenantDefaultsBody(stored.defaults, context))
        if (hasDefaults(stored.defaults)) {
          const at = new Date(yield* Clock.currentTimeMillis)
          const event = tenantDefaultsUpdatedEvent({ tenantId, before: stored.defaults, after: emptyTenantDefaults, revision: stored.revision + 1, at, by })
          yield* repo.saveDefaults(projectId, tenantId, emptyTenantDefaults, stored.revision, [event])
        }
        return emptyTenantDefaults
      })
    )
  })

/** `GET /tenants`: existing tenants in id order; with a user, the tenants where it has a set (404 `user` when unknown). */
export const listTenants = (projectId: ProjectId, query: SliceQuery<TenantId>, externalId?: ExternalUserId) =>
  Effect.gen(function* () {
    let userId = Option.none<UserId>()
    if (externalId !== undefined) {
      const user = yield* Effect.flatMap(UserRepository, (u) => u.find(projectId, externalId))
      if (Option.isNone(user)) return yield* Effect.fail(new UserNotFound({ externalId }))
      userId = Option.some(user.value.id as UserId)
    }
    const slice = yield* Effect.flatMap(TenantRepository, (t) => t.list(projectId, query, userId))
    return toPage<TenantSummary, TenantId>(slice, query, (t) => t.id)
  })
