/**
 * Send-time evaluation routes (API.md §4.3, §5): one user, or a batch for fan-out.
 */
import { BatchEvaluateRequest, BatchEvaluateResponse, EvaluateRequest, EvaluateResponse, evaluateUser, evaluateUsers } from "@notiflows/domain"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import { userIdParam } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

const one = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId = userIdParam(ctx)
  return json(200, await run(deps.runtime, evaluateUser(principalOf(ctx).project.id, externalId, ctx.body)))
}

const batch = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> =>
  json(200, await run(deps.runtime, evaluateUsers(principalOf(ctx).project.id, ctx.body)))

const tags = ["Evaluation"]

export const evaluateRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "POST", path: "/users/{user_id}/preferences/evaluate", body: true, tags, operationId: "evaluateUser",
    summary: "May this user receive a notiflow on each channel type?", request: EvaluateRequest, errors: [404],
    responses: { 200: { description: "decisions per channel type", schema: EvaluateResponse } }, handle: one
  },
  {
    api: "admin", method: "POST", path: "/preferences/evaluate", body: true, tags, operationId: "evaluateUsers",
    summary: "Decisions for up to 1,000 users (fan-out), in input order", request: BatchEvaluateRequest, errors: [404],
    responses: { 200: { description: "decisions per user", schema: BatchEvaluateResponse } }, handle: batch
  }
]
