/**
 * Path and query parameters, validated after the body (API.md §3 order): 400 `invalid_param`.
 */
import type { SliceQuery } from "@notiflows/domain"
import { CategoryId, DEFAULT_PAGE_LIMIT, ExternalUserId, MAX_PAGE_LIMIT, NotiflowId, PageLimitParam, TenantId } from "@notiflows/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { RequestContext } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import type { QueryParam } from "./Route.js"

export { IdKey as idKey, VersionKey as versionKey } from "@notiflows/domain"

/** A decoder of one parameter: the value, or 400 `invalid_param` naming it (never echoing it). */
const param = <A, I>(schema: Schema.Schema<A, I>, name: string, message: string) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (raw: string): A => {
    const result = decode(raw)
    if (Either.isLeft(result)) throw new InvalidParam({ param: name, message })
    return result.right
  }
}

/** A path segment as sent: percent-encoded UTF-8. */
const PercentEncoded = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (raw, _, ast) => {
    try {
      return ParseResult.succeed(decodeURIComponent(raw))
    } catch {
      return ParseResult.fail(new ParseResult.Type(ast, raw, "not valid percent-encoded UTF-8"))
    }
  },
  encode: (s) => ParseResult.succeed(encodeURIComponent(s))
})

// One decoder per parameter name, built on first use (not per request).
const segmentDecoders = new Map<string, (raw: string) => string>()
const segment = (ctx: RequestContext, name: string): string => {
  let decode = segmentDecoders.get(name)
  if (decode === undefined) {
    decode = param(PercentEncoded, name, `${name} is not valid percent-encoded UTF-8`)
    segmentDecoders.set(name, decode)
  }
  return decode(ctx.rawParams[name] ?? "")
}

const decodeUserId = param(ExternalUserId, "user_id", "user_id must be 1-255 characters with no control characters")
const decodeNotiflowId = param(NotiflowId, "notiflow_id", "notiflow_id must be 1-64 characters of A-Za-z0-9_:- and not a reserved word")

/** The `{user_id}` path parameter (API.md §1: 1–255 code points, no control characters). */
export const userIdParam = (ctx: RequestContext): ExternalUserId => decodeUserId(segment(ctx, "user_id"))

/** The `{notiflow_id}` path parameter. */
export const notiflowIdParam = (ctx: RequestContext): NotiflowId => decodeNotiflowId(segment(ctx, "notiflow_id"))

const ID_RULE = "must be 1-64 characters of A-Za-z0-9_:- and not a reserved word"
const decodeCategoryId = param(CategoryId, "category_id", `category_id ${ID_RULE}`)
const decodeTenantId = param(TenantId, "tenant_id", `tenant_id ${ID_RULE}`)

/** The `{category_id}` path parameter (MODEL.md §1). */
export const categoryIdParam = (ctx: RequestContext): CategoryId => decodeCategoryId(segment(ctx, "category_id"))

/** The `{tenant_id}` path parameter (MODEL.md §1). */
export const tenantIdPathParam = (ctx: RequestContext): TenantId => decodeTenantId(segment(ctx, "tenant_id"))

/** `?tenant_id=` (MODEL.md §5): absent, or a well-formed tenant id (400 `invalid_param` otherwise). */
export const tenantIdQuery = (ctx: RequestContext): TenantId | undefined => {
  const raw = queryParam(ctx, "tenant_id")
  return raw === undefined ? undefined : decodeTenantId(raw)
}

/** `?user_id=` of `GET /admin/tenants`. */
export const userIdQuery = (ctx: RequestContext): ExternalUserId | undefined => {
  const raw = queryParam(ctx, "user_id")
  return raw === undefined ? undefined : decodeUserId(raw)
}

const TENANT_SCHEMA = { type: "string", pattern: "^(?!(?:__proto__|constructor|prototype)$)[A-Za-z0-9_:-]{1,64}$" }

/** OpenAPI documentation of `?tenant_id=`. */
export const TENANT_QUERY: ReadonlyArray<QueryParam> = [
  { name: "tenant_id", description: "the tenant scope (MODEL.md); absent: the global set", schema: TENANT_SCHEMA }
]

/** A single-valued query parameter (repeating it is an error). */
export const queryParam = (ctx: RequestContext, name: string): string | undefined => {
  const all = ctx.query.getAll(name)
  if (all.length > 1) throw new InvalidParam({ param: name, message: `${name} may be given once` })
  return all[0]
}

const Explicit = Schema.transformLiterals(["true", true], ["false", false])
const decodeExplicit = param(Explicit, "explicit", "explicit must be true or false")

/** `?explicit=true|false`. */
export const explicitFlag = (ctx: RequestContext): boolean => {
  const v = queryParam(ctx, "explicit")
  return v === undefined ? false : decodeExplicit(v)
}

const decodeLimit = param(PageLimitParam, "limit", `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`)

/** `limit`, `after`, `before` (API.md §5 "paginated like users"); `key` decodes a cursor to its sort key. */
export const pageQuery = <K, I>(ctx: RequestContext, key: Schema.Schema<K, I>): SliceQuery<K> => {
  const limitRaw = queryParam(ctx, "limit")
  const limit = limitRaw === undefined ? DEFAULT_PAGE_LIMIT : decodeLimit(limitRaw)
  const cursor = (name: "after" | "before"): K | undefined => {
    const raw = queryParam(ctx, name)
    return raw === undefined ? undefined : param(key, name, `${name} is not a cursor from this list`)(raw)
  }
  const after = cursor("after")
  const before = cursor("before")
  if (after !== undefined && before !== undefined) throw new InvalidParam({ param: "before", message: "send either after or before, not both" })
  return { limit, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) }
}

/** OpenAPI documentation of the pagination parameters. */
export const PAGE_QUERY: ReadonlyArray<QueryParam> = [
  { name: "limit", description: `page size, 1-${MAX_PAGE_LIMIT}`, schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT } },
  { name: "after", description: "cursor: the next (older) page", schema: { type: "string" } },
  { name: "before", description: "cursor: the previous (newer) page", schema: { type: "string" } }
]
