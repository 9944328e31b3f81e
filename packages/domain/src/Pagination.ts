/**
 * Cursor pagination shared by every list: newest first, opaque cursors.
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** What a repository is asked for: at most `limit` items after or before a key. */
export interface SliceQuery<K> {
  readonly limit: number
  /** Items older than this key (next page). */
  readonly after?: K
  /** Items newer than this key (previous page). */
  readonly before?: K
}

/** What a repository answers: items newest first, and whether more exist in the direction read. */
export interface Slice<A> {
  readonly items: ReadonlyArray<A>
  readonly hasMore: boolean
}

export const PageInfo = Schema.Struct({
  after: Schema.NullOr(Schema.String),
  before: Schema.NullOr(Schema.String),
  has_more_after: Schema.Boolean,
  has_more_before: Schema.Boolean,
  limit: Schema.Int
}).annotations({ identifier: "PageInfo" })
export type PageInfo = typeof PageInfo.Type

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly page: PageInfo
}

export const DEFAULT_PAGE_LIMIT = 25
export const MAX_PAGE_LIMIT = 1000

const toBase64Url = (s: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

const fromBase64Url = (s: string): string | undefined => {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(s)) return undefined
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"))
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
}

/** Encodes a sort key as an opaque cursor. */
export const encodeCursor = (key: string): string => toBase64Url(`v1:${key}`)

/** Decodes a cursor made by {@link encodeCursor}; `undefined` when it is not one. */
export const decodeCursor = (cursor: string): string | undefined => {
  const raw = fromBase64Url(cursor)
  return raw !== undefined && raw.startsWith("v1:") ? raw.slice(3) : undefined
}

/** A cursor made by {@link encodeCursor}, decoded to its sort key (what `after`/`before` carry). */
export const Cursor = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (cursor, _, ast) => {
    const key = decodeCursor(cursor)
    return key === undefined ? ParseResult.fail(new ParseResult.Type(ast, cursor, "not a cursor from this list")) : ParseResult.succeed(key)
  },
  encode: (key) => ParseResult.succeed(encodeCursor(key))
})

/** History cursors hold versions. */
export const VersionKey = Schema.compose(
  Cursor,
  Schema.compose(Schema.String.pipe(Schema.pattern(/^[0-9]{1,15}$/)), Schema.NumberFromString)
)

/** User and notiflow cursors hold ids. */
export const IdKey = Schema.compose(Cursor, Schema.NonEmptyString)

/** A page size: an integer from 1 to {@link MAX_PAGE_LIMIT}. */
export const PageLimit = Schema.Int.pipe(Schema.between(1, MAX_PAGE_LIMIT))

/** A page size as a query parameter: up to 7 decimal digits. */
export const PageLimitParam = Schema.compose(
  Schema.compose(Schema.String.pipe(Schema.pattern(/^[0-9]{1,7}$/)), Schema.NumberFromString),
  PageLimit
)

/**
 * Builds the page envelope from a slice. Reading `after` a cursor implies a newer item exists
 * (the cursor's own), and reading `before` one implies an older one.
 */
export const toPage = <A, K>(
  slice: Slice<A>,
  query: SliceQuery<K>,
  keyOf: (a: A) => string
): Page<A> => {
  const first = slice.items[0]
  const last = slice.items[slice.items.length - 1]
  const readingBefore = query.before !== undefined
  // An empty page keeps the cursor it was read from, so a client can page back from it.
  const from = query.after ?? query.before
  const echo = first === undefined && from !== undefined ? encodeCursor(String(from)) : null
  return {
    items: slice.items,
    page: {
      after: last !== undefined ? encodeCursor(keyOf(last)) : readingBefore ? echo : null,
      before: first !== undefined ? encodeCursor(keyOf(first)) : readingBefore ? null : echo,
      has_more_after: readingBefore ? query.before !== undefined : slice.hasMore,
      has_more_before: readingBefore ? slice.hasMore : query.after !== undefined,
      limit: query.limit
    }
  }
}
