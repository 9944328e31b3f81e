/**
 * Preference reads and writes (API.md §4.1, §4.2; MODEL.md §4, §5), shared by the admin API
 * (user from the path) and the User API (user from the token), in the global scope or a
 * tenant's (`?tenant_id=` or the token's `tenant` claim). Reads carry a strong ETag and honour
 * `If-None-Match`; writes honour `If-Match` through the use case's precondition.
 */
import type { Audience, ConsentContext, ExternalUserId, ProjectId, Scope, ScopedSnapshot, WriteContext } from "@notiflows/domain"
import { consentHeaderOf } from "../ConsentHeader.js"
import {
  ExplicitPreferencesViewV2,
  getScopedHistory,
  PageInfo,
  PreferencePatchV2Schema,
  PreferencesViewV2,
  resetScopedPreferences,
  ScopedHistoryEntryJson,
  UserHistoryEntryJson
} from "@notiflows/domain"
import * as Schema from "effect/Schema"
import { ifMatchHolds, noneMatchHits } from "../ETag.js"
import type { Reply, RequestContext } from "../Http.js"
import { consentContextOf, header, principalOf } from "../Http.js"
import { snapshotOf, updateOf } from "../internal/Direct.js"
import { run } from "../internal/effectToPromise.js"
import { viewTag, viewText } from "../internal/ViewText.js"
import { explicitFlag, PAGE_QUERY, pageQuery, TENANT_QUERY, userIdParam, versionKey } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"
import { adminScope, userScope } from "./Scope.js"

const JSON_CONTENT_TYPE = "application/json; charset=utf-8"

/** API.md §4.1: revalidate on every use, never shared by intermediaries. */
export const PREFERENCES_CACHE_CONTROL = "private, no-cache"

export const HistoryPage = Schema.Struct({ items: Schema.Array(ScopedHistoryEntryJson), page: PageInfo }).annotations({
  identifier: "PreferenceHistoryPage"
})
/** The User API's history: without `context` (EVENTS.md §1). */
export const OwnHistoryPage = Schema.Struct({ items: Schema.Array(UserHistoryEntryJson), page: PageInfo }).annotations({
  identifier: "OwnPreferenceHistoryPage"
})
const encodeHistoryPage = Schema.encodeSync(HistoryPage)
// Encoding drops what the schema does not name: `context` never reaches the User API.
const encodeOwnHistoryPage = Schema.encodeSync(OwnHistoryPage)

// The v2 views keep the v1 component names (the same representations, extended additively).
const PreferencesView = PreferencesViewV2.annotations({ identifier: "Preferences" })
const ExplicitPreferencesView = ExplicitPreferencesViewV2.annotations({ identifier: "ExplicitPreferences" })

/** Whose preferences a request addresses, and in which scope (path first, then scope: M§8's order). */
type Target = (ctx: RequestContext) => { readonly projectId: ProjectId; readonly externalId: ExternalUserId; readonly scope: Scope }

/** A view's JSON reply: the same bytes (memoized, internal/ViewText.ts) are hashed for the ETag and sent. */
const taggedReply = (s: ScopedSnapshot, audience: Audience, kind: "view" | "explicit"): Reply => {
  const bytes = viewText(s, audience, kind)
  return {
    status: 200,
    bytes,
    headers: { "Content-Type": JSON_CONTENT_TYPE, ETag: viewTag(s, audience, kind, bytes), "Cache-Control": PREFERENCES_CACHE_CONTROL }
  }
}

const viewReply = (s: ScopedSnapshot, audience: Audience): Reply => taggedReply(s, audience, "view")

/**
 * The `If-Match` precondition: holds when the header lists the current tag of this API's view
 * (or of its explicit view); otherwise reports the view's current tag (412).
 */
const precondition = (ctx: RequestContext, audience: Audience) => {
  const ifMatch = header(ctx.headers, "if-match")
  if (ifMatch === undefined) return {}
  return { precondition: ifMatchPrecondition(ifMatch, audience) }
}

/** `If-Match` on a snapshot: `undefined` when it holds, else the view's current tag (also each bulk item's `if_match`, BULK.md §1.1). */
export const ifMatchPrecondition =
  (ifMatch: string, audience: Audience = "admin") =>
  (s: ScopedSnapshot): string | undefined => {
    const view = viewTag(s, audience, "view")
    return ifMatchHolds(ifMatch, [view, viewTag(s, audience, "explicit")]) ? undefined : view
  }

/**
 * A read of the view, or of the explicit view (`GET …/preferences/explicit`, and the
 * undocumented `?explicit=true` on the view's URL that early clients use).
 */
const read = (audience: Audience, target: Target, kind: "view" | "explicit") => async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const explicit = kind === "explicit" || explicitFlag(ctx)
  const { projectId, externalId, scope } = target(ctx)
  const s = await snapshotOf(deps.runtime, projectId, externalId, scope)
  const reply = taggedReply(s, audience, explicit ? "explicit" : "view")
  const etag = reply.headers?.["ETag"] ?? ""
  const ifNoneMatch = header(ctx.headers, "if-none-match")
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) {
    return { status: 304, headers: { ETag: etag, "Cache-Control": PREFERENCES_CACHE_CONTROL } }
  }
  return reply
}

/** The consent context an admin write relays (`x-notiflows-consent-context`), if any. */
export const relayedConsent = (ctx: RequestContext): { readonly consent?: ConsentContext } => {
  const consent = consentHeaderOf(ctx)
  return consent === undefined ? {} : { consent }
}

