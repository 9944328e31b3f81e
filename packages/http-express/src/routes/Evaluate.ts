/**
 * Send-time evaluation routes (API.md §4.3, §5; MODEL.md §3, §5): one user, or a batch for
 * fan-out, in the global scope or tenant T (`?tenant_id=`; the response then gains `tenant_id`).
 */
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { BatchEvaluateRequest, BatchEvaluateResponseV2, EvaluateRequest, EvaluateResponseV2, evaluateUsersWithLinks, evaluateUserV2 } from "@notiflows/domain"
import { batchLinksTexts } from "../links/Mint.js"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import { TENANT_QUERY, userIdParam } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"
import { batchResponseBytes, jsonBytes } from "./EvaluateJson.js"
import { adminScope } from "./Scope.js"

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

const one = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId: ExternalUserId = userIdParam(ctx)
  const scope = adminScope(ctx)
  return json(200, await run(deps.runtime, evaluateUserV2(projectOf(ctx), externalId, scope, ctx.body)))
}

const batch = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const scope = adminScope(ctx)
  const { response, grants } = await run(deps.runtime, evaluateUsersWithLinks(projectOf(ctx), scope, ctx.body, deps.now()))
  if (grants === undefined) return jsonBytes(batchResponseBytes(response))
  // LINKS.md §2.2: each result gains `links` (null for a user not found).
  const linksText = batchLinksTexts(deps.publicUrl.base)
  return jsonBytes(batchResponseBytes(response, (userId) => linksText(grants.get(userId))))
}

const tags = ["Evaluation"]

export const evaluateRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "POST", path: "/users/{user_id}/preferences/evaluate", body: true, tags, operationId: "evaluateUser",
    summary: "May this user receive a notiflow on each channel type (globally or in a tenant)?", request: EvaluateRequest,
    query: TENANT_QUERY, errors: [404],
    responses: { 200: { description: "decisions per channel type", schema: EvaluateResponseV2 } }, handle: one
  },
  {
    api: "admin", method: "POST", path: "/preferences/evaluate", body: true, tags, operationId: "evaluateUsers",
    summary: "Decisions for up to 1,000 users (fan-out), in input order, globally or in one tenant", request: BatchEvaluateRequest,
    query: TENANT_QUERY, errors: [404],
    responses: { 200: { description: "decisions per user", schema: BatchEvaluateResponseV2 } }, handle: batch
  }
]
