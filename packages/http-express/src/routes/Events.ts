/**
 * The event feed (EVENTS.md §3): `GET /admin/events?after=&limit=&types=`. Items are the events'
 * stored JSON texts, sent as stored (the same bytes a webhook receives).
 */
import type { FeedPosition, ProjectId, TypeFilter } from "@notiflows/domain"
import { decodeFeedCursor, FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT, FEED_MAX_TYPES, FeedEvent, parseTypeFilter, readFeed } from "@notiflows/domain"
import * as Schema from "effect/Schema"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import { run } from "../internal/effectToPromise.js"
import { queryParam } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"

/** The feed's page info: `after` is never null (EVENTS.md §3). */
export const FeedPageInfo = Schema.Struct({ after: Schema.String, has_more_after: Schema.Boolean, limit: Schema.Int }).annotations({
  identifier: "EventPageInfo"
})

export const EventPage = Schema.Struct({ items: Schema.Array(FeedEvent), page: FeedPageInfo }).annotations({ identifier: "EventPage" })

const LIMIT = /^[0-9]{1,7}$/

const limitOf = (ctx: RequestContext): number => {
  const raw = queryParam(ctx, "limit")
  if (raw === undefined) return FEED_DEFAULT_LIMIT
  const n = LIMIT.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= FEED_MAX_LIMIT)) throw new InvalidParam({ param: "limit", message: `limit must be an integer from 1 to ${FEED_MAX_LIMIT}` })
  return n
}

const afterOf = (ctx: RequestContext, projectId: ProjectId): FeedPosition | "now" | null => {
  const raw = queryParam(ctx, "after")
  if (raw === undefined) return null
  if (raw === "now") return "now"
  const position = decodeFeedCursor(projectId, raw)
  if (position === undefined) throw new InvalidParam({ param: "after", message: "after is not a cursor of this project's feed" })
  return position
}

const typesOf = (ctx: RequestContext): TypeFilter | null => {
  const raw = queryParam(ctx, "types")
  if (raw === undefined) return null
  const filter = parseTypeFilter(raw)
  if (filter === undefined) {
    throw new InvalidParam({ param: "types", message: `types must list at most ${FEED_MAX_TYPES} known event types or prefix.* entries, comma-separated` })
  }
  return filter
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const projectId = principalOf(ctx).project.id as ProjectId
  const after = afterOf(ctx, projectId)
  const limit = limitOf(ctx)
  const types = typesOf(ctx)
  const page = await run(deps.runtime, readFeed(projectId, { after, limit, types }))
  // The stored texts as they are; the envelope around them by hand (its members are ours).
  const text = `{"items":[${page.json}],"page":${JSON.stringify({ after: page.after, has_more_after: page.hasMore, limit: page.limit })}}`
  return { status: 200, text, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" } }
}

export const eventRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin",
    method: "GET",
    path: "/events",
    body: false,
    tags: ["Events"],
    operationId: "listEvents",
    summary: "The event feed: every committed change, oldest first, from a cursor (EVENTS.md §3)",
    query: [
      { name: "after", description: "a cursor from page.after, or now (the current end); absent: from the oldest retained event", schema: { type: "string" } },
      {
        name: "limit",
        description: `page size, 1-${FEED_MAX_LIMIT}`,
        schema: { type: "integer", minimum: 1, maximum: FEED_MAX_LIMIT, default: FEED_DEFAULT_LIMIT }
      },
      { name: "types", description: `comma-separated event types or prefix.* (at most ${FEED_MAX_TYPES})`, schema: { type: "string" } }
    ],
    errors: [410],
    responses: { 200: { description: "a page of events", schema: EventPage } },
    handle: list
  }
]