/** Who writes, from where (EVENTS.md §1.1: the source follows the route; end users' writes record their context). */
const writeContext = (ctx: RequestContext, audience: Audience): WriteContext => {
  const { actor } = principalOf(ctx)
  return audience === "admin"
    ? { actor, requestId: ctx.requestId, source: "admin_api", ...relayedConsent(ctx) }
    : { actor, requestId: ctx.requestId, source: "user_api", consent: consentContextOf(ctx) }
}

const update = (audience: Audience, target: Target) => async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const { projectId, externalId, scope } = target(ctx)
  const s = await updateOf(deps.runtime, {
    projectId,
    externalId,
    scope,
    audience,
    body: ctx.body,
    context: writeContext(ctx, audience),
    ...precondition(ctx, audience)
  })
  return viewReply(s, audience)
}

const reset = (audience: Audience, target: Target) => async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const { projectId, externalId, scope } = target(ctx)
  const s = await run(
    deps.runtime,
    resetScopedPreferences({ projectId, externalId, scope, context: writeContext(ctx, audience), ...precondition(ctx, audience) })
  )
  return viewReply(s, audience)
}

const history = (audience: Audience, target: Target) => async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = pageQuery(ctx, versionKey)
  const { projectId, externalId, scope } = target(ctx)
  const page = await run(deps.runtime, getScopedHistory(projectId, externalId, scope, audience, query))
  return json(200, audience === "admin" ? encodeHistoryPage(page) : encodeOwnHistoryPage(page))
}

const adminTarget: Target = (ctx) => {
  const externalId = userIdParam(ctx)
  return { projectId: principalOf(ctx).project.id as ProjectId, externalId, scope: adminScope(ctx) }
}
const userTarget: Target = (ctx) => {
  const p = principalOf(ctx)
  if (p.externalUserId === undefined) throw new Error("user API route reached without an acting user")
  const scope = userScope(ctx)
  return { projectId: p.project.id, externalId: p.externalUserId, scope }
}

/** The preference routes of one API. */
const preferenceRoutes = (audience: Audience): ReadonlyArray<RouteSpec> => {
  const admin = audience === "admin"
  const target = admin ? adminTarget : userTarget
  const base = admin ? "/users/{user_id}/preferences" : "/preferences"
  const who = admin ? "a user's" : "the signed-in user's"
  const id = (s: string) => (admin ? `${s}UserPreferences` : `${s}OwnPreferences`)
  const tags = [admin ? "Preferences" : "User API"]
  // Every preference route names a user that may not exist (404); `explicit` is read but undocumented (400).
  const errors = [404]
  const tagged = ["ETag"] as const
  return [
    {
      api: audience, method: "GET", path: base, body: false, tags, operationId: id("get"),
      summary: `Read ${who} effective preferences, globally or in a tenant (?tenant_id=)`, query: TENANT_QUERY,
      conditional: ["If-None-Match"], errors: [400, 404],
      responses: {
        200: { description: "the preferences view (§4.1)", schema: PreferencesView, headers: tagged },
        304: { description: "not modified (If-None-Match)", headers: tagged }
      },
      handle: read(audience, target, "view")
    },
    {
      api: audience, method: "GET", path: `${base}/explicit`, body: false, tags, operationId: id("getExplicit"),
      summary: `Read ${who} stored explicit choices of one scope only (for tools and migrations)`, query: TENANT_QUERY,
      conditional: ["If-None-Match"], errors,
      responses: {
        200: { description: "the explicit view: stored choices of live notiflows, no names", schema: ExplicitPreferencesView, headers: tagged },
        304: { description: "not modified (If-None-Match)", headers: tagged }
      },
      handle: read(audience, target, "explicit")
    },
    {
      api: audience, method: "PUT", path: base, body: true, tags, operationId: id("update"),
      summary: `Update ${who} preferences (merge patch) in the global set or a tenant's; send only what changed`,
      request: PreferencePatchV2Schema, query: TENANT_QUERY, conditional: ["If-Match"], errors, ...(admin ? { consentHeader: true as const } : {}),
      responses: { 200: { description: "the preferences view after the write", schema: PreferencesView, headers: tagged } },
      handle: update(audience, target)
    },
    ...(admin
      ? [
          {
            api: audience, method: "DELETE", path: base, body: false, tags, operationId: "resetUserPreferences",
            summary: "Remove every explicit choice of the global set or of one tenant's set (back to defaults)", query: TENANT_QUERY,
            conditional: ["If-Match"], errors, consentHeader: true,
            responses: { 200: { description: "the preferences view after the reset", schema: PreferencesView, headers: tagged } },
            handle: reset(audience, target)
          } satisfies RouteSpec
        ]
      : []),
    {
      api: audience, method: "GET", path: `${base}/history`, body: false, tags, operationId: id("list") + "History",
      summary: `${admin ? "A user's" : "Own"} preference history of one scope, newest first`, query: [...PAGE_QUERY, ...TENANT_QUERY], errors,
      responses: { 200: { description: "a page of ledger entries", schema: admin ? HistoryPage : OwnHistoryPage } },
      handle: history(audience, target)
    }
  ]
}

export const adminPreferenceRoutes: ReadonlyArray<RouteSpec> = preferenceRoutes("admin")
export const userPreferenceRoutes: ReadonlyArray<RouteSpec> = preferenceRoutes("user")
