/**
 * Tenants and scopes (MODEL.md §1): a tenant is one of the customer's own customers inside a
 * project. A preference request acts on a scope: the global set, or tenant T.
 */
import * as Schema from "effect/Schema"
import { reason, says } from "./Issues.js"
import { isNotiflowId } from "./Preferences.js"

/** True when `s` is a well-formed tenant id (1–64 of `A-Za-z0-9_:-`, not a reserved word). */
export const isTenantId: (s: string) => boolean = isNotiflowId

/** A tenant id; compared exactly. */
export const TenantId = Schema.String.annotations(says("must be a tenant id string")).pipe(
  Schema.filter(isTenantId, {
    ...reason("invalid_format", "tenant ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word"),
    jsonSchema: { pattern: "^[A-Za-z0-9_:-]{1,64}$", not: { enum: ["__proto__", "constructor", "prototype"] } }
  }),
  Schema.brand("TenantId")
)
export type TenantId = typeof TenantId.Type

/** The global scope: the user's v1 preference set. */
export const GlobalScope = Schema.TaggedStruct("Global", {})
/** Tenant T's scope: the user×T set, under T's defaults and locks. */
export const TenantScope = Schema.TaggedStruct("Tenant", { tenantId: TenantId })

/** What a preference request acts on. */
export const Scope = Schema.Union(GlobalScope, TenantScope)
export type Scope = typeof Scope.Type

export const globalScope: Scope = GlobalScope.make({})
export const tenantScope = (tenantId: TenantId): Scope => TenantScope.make({ tenantId })

/** The scope's tenant, `null` for the global scope (what history entries and responses carry). */
export const tenantOf = (scope: Scope): TenantId | null => (scope._tag === "Tenant" ? scope.tenantId : null)

/** The scope of an optional tenant id. */
export const scopeOf = (tenantId: TenantId | null | undefined): Scope =>
  tenantId === null || tenantId === undefined ? globalScope : tenantScope(tenantId)

/** An item of `GET /admin/tenants`: `has_defaults` when its defaults hold a value or a lock. */
export const TenantSummary = Schema.Struct({ id: TenantId, has_defaults: Schema.Boolean }).annotations({ identifier: "Tenant" })
export type TenantSummary = typeof TenantSummary.Type

/**
 * What an ETag's input gains for a scope (M§4): nothing in the global scope, so v1 tags survive
 * the upgrade; `tenant:<T>` in tenant T, so identical bodies in two scopes get different tags.
 */
export const scopeTagInput = (scope: Scope): string => (scope._tag === "Global" ? "" : `tenant:${scope.tenantId}`)
