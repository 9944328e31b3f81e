/**
 * Signed links (LINKS.md §1, §2): purposes, expiry bounds, scopes, the minting request and
 * response, and the pure rules of verification. The byte layout, the MAC and the encryption are
 * the transport's (node:crypto); what a token may say and when it holds is decided here.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { CategoryId } from "./Categories.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { DECODE_OPTIONS, decoderFor, enumReason, isJsonObject, issue, reason, says, stable, unknownKeys, withIssues } from "./Issues.js"
import type { ChannelType, NotiflowCatalogEntry } from "./Preferences.js"
import { ChannelType as ChannelTypeSchema, NotiflowId } from "./Preferences.js"
import { TenantId } from "./Tenants.js"
import type { LinkJson } from "./LinkJson.js"
import type { ModelCatalog } from "./ViewV2.js"

/** What a link is for; `undo` tickets are never minted by the API (§4). */
export const LINK_PURPOSES = ["unsubscribe", "preference_center"] as const
export type LinkPurpose = (typeof LINK_PURPOSES)[number] | "undo"

/** The purpose byte of a token. */
export const PURPOSE_CODE: { readonly [K in LinkPurpose]: number } = { unsubscribe: 1, preference_center: 2, undo: 3 }

/** Expiry in days per purpose: the default and the accepted bounds (§1). */
export const LINK_EXPIRY: { readonly [K in (typeof LINK_PURPOSES)[number]]: { readonly days: number; readonly min: number; readonly max: number } } = {
  // CASL: an unsubscribe mechanism must work for at least 60 days.
  unsubscribe: { days: 90, min: 60, max: 365 },
  preference_center: { days: 30, min: 1, max: 365 }
}

export const DAY_SECONDS = 86_400
/** Undo tickets live 24 h, fixed (beyond WCAG 2.2.1's 20 hours). */
export const UNDO_TICKET_SECONDS = DAY_SECONDS
/** Clock leeway of §1, both ways. */
export const LINK_LEEWAY_SECONDS = 60

/** A link's scope (§2.1): a notiflow or a category, optionally on one channel type, or a channel type alone. */
export interface LinkScope {
  readonly notiflow_id?: NotiflowId
  readonly category_id?: CategoryId
  readonly channel_type?: ChannelType
}

const LinkScopeFields = Schema.Struct({
  notiflow_id: Schema.optionalWith(NotiflowId, { exact: true }),
  category_id: Schema.optionalWith(CategoryId, { exact: true }),
  channel_type: Schema.optionalWith(ChannelTypeSchema, { exact: true })
}).annotations({ ...says("must be an object"), ...unknownKeys("unknown_field", "unknown field") })

/** The scope object: not empty, and at most one of `notiflow_id` and `category_id`. */
export const LinkScopeSchema = LinkScopeFields.pipe(
  Schema.filter((s) => Object.keys(s).length > 0, {
    ...reason("required", "a scope names a notiflow_id, a category_id or a channel_type"),
    ...stable,
    jsonSchema: { minProperties: 1 }
  }),
  Schema.filter((s) => !(s.notiflow_id !== undefined && s.category_id !== undefined), {
    ...reason("invalid_format", "a scope names a notiflow_id or a category_id, not both"),
    jsonSchema: { not: { required: ["notiflow_id", "category_id"] } }
  })
).annotations({ identifier: "LinkScope", description: "what an unsubscribe link turns off (LINKS.md §2.1)" })

const Purpose = Schema.Literal(...LINK_PURPOSES).annotations(
  enumReason("invalid_format", `purpose must be one of ${LINK_PURPOSES.join(", ")}`, "must be a purpose string")
)

const Days = Schema.Int.annotations(says("must be an integer number of days"))

/** JSON Schema of "when `purpose` is P" (the rules decodeMintLink's second pass checks with their own reasons). */
const whenPurpose = (purpose: string) => ({ properties: { purpose: { const: purpose } }, required: ["purpose"] })
const daysWithin = (p: (typeof LINK_PURPOSES)[number], field: string) => ({
  properties: { [field]: { minimum: LINK_EXPIRY[p].min, maximum: LINK_EXPIRY[p].max } }
})

