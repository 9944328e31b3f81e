/**
 * The event feed (EVENTS.md §3): positions, opaque cursors bound to a project, the `types`
 * filter, the port that reads stored events in position order, and the use case.
 *
 * A position is a pair `(major, minor)` compared lexicographically. On PostgreSQL `major` is the
 * id of the transaction that wrote the event and `minor` the row's serial; a reader sees only
 * events whose transaction id is below the oldest transaction still running, so no event can
 * later appear behind a position already handed out (docs/events.md). The in-memory store, whose
 * commits are atomic, numbers events at commit (`major` 0).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { CursorExpired, RepositoryError } from "./Errors.js"
import type { EventType, StoredEvent } from "./Events.js"
import { EVENT_TYPES } from "./Events.js"
import type { ProjectId } from "./Preferences.js"

/** A place in a project's feed. */
export interface FeedPosition {
  readonly major: bigint
  readonly minor: bigint
}

/** The position before every event. */
export const FEED_START: FeedPosition = { major: -1n, minor: -1n }

export const comparePositions = (a: FeedPosition, b: FeedPosition): number =>
  a.major !== b.major ? (a.major < b.major ? -1 : 1) : a.minor !== b.minor ? (a.minor < b.minor ? -1 : 1) : 0

/** `limit` of the feed: 1–1,000, default 100 (EVENTS.md §3). */
export const FEED_DEFAULT_LIMIT = 100
export const FEED_MAX_LIMIT = 1000
/** How many events one page looks at when `types` filters (the page may then be empty with `has_more_after`). */
export const FEED_SCAN = 1000
/** At most this many `types` entries. */
export const FEED_MAX_TYPES = 20

const toBase64Url = (s: string): string => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
const fromBase64Url = (s: string): string | undefined => {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(s)) return undefined
  try {
    return atob(s.replace(/-/g, "+").replace(/_/g, "/"))
  } catch {
    return undefined
  }
}

/** The opaque cursor of a position in a project's feed. */
export const encodeFeedCursor = (projectId: ProjectId, p: FeedPosition): string => toBase64Url(`e1.${projectId}.${p.major}.${p.minor}`)

const INT = /^-?(0|[1-9][0-9]{0,19})$/

/** The position of a cursor made for this project; `undefined` when malformed or another project's. */
export const decodeFeedCursor = (projectId: ProjectId, cursor: string): FeedPosition | undefined => {
  const raw = fromBase64Url(cursor)
  const parts = raw?.split(".")
  if (parts === undefined || parts.length !== 4 || parts[0] !== "e1" || parts[1] !== projectId) return undefined
  const [, , major = "", minor = ""] = parts
  if (!INT.test(major) || !INT.test(minor)) return undefined
  return { major: BigInt(major), minor: BigInt(minor) }
}

/** Which types a page keeps: exact types and `prefix.*` (EVENTS.md §3). */
export type TypeFilter = ReadonlyArray<string>

/** Parses `types`; `undefined` when an entry is unknown (neither a type nor the prefix of one) or too many. */
export const parseTypeFilter = (raw: string): TypeFilter | undefined => {
  const entries = raw.split(",")
  if (entries.length === 0 || entries.length > FEED_MAX_TYPES) return undefined
  const known = (e: string) =>
    e.endsWith(".*") ? EVENT_TYPES.some((t) => t.startsWith(e.slice(0, -1))) : (EVENT_TYPES as ReadonlyArray<string>).includes(e)
  return entries.every((e) => e.length > 0 && known(e)) ? entries : undefined
}

/** The concrete types a filter keeps. */
export const typesOf = (filter: TypeFilter): ReadonlyArray<EventType> =>
  EVENT_TYPES.filter((t) => filter.some((e) => (e.endsWith(".*") ? t.startsWith(e.slice(0, -1)) : t === e)))

/** What the port reads: up to `limit` events after `after`; with `types`, only those, looking at {@link FEED_SCAN} events at most. */
export interface FeedQuery {
  readonly after: FeedPosition | null
  readonly limit: number
  readonly types: ReadonlyArray<EventType> | null
}

/** What it answers: events in position order, where the next page starts, and whether more are visible now. */
export interface FeedSlice {
  readonly items: ReadonlyArray<StoredEvent>
  readonly after: FeedPosition
  readonly hasMore: boolean
}

/**
 * An untyped page as the API sends it: the items' stored JSON texts joined with `,` (what goes
 * between the brackets of `items`), how many, where the next page starts, and whether more are
 * visible now. SQL adapters assemble it in the database: one text instead of 1,000 rows.
 */
export interface FeedText {
  readonly json: string
  readonly count: number
  readonly after: FeedPosition
  readonly hasMore: boolean
}

/** The {@link FeedText} of a slice (adapters that have the events in hand). */
export const feedTextOf = (slice: FeedSlice): FeedText => ({
  json: slice.items.map((e) => e.payload).join(","),
  count: slice.items.length,
  after: slice.after,
  hasMore: slice.hasMore
})

export class EventRepository extends Context.Tag("@notiflows/domain/EventRepository")<
  EventRepository,
  {
    /**
     * A page of committed events after `after` (`null`: from the oldest retained). Never returns
     * an event behind a position it returned before, and never skips one that commits later.
     * Fails with `CursorExpired` when retention removed events after `after`.
     */
    readonly read: (projectId: ProjectId, query: FeedQuery) => Effect.Effect<FeedSlice, CursorExpired | RepositoryError>
    /** The same page as `read` without `types`, as its {@link FeedText}. */
    readonly readText: (
      projectId: ProjectId,
      query: Omit<FeedQuery, "types">
    ) => Effect.Effect<FeedText, CursorExpired | RepositoryError>
    /** The current end of the feed (`after=now`): every event committed later comes after it. */
    readonly end: (projectId: ProjectId) => Effect.Effect<FeedPosition, RepositoryError>
    /**
     * Retention: removes every project's events that occurred before `before`, as a prefix of the
     * feed (an event is removed only when all events before it are), and remembers how far it
     * removed so older cursors answer `CursorExpired`. Answers how many it removed.
     */
    readonly purge: (before: Date) => Effect.Effect<number, RepositoryError>
  }
>() {}

/** A feed page of the API: the stored JSON texts joined with `,` and the page info. */
export interface FeedPage {
  readonly json: string
  readonly after: string
  readonly hasMore: boolean
  readonly limit: number
}

/** `GET /admin/events`: `after` a decoded position, `"now"`, or absent. */
export const readFeed = (
  projectId: ProjectId,
  input: { readonly after: FeedPosition | "now" | null; readonly limit: number; readonly types: TypeFilter | null }
): Effect.Effect<FeedPage, CursorExpired | RepositoryError, EventRepository> =>
  Effect.gen(function* () {
    const repo = yield* EventRepository
    if (input.after === "now") {
      const end = yield* repo.end(projectId)
      return { json: "", after: encodeFeedCursor(projectId, end), hasMore: false, limit: input.limit }
    }
    const page =
      input.types === null
        ? yield* repo.readText(projectId, { after: input.after, limit: input.limit })
        : feedTextOf(yield* repo.read(projectId, { after: input.after, limit: input.limit, types: typesOf(input.types) }))
    return { json: page.json, after: encodeFeedCursor(projectId, page.after), hasMore: page.hasMore, limit: input.limit }
  })
