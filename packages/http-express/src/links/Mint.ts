/**
 * Sealing the domain's link grants into tokens, URLs and the RFC 8058 headers (LINKS.md §2).
 */
import type { BatchGrants, BatchLinkJson, BatchLinksJson, LinkGrant, LinkJson, ListUnsubscribeHeaders } from "@notiflows/domain"
import { PURPOSE_CODE, scopeJson } from "@notiflows/domain"
import { seal } from "./LinkToken.js"

/** The path segment of each purpose under `/l`. */
export const LINK_ROUTES = { unsubscribe: "unsubscribe", preference_center: "preferences" } as const

export interface Sealed {
  readonly id: string
  readonly token: string
  readonly url: string
  readonly expires_at: string
}

/** One grant as a token and its URL under the public URL. */
export const sealGrant = (grant: LinkGrant, publicBase: string): Sealed => {
  const { token, jti } = seal({
    project: grant.key.projectId,
    kid: grant.key.kid,
    secret: grant.key.secret,
    userId: grant.userId,
    purpose: PURPOSE_CODE[grant.purpose],
    scope: grant.scopeRecordId,
    iat: grant.iat,
    exp: grant.exp,
    prev: 0
  })
  const route = grant.purpose === "undo" ? undefined : LINK_ROUTES[grant.purpose]
  return {
    id: jti,
    token,
    url: route === undefined ? "" : `${publicBase}/l/${route}/${token}`,
    expires_at: new Date(grant.exp * 1000).toISOString()
  }
}

/** RFC 8058's two headers for an unsubscribe URL, exactly. */
export const unsubscribeHeaders = (url: string): ListUnsubscribeHeaders => ({
  "List-Unsubscribe": `<${url}>`,
  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
})

/** The response of `POST /admin/users/{user_id}/links`. */
export const linkJson = (grant: LinkGrant, publicBase: string): LinkJson => {
  const s = sealGrant(grant, publicBase)
  const purpose = grant.purpose === "unsubscribe" ? "unsubscribe" : "preference_center"
  return {
    id: s.id,
    purpose,
    scope: purpose === "unsubscribe" ? scopeJson(grant.scope) : null,
    tenant_id: grant.tenantId,
    token: s.token,
    url: s.url,
    expires_at: s.expires_at,
    ...(purpose === "unsubscribe" ? { headers: unsubscribeHeaders(s.url) } : {})
  }
}

const batchLink = (s: Sealed): BatchLinkJson => ({ id: s.id, url: s.url, token: s.token, expires_at: s.expires_at })

/** A batch result's `links` (§2.2): requested purposes only, `headers` with `unsubscribe`. */
export const batchLinksJson = (grants: BatchGrants, publicBase: string): BatchLinksJson => {
  const out: { unsubscribe?: BatchLinkJson | null; preference_center?: BatchLinkJson; headers?: ListUnsubscribeHeaders | null } = {}
  const unsubscribe = grants.unsubscribe === undefined || grants.unsubscribe === null ? grants.unsubscribe : sealGrant(grants.unsubscribe, publicBase)
  if (unsubscribe !== undefined) out.unsubscribe = unsubscribe === null ? null : batchLink(unsubscribe)
  if (grants.preference_center !== undefined) out.preference_center = batchLink(sealGrant(grants.preference_center, publicBase))
  if (unsubscribe !== undefined) out.headers = unsubscribe === null ? null : unsubscribeHeaders(unsubscribe.url)
  return out
}