export const MintLinkRequest = Schema.Struct({
  purpose: Purpose,
  scope: Schema.optionalWith(LinkScopeSchema, { exact: true }),
  tenant_id: Schema.optionalWith(TenantId, { exact: true }),
  expires_in_days: Schema.optionalWith(Days, { exact: true })
}).annotations({
  identifier: "MintLinkRequest",
  ...says("the body must be a JSON object"),
  ...unknownKeys("unknown_field", "unknown field"),
  // Cross-field rules, for the document (decodeMintLink reports them as `required`,
  // `unknown_field` and `out_of_range`).
  jsonSchema: {
    allOf: [
      { if: whenPurpose("unsubscribe"), then: { required: ["scope"], ...daysWithin("unsubscribe", "expires_in_days") } },
      { if: whenPurpose("preference_center"), then: { not: { required: ["scope"] }, ...daysWithin("preference_center", "expires_in_days") } }
    ]
  }
})

/** The link rules of a batch evaluate request, for the document (batchLinkIssues checks them). */
export const BATCH_LINKS_JSON_SCHEMA = {
  allOf: [
    {
      if: { not: { properties: { links: { contains: { const: "unsubscribe" } } }, required: ["links"] } },
      then: { not: { required: ["unsubscribe_scope"] } }
    },
    {
      if: { not: { properties: { links: { minItems: 1 } }, required: ["links"] } },
      then: { not: { required: ["links_expires_in_days"] } }
    },
    { if: { properties: { links: { contains: { const: "unsubscribe" } } }, required: ["links"] }, then: daysWithin("unsubscribe", "links_expires_in_days") },
    {
      if: { properties: { links: { contains: { const: "preference_center" } } }, required: ["links"] },
      then: daysWithin("preference_center", "links_expires_in_days")
    }
  ]
}
export type MintLinkRequest = typeof MintLinkRequest.Type

export { BatchLinkJson, BatchLinksJson, LinkJson, ListUnsubscribeHeaders, RevokeLinksResponse } from "./LinkJson.js"

/** 422 `out_of_range` for a number of days outside the purpose's bounds. */
export const daysIssue = (field: string, purpose: (typeof LINK_PURPOSES)[number], days: number | undefined): ReadonlyArray<FieldIssue> => {
  if (days === undefined) return []
  const { min, max } = LINK_EXPIRY[purpose]
  return days >= min && days <= max ? [] : [issue(field, "out_of_range", `${purpose} links expire in ${min} to ${max} days`)]
}

/**
 * Catalog checks of a decoded scope (second pass, §2.1): unknown or deleted ids, required
 * notiflows (`not_unsubscribable`). Hidden notiflows and categories may be scopes.
 */
export const scopeCatalogIssues = (field: string, scope: LinkScope, catalog: ModelCatalog): ReadonlyArray<FieldIssue> => {
  if (scope.notiflow_id !== undefined) {
    const n = catalog.notiflows.find((e) => e.id === scope.notiflow_id && !e.deleted)
    if (n === undefined) return [issue(`${field}.notiflow_id`, "unknown_notiflow", "no such notiflow")]
    if (n.required) return [issue(`${field}.notiflow_id`, "not_unsubscribable", "a required notiflow cannot be unsubscribed from")]
  }
  if (scope.category_id !== undefined && !catalog.categories.some((c) => c.id === scope.category_id && !c.deleted)) {
    return [issue(`${field}.category_id`, "unknown_category", "no such category")]
  }
  return []
}

const decodeMint = decoderFor(MintLinkRequest)

/** The mint body with every problem (§2.1), catalog checks included. */
export const decodeMintLink = (input: unknown, catalog: ModelCatalog): Decoded<MintLinkRequest> => {
  const decoded = decodeMint(input)
  const more: Array<FieldIssue> = []
  const purpose = isJsonObject(input) ? input["purpose"] : undefined
  const hasScope = isJsonObject(input) && Object.hasOwn(input, "scope")
  if (purpose === "unsubscribe" && !hasScope) more.push(issue("scope", "required", "an unsubscribe link needs a scope"))
  if (purpose === "preference_center" && hasScope) more.push(issue("scope", "unknown_field", "a preference_center link takes no scope"))
  if (decoded.ok) {
    const v = decoded.value
    more.push(...daysIssue("expires_in_days", v.purpose, v.expires_in_days))
    if (v.scope !== undefined && v.purpose === "unsubscribe") more.push(...scopeCatalogIssues("scope", v.scope, catalog))
  }
  return withIssues(decoded, more)
}

/** The preference path the one-click write sets to `false` (§2.1). */
export const leafPathOf = (scope: LinkScope): ReadonlyArray<string> => {
  const c = scope.channel_type
  if (scope.notiflow_id !== undefined) return c === undefined ? ["notiflows", scope.notiflow_id, "enabled"] : ["notiflows", scope.notiflow_id, "channel_types", c]
  if (scope.category_id !== undefined) return c === undefined ? ["categories", scope.category_id, "enabled"] : ["categories", scope.category_id, "channel_types", c]
  return ["channel_types", c as string]
}

