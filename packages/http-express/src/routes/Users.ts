/**
 * User routes (API.md §5): upsert, read, list, erase.
 */
import * as Schema from "effect/Schema"
import type { ProjectId } from "@notiflows/domain"
import { deleteUser, getUser, listUsers, PageInfo, upsertUserV2, UserExportDocument, UserJson, userToJson, UserUpsertV2Schema } from "@notiflows/domain"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import { run } from "../internal/effectToPromise.js"
import { idKey, PAGE_QUERY, pageQuery, userIdParam } from "./Params.js"
import { adminAttribution } from "./Catalog.js"
import { relayedConsent } from "./Preferences.js"
import { exportUser } from "./UserExport.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

export const UserPage = Schema.Struct({ items: Schema.Array(UserJson), page: PageInfo }).annotations({ identifier: "UserPage" })
const encodeUserPage = Schema.encodeSync(UserPage)

const upsert = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId = userIdParam(ctx)
  // MODEL.md §5: `preferences` here always patches the global set; a tenant scope is refused.
  if (ctx.query.has("tenant_id")) {
    throw new InvalidParam({ param: "tenant_id", message: "PUT /users/{user_id} patches the global set; use PUT …/preferences?tenant_id= for a tenant" })
  }
  const { project, actor } = principalOf(ctx)
  const { user, created } = await run(
    deps.runtime,
    upsertUserV2({ projectId: project.id as ProjectId, externalId, body: ctx.body, context: { actor, requestId: ctx.requestId, source: "admin_api", ...relayedConsent(ctx) } })
  )
  return json(created ? 201 : 200, userToJson(user))
}

const read = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId = userIdParam(ctx)
  const user = await run(deps.runtime, getUser(principalOf(ctx).project.id, externalId))
  return json(200, userToJson(user))
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = pageQuery(ctx, idKey)
  const page = await run(deps.runtime, listUsers(principalOf(ctx).project.id, query))
  return json(200, encodeUserPage(page))
}

const erase = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId = userIdParam(ctx)
  await run(deps.runtime, deleteUser(principalOf(ctx).project.id, externalId, adminAttribution(ctx)))
  return { status: 204 }
}

const tags = ["Users"]

export const userRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "PUT", path: "/users/{user_id}", body: true, tags, operationId: "upsertUser",
    summary: "Create or update a user (profile merge; optional preference patch in the same write)",
    request: UserUpsertV2Schema, consentHeader: true,
    responses: { 200: { description: "updated", schema: UserJson }, 201: { description: "created", schema: UserJson } },
    handle: upsert
  },
  {
    api: "admin", method: "GET", path: "/users/{user_id}", body: false, tags, operationId: "getUser",
    summary: "Read a user", errors: [404], responses: { 200: { description: "the user", schema: UserJson } }, handle: read
  },
  {
    api: "admin", method: "DELETE", path: "/users/{user_id}", body: false, tags, operationId: "deleteUser",
    summary: "Erase a user (EVENTS.md §1.3): profile, sets, ledger and idempotency records naming it; its earlier events are redacted and one user.deleted is written",
    errors: [404], responses: { 204: { description: "erased" } }, handle: erase
  },
  {
    api: "admin", method: "GET", path: "/users/{user_id}/export", body: false, tags, operationId: "exportUser",
    summary: "Data-subject export: profile, every set (explicit and effective) and the whole ledger, streamed", errors: [404],
    responses: { 200: { description: "the export document (chunked; an aborted connection means it is incomplete)", schema: UserExportDocument, headers: ["Content-Disposition"] } },
    handle: exportUser
  },
  {
    api: "admin", method: "GET", path: "/users", body: false, tags, operationId: "listUsers",
    summary: "Users, newest first", query: PAGE_QUERY,
    responses: { 200: { description: "a page of users", schema: UserPage } }, handle: list
  }
]
