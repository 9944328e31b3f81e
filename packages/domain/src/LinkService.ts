/**
 * Link use cases (LINKS.md §2): minting one link, the links of a batch evaluation, and revoking
 * a user's links. They decide what a token says (`LinkGrant`); the transport seals it into bytes.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { UserNotFound, ValidationFailed } from "./Errors.js"
import { isJsonObject } from "./Issues.js"
import type { LinkKey, LinkUser } from "./LinkRepository.js"
import { LinkRepository, NO_SCOPE_RECORD } from "./LinkRepository.js"
import type { LinkPurpose, LinkScope } from "./Links.js"
import { decodeLinkScope, decodeMintLink, defaultUnsubscribeScope, LINK_EXPIRY, LINK_PURPOSES, linkPurposesOf, linkTimes } from "./Links.js"
import type { ExternalUserId, NotiflowCatalogEntry, ProjectId, UserId } from "./Preferences.js"
import { evaluateUsersV2 } from "./EvaluationServiceV2.js"
import { loadModelCatalog } from "./ScopedPreferenceService.js"
import type { Scope, TenantId } from "./Tenants.js"
import { tenantOf } from "./Tenants.js"

/** Everything a token carries, decided by the domain; `jti` and the bytes are the transport's. */
export interface LinkGrant {
  readonly key: LinkKey
  readonly userId: UserId
  readonly purpose: LinkPurpose
  readonly scopeRecordId: string
  readonly scope: LinkScope | null
  readonly tenantId: TenantId | null
  readonly iat: number
  readonly exp: number
}

const grantFor = (
  key: LinkKey,
  user: LinkUser,
  purpose: (typeof LINK_PURPOSES)[number],
  record: { readonly id: string; readonly scope: LinkScope | null; readonly tenantId: TenantId | null },
  nowMs: number,
  days: number | undefined
): LinkGrant => {
  const { iat, exp } = linkTimes(nowMs, days ?? LINK_EXPIRY[purpose].days, user.linksValidAfter)
  return { key, userId: user.userId, purpose, scopeRecordId: record.id, scope: record.scope, tenantId: record.tenantId, iat, exp }
}

/** The record of a pair: the all-zero id for neither, else the stored one. */
const scopeRecord = (projectId: ProjectId, scope: LinkScope | null, tenantId: TenantId | null) =>
  scope === null && tenantId === null
    ? Effect.succeed({ id: NO_SCOPE_RECORD, scope: null, tenantId: null })
    : Effect.flatMap(LinkRepository, (r) => r.ensureScope(projectId, scope, tenantId))

const findUser = (projectId: ProjectId, externalId: ExternalUserId) =>
  Effect.flatMap(
    Effect.flatMap(LinkRepository, (r) => r.findUsers(projectId, [externalId])),
    (found) => Option.match(Option.fromNullable(found.get(externalId)), { onNone: () => Effect.fail(new UserNotFound({ externalId })), onSome: Effect.succeed })
  )

/** `POST /admin/users/{user_id}/links` (§2.1): 404 for an unknown user before any 422. */
export const mintLink = (projectId: ProjectId, externalId: ExternalUserId, body: unknown, nowMs: number) =>
  Effect.gen(function* () {
    const user = yield* findUser(projectId, externalId)
    const [catalog] = yield* loadModelCatalog(projectId)
    const decoded = decodeMintLink(body, catalog)
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const { purpose, scope, tenant_id, expires_in_days } = decoded.value
    const key = yield* Effect.flatMap(LinkRepository, (r) => r.activeKey(projectId))
    const record = yield* scopeRecord(projectId, purpose === "unsubscribe" ? (scope ?? null) : null, tenant_id ?? null)
    return grantFor(key, user, purpose, record, nowMs, expires_in_days)
  })

/** `POST /admin/users/{user_id}/links/revoke` (§2.3). */
export const revokeUserLinks = (projectId: ProjectId, externalId: ExternalUserId, nowMs: number) =>
  Effect.flatMap(
    Effect.flatMap(LinkRepository, (r) => r.revokeUserLinks(projectId, externalId, new Date(nowMs))),
    Option.match({
      onNone: () => Effect.fail(new UserNotFound({ externalId })),
      onSome: (at) => Effect.succeed({ user_id: externalId as string, links_valid_after: at.toISOString() })
    })
  )

/** Requested links of one batch result: `null` when the user was not found. */
export interface BatchGrants {
  readonly unsubscribe?: LinkGrant | null
  readonly preference_center?: LinkGrant
}

/**
 * The links of a validated batch evaluation (§2.2), per found user: the request's tenant, the
 * default expiry or `links_expires_in_days`; the default unsubscribe scope of a required
 * notiflow gives `unsubscribe: null`.
 */
export const batchLinkGrants = (projectId: ProjectId, scope: Scope, body: unknown, notiflow: NotiflowCatalogEntry, externalIds: ReadonlyArray<ExternalUserId>, nowMs: number) =>
  Effect.gen(function* () {
    const input = isJsonObject(body) ? body : {}
    const purposes = [...new Set(linkPurposesOf(input))] as ReadonlyArray<(typeof LINK_PURPOSES)[number]>
    if (purposes.length === 0) return new Map<ExternalUserId, BatchGrants>()
    const repo = yield* LinkRepository
    const users = yield* repo.findUsers(projectId, [...new Set(externalIds)])
    if (users.size === 0) return new Map<ExternalUserId, BatchGrants>()
    const key = yield* repo.activeKey(projectId)
    const tenantId = tenantOf(scope)
    const days = typeof input["links_expires_in_days"] === "number" ? input["links_expires_in_days"] : undefined
    const explicit = decodeLinkScope(input["unsubscribe_scope"])
    const unsubscribeScope = Either.isRight(explicit) ? explicit.right : defaultUnsubscribeScope(notiflow)
    const unsubscribeRecord = purposes.includes("unsubscribe") && unsubscribeScope !== null ? yield* scopeRecord(projectId, unsubscribeScope, tenantId) : null
    const centerRecord = purposes.includes("preference_center") ? yield* scopeRecord(projectId, null, tenantId) : null
    const out = new Map<ExternalUserId, BatchGrants>()
    for (const [externalId, user] of users) {
      const grants: { unsubscribe?: LinkGrant | null; preference_center?: LinkGrant } = {}
      if (purposes.includes("unsubscribe")) grants.unsubscribe = unsubscribeRecord === null ? null : grantFor(key, user, "unsubscribe", unsubscribeRecord, nowMs, days)
      if (centerRecord !== null) grants.preference_center = grantFor(key, user, "preference_center", centerRecord, nowMs, days)
      out.set(externalId, grants)
    }
    return out
  })

/**
 * The batch evaluation with the links it asks for (§2.2): the decisions of
 * {@link evaluateUsersV2} and, per found user, the grants the transport seals.
 */
export const evaluateUsersWithLinks = (projectId: ProjectId, scope: Scope, body: unknown, nowMs: number) =>
  Effect.gen(function* () {
    const response = yield* evaluateUsersV2(projectId, scope, body)
    const wanted = isJsonObject(body) && Array.isArray(body["links"]) && body["links"].length > 0
    if (!wanted) return { response, grants: undefined }
    const [catalog] = yield* loadModelCatalog(projectId)
    const notiflow = catalog.notiflows.find((e) => e.id === response.notiflow_id)!
    const found = response.results.filter((r) => r.user_found).map((r) => r.user_id as ExternalUserId)
    const grants = yield* batchLinkGrants(projectId, scope, body, notiflow, found, nowMs)
    return { response, grants }
  })
