/**
 * Link minting and revocation (LINKS.md §2.1, §2.3): `POST /admin/users/{user_id}/links` and
 * `POST /admin/users/{user_id}/links/revoke`. The domain decides what a link says; this seals it.
 */
import type { ProjectId } from "@notiflows/domain"
import { LinkJson, MintLinkRequest, mintLink, RevokeLinksResponse, revokeUserLinks } from "@notiflows/domain"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import { run } from "../internal/effectToPromise.js"
import { linkJson } from "../links/Mint.js"
import { userIdParam } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

const mint = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  // §2.1: the tenant goes in the body.
  if (ctx.query.has("tenant_id")) throw new InvalidParam({ param: "tenant_id", message: "send tenant_id in the body of a link request" })
  const externalId = userIdParam(ctx)
  const grant = await run(deps.runtime, mintLink(projectOf(ctx), externalId, ctx.body, deps.now()))
  return json(200, linkJson(grant, deps.publicUrl.base))
}

const revoke = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId = userIdParam(ctx)
  return json(200, await run(deps.runtime, revokeUserLinks(projectOf(ctx), externalId, deps.now())))
}

const tags = ["Links"]

export const linkRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "POST", path: "/users/{user_id}/links", body: true, tags, operationId: "createLink",
    summary: "Mint a signed unsubscribe or preference-center link for a user", request: MintLinkRequest, errors: [404],
    responses: { 200: { description: "the link (a new token on every call; earlier ones stay valid)", schema: LinkJson } }, handle: mint
  },
  {
    api: "admin", method: "POST", path: "/users/{user_id}/links/revoke", body: false, tags, operationId: "revokeLinks",
    summary: "Revoke every link and undo ticket issued to the user until now", errors: [404],
    responses: { 200: { description: "links issued at or before links_valid_after answer 410", schema: RevokeLinksResponse } }, handle: revoke
  }
]
