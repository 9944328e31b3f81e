/**
 * `GET /admin/preferences/sets` (EVENTS.md §5): every set of the project, for mirrors and
 * replicas. Forward pages only (`after`, `limit` 1–1,000, default 100); `before` is refused
 * rather than ignored, so a client never takes the first page for a previous one.
 */
import type { PreferenceSetsPage as Page, ProjectId, SetKey } from "@notiflows/domain"
import { decodeSetCursor, DEFAULT_SETS_LIMIT, listPreferenceSets, MAX_PAGE_LIMIT, PageLimitParam, PreferenceSetsPage } from "@notiflows/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import { run } from "../internal/effectToPromise.js"
import { queryParam } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

const decodeLimit = Schema.decodeUnknownEither(PageLimitParam)

const setsQuery = (ctx: RequestContext): { readonly limit: number; readonly after: SetKey | null } => {
  const rawLimit = queryParam(ctx, "limit")
  let limit = DEFAULT_SETS_LIMIT
  if (rawLimit !== undefined) {
    const decoded = decodeLimit(rawLimit)
    if (Either.isLeft(decoded)) throw new InvalidParam({ param: "limit", message: `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}` })
    limit = decoded.right
  }
  if (queryParam(ctx, "before") !== undefined) throw new InvalidParam({ param: "before", message: "this list pages forward only: use after" })
  const rawAfter = queryParam(ctx, "after")
  const after = rawAfter === undefined ? null : decodeSetCursor(rawAfter)
  if (after === undefined) throw new InvalidParam({ param: "after", message: "after is not a cursor from this list" })
  return { limit, after }
}

// The page's Schema has no transformation (its encoded form is its type): the stored values are
// sent as they are, without a per-item encode of up to 1,000 sets.
const asEncoded = (page: Page): Schema.Schema.Encoded<typeof PreferenceSetsPage> => page

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = setsQuery(ctx)
  const projectId = principalOf(ctx).project.id as ProjectId
  return json(200, asEncoded(await run(deps.runtime, listPreferenceSets(projectId, query))))
}

export const preferenceSetRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "GET", path: "/preferences/sets", body: false, tags: ["Preferences"], operationId: "listPreferenceSets",
    summary: "Every user's global set (version 0 included) and every tenant set, by user_id (UTF-8 bytes) then tenant_id (null first)",
    query: [
      { name: "limit", description: `page size, 1-${MAX_PAGE_LIMIT}`, schema: { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_SETS_LIMIT } },
      { name: "after", description: "cursor: page.after of the previous page (absent: from the first set)", schema: { type: "string" } }
    ],
    responses: { 200: { description: "a page of sets", schema: PreferenceSetsPage } },
    handle: list
  }
]