/** The default unsubscribe scope of a batch (§2.2): the notiflow on email, `null` for a required notiflow. */
export const defaultUnsubscribeScope = (notiflow: NotiflowCatalogEntry): LinkScope | null =>
  notiflow.required ? null : { notiflow_id: notiflow.id, channel_type: "email" }

/** A canonical key of a `{scope, tenant_id}` pair: the same pair always gives the same record. */
export const scopeRecordKey = (scope: LinkScope | null, tenantId: TenantId | null): string =>
  JSON.stringify([scope?.notiflow_id ?? null, scope?.category_id ?? null, scope?.channel_type ?? null, tenantId])

/** The scope only: JSON-ready, keys in the documented order. */
export const scopeJson = (scope: LinkScope | null): LinkJson["scope"] =>
  scope === null
    ? null
    : {
        ...(scope.notiflow_id !== undefined ? { notiflow_id: scope.notiflow_id } : {}),
        ...(scope.category_id !== undefined ? { category_id: scope.category_id } : {}),
        ...(scope.channel_type !== undefined ? { channel_type: scope.channel_type } : {})
      }

/** `iat` and `exp` (Unix seconds) of a new link; `iat` stays after the user's last revocation. */
export const linkTimes = (nowMs: number, days: number, linksValidAfter: Date | null): { readonly iat: number; readonly exp: number } => {
  const now = Math.floor(nowMs / 1000)
  // A revocation covers every link issued in its second or before: a link minted later in the
  // same second is dated one second after it (within the leeway), so it is not revoked.
  const after = linksValidAfter === null ? -1 : Math.floor(linksValidAfter.getTime() / 1000)
  const iat = Math.max(now, after + 1)
  return { iat, exp: iat + days * DAY_SECONDS }
}

/** Check 5's time part: `iat` not more than the leeway ahead. */
export const issuedInFuture = (iat: number, nowMs: number): boolean => iat > Math.floor(nowMs / 1000) + LINK_LEEWAY_SECONDS

/** Check 7: expired once now is past `exp` + leeway. */
export const isExpired = (exp: number, nowMs: number): boolean => nowMs / 1000 > exp + LINK_LEEWAY_SECONDS

/** Check 6's user part: issued at or before the user's last revocation. */
export const revokedForUser = (iat: number, linksValidAfter: Date | null): boolean =>
  linksValidAfter !== null && iat <= Math.floor(linksValidAfter.getTime() / 1000)

/** Decodes a scope (for fields already checked by a request Schema). */
export const decodeLinkScope = Schema.decodeUnknownEither(LinkScopeSchema, DECODE_OPTIONS)

/** The strings of a body's `links` array. */
export const linkPurposesOf = (input: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  Array.isArray(input["links"]) ? input["links"].filter((p): p is string => typeof p === "string") : []

/**
 * The second pass over a batch evaluation's link fields (§2.2), after the Schema's: fields that
 * need `links`, expiry bounds per purpose, and the unsubscribe scope's catalog checks.
 */
export const batchLinkIssues = (input: unknown, catalog: ModelCatalog): ReadonlyArray<FieldIssue> => {
  if (!isJsonObject(input)) return []
  const purposes = linkPurposesOf(input).filter((p): p is (typeof LINK_PURPOSES)[number] => (LINK_PURPOSES as ReadonlyArray<string>).includes(p))
  const out: Array<FieldIssue> = []
  if (Object.hasOwn(input, "unsubscribe_scope") && !purposes.includes("unsubscribe")) {
    out.push(issue("unsubscribe_scope", "unknown_field", "unsubscribe_scope needs \"unsubscribe\" in links"))
  }
  const days = input["links_expires_in_days"]
  if (Object.hasOwn(input, "links_expires_in_days") && purposes.length === 0) {
    out.push(issue("links_expires_in_days", "unknown_field", "links_expires_in_days needs links"))
  } else if (typeof days === "number" && Number.isInteger(days)) {
    const first = purposes.map((p) => daysIssue("links_expires_in_days", p, days)).find((i) => i.length > 0)
    if (first !== undefined) out.push(...first)
  }
  const scope = decodeLinkScope(input["unsubscribe_scope"])
  if (Object.hasOwn(input, "unsubscribe_scope") && Either.isRight(scope)) out.push(...scopeCatalogIssues("unsubscribe_scope", scope.right, catalog))
  return out
}

