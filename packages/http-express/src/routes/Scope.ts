/**
 * The scope of a preference request (MODEL.md §5): the global set, or tenant T. Admin: the
 * `tenant_id` query parameter. User API: the token's `tenant` claim and the query parameter,
 * per M§5's credential table. Called after the path parameters are decoded and before any use
 * case (M§8's order: 400, then 403 `tenant_mismatch`, then the user's existence).
 */
import type { Scope, TenantId } from "@notiflows/domain"
import { globalScope, tenantScope } from "@notiflows/domain"
import type { RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { Forbidden } from "../HttpErrors.js"
import { tenantIdQuery } from "./Params.js"

const mismatch = (message: string): Forbidden => new Forbidden({ reason: "tenant_mismatch", message })

/** The admin API's scope: `?tenant_id=T` or the global set. */
export const adminScope = (ctx: RequestContext): Scope => {
  const tenant = tenantIdQuery(ctx)
  return tenant === undefined ? globalScope : tenantScope(tenant)
}

/**
 * The User API's scope. A token's `tenant` claim fills the scope and only that tenant may be
 * named; a token without one reaches the global set only; the development header (security
 * mode off) may name any tenant.
 */
export const userScope = (ctx: RequestContext): Scope => {
  const requested: TenantId | undefined = tenantIdQuery(ctx)
  const principal = principalOf(ctx)
  if (principal.actor.type !== "user_key") return requested === undefined ? globalScope : tenantScope(requested)
  const claim = principal.tenantClaim
  if (claim === undefined) {
    if (requested !== undefined) throw mismatch("This user token is not valid for a tenant")
    return globalScope
  }
  if (requested !== undefined && requested !== claim) throw mismatch("This user token is valid for another tenant")
  return tenantScope(claim)
}
