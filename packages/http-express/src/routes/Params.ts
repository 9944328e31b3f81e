/**
 * Path and query parameters, validated after the body (API.md §3 order): 400 `invalid_param`.
 */
import type { SliceQuery } from "@notiflows/domain"
import { decodeCursor, DEFAULT_PAGE_LIMIT, isExternalUserId, isNotiflowId, MAX_PAGE_LIMIT } from "@notiflows/domain"
import type { RequestContext } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import type { QueryParam } from "./Route.js"

const decoded = (ctx: RequestContext, name: string): string => {
  const raw = ctx.rawParams[name] ?? ""
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new InvalidParam({ param: name, message: `${name} is not valid percent-encoded UTF-8` })
  }
}

/** The `{user_id}` path parameter (API.md §1: 1–255 code points, no control characters). */
export const userIdParam = (ctx: RequestContext): string => {
  const id = decoded(ctx, "user_id")
  if (!isExternalUserId(id)) throw new InvalidParam({ param: "user_id", message: "user_id must be 1-255 characters with no control characters" })
  return id
}

/** The `{notiflow_id}` path parameter. */
export const notiflowIdParam = (ctx: RequestContext): string => {
  const id = decoded(ctx, "notiflow_id")
  if (!isNotiflowId(id)) {
    throw new InvalidParam({ param: "notiflow_id", message: "notiflow_id must be 1-64 characters of A-Za-z0-9_:- and not a reserved word" })
  }
  return id
}

/** A single-valued query parameter (repeating it is an error). */
export const queryParam = (ctx: RequestContext, name: string): string | undefined => {
  const all = ctx.query.getAll(name)
  if (all.length > 1) throw new InvalidParam({ param: name, message: `${name} may be given once` })
  return all[0]
}

/** `?explicit=true|false`. */
export const explicitFlag = (ctx: RequestContext): boolean => {
  const v = queryParam(ctx, "explicit")
  if (v === undefined || v === "false") return false
  if (v === "true") return true
  throw new InvalidParam({ param: "explicit", message: "explicit must be true or false" })
}

/** `limit`, `after`, `before` (API.md §5 "paginated like users"). */
export const pageQuery = <K>(ctx: RequestContext, key: (raw: string) => K | undefined): SliceQuery<K> => {
  const limitRaw = queryParam(ctx, "limit")
  let limit = DEFAULT_PAGE_LIMIT
  if (limitRaw !== undefined) {
    if (!/^[0-9]{1,7}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_PAGE_LIMIT) {
      throw new InvalidParam({ param: "limit", message: `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}` })
    }
    limit = Number(limitRaw)
  }
  const cursor = (name: "after" | "before"): K | undefined => {
    const raw = queryParam(ctx, name)
    if (raw === undefined) return undefined
    const k = (() => {
      const s = decodeCursor(raw)
      return s === undefined ? undefined : key(s)
    })()
    if (k === undefined) throw new InvalidParam({ param: name, message: `${name} is not a cursor from this list` })
    return k
  }
  const after = cursor("after")
  const before = cursor("before")
  if (after !== undefined && before !== undefined) throw new InvalidParam({ param: "before", message: "send either after or before, not both" })
  return { limit, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) }
}

/** History cursors hold versions. */
export const versionKey = (s: string): number | undefined => (/^[0-9]{1,15}$/.test(s) ? Number(s) : undefined)

/** User and notiflow cursors hold ids. */
export const idKey = (s: string): string | undefined => (s.length > 0 ? s : undefined)

/** OpenAPI documentation of the pagination parameters. */
export const PAGE_QUERY: ReadonlyArray<QueryParam> = [
  { name: "limit", description: `page size, 1-${MAX_PAGE_LIMIT}`, schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT } },
  { name: "after", description: "cursor: the next (older) page", schema: { type: "string" } },
  { name: "before", description: "cursor: the previous (newer) page", schema: { type: "string" } }
]

export const EXPLICIT_QUERY: ReadonlyArray<QueryParam> = [
  { name: "explicit", description: "true: the stored explicit choices only", schema: { type: "boolean", default: false } }
]
