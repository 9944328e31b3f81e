/**
 * Sealing the domain's link grants into tokens, URLs and the RFC 8058 headers (LINKS.md §2).
 */
import type { BatchGrants, LinkGrant, LinkJson, ListUnsubscribeHeaders } from "@notiflows/domain"
import { PURPOSE_CODE, scopeJson } from "@notiflows/domain"
import { batchSealer, seal } from "./LinkToken.js"

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

/**
 * A batch's `links` members as JSON text (§2.2): the requested purposes only, `headers` with
 * `unsubscribe`, in the `BatchLinksJson` Schema's member order, exactly as `JSON.stringify` would
 * write that object. One sealer per link key for the whole batch, the URL prefixes escaped once,
 * an expiry's ISO string computed once per distinct `exp`. No grants (a user not found): `null`.
 */
export const batchLinksTexts = (publicBase: string) => {
  const prefix = (route: string) => JSON.stringify(`${publicBase}/l/${route}/`).slice(1, -1)
  const unsubscribePrefix = prefix(LINK_ROUTES.unsubscribe)
  const centerPrefix = prefix(LINK_ROUTES.preference_center)
  let sealer: { readonly key: LinkGrant["key"]; readonly seal: ReturnType<typeof batchSealer> } | undefined
  let lastExp = -1
  let lastExpires = ""
  const link = (grant: LinkGrant, urlPrefix: string): { readonly json: string; readonly url: string } => {
    const key = grant.key
    if (sealer?.key !== key) sealer = { key, seal: batchSealer(key.projectId, key.kid, key.secret) }
    const { token, jti } = sealer.seal({ userId: grant.userId, purpose: PURPOSE_CODE[grant.purpose], scope: grant.scopeRecordId, iat: grant.iat, exp: grant.exp })
    if (grant.exp !== lastExp) {
      lastExpires = new Date(grant.exp * 1000).toISOString()
      lastExp = grant.exp
    }
    const url = urlPrefix + token
    return { json: `{"id":"${jti}","url":"${url}","token":"${token}","expires_at":"${lastExpires}"}`, url }
  }
  return (grants: BatchGrants | undefined): string => {
    if (grants === undefined) return "null"
    const members: Array<string> = []
    const unsubscribe = grants.unsubscribe === undefined || grants.unsubscribe === null ? grants.unsubscribe : link(grants.unsubscribe, unsubscribePrefix)
    if (unsubscribe !== undefined) members.push(`"unsubscribe":${unsubscribe === null ? "null" : unsubscribe.json}`)
    if (grants.preference_center !== undefined) members.push(`"preference_center":${link(grants.preference_center, centerPrefix).json}`)
    if (unsubscribe !== undefined) {
      members.push(
        unsubscribe === null
          ? `"headers":null`
          : `"headers":{"List-Unsubscribe":"<${unsubscribe.url}>","List-Unsubscribe-Post":"List-Unsubscribe=One-Click"}`
      )
    }
    return `{${members.join(",")}}`
  }
}
