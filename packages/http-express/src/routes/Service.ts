/**
 * Service routes: liveness, readiness and the OpenAPI document. No authentication.
 */
import * as Schema from "effect/Schema"
import type { Reply, RequestContext } from "../Http.js"
import { RouteNotFound, ServiceUnavailable } from "../HttpErrors.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

export const HealthStatus = Schema.Struct({ status: Schema.Literal("ok") }).annotations({ identifier: "HealthStatus" })

const healthz = (): Promise<Reply> => Promise.resolve(json(200, { status: "ok" }, { "Cache-Control": "no-store" }))

const readyz = async (_ctx: unknown, deps: HandlerDeps): Promise<Reply> => {
  let ready = false
  try {
    ready = await deps.readiness()
  } catch {
    ready = false
  }
  if (!ready) throw new ServiceUnavailable({ retryAfterSeconds: 1 })
  return json(200, { status: "ok" }, { "Cache-Control": "no-store" })
}

const openapi = (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => Promise.resolve(json(200, deps.openApi(ctx.baseUrl)))

const metrics = async (_ctx: unknown, deps: HandlerDeps): Promise<Reply> => {
  if (deps.metrics === undefined) throw new RouteNotFound({ path: "/metrics" })
  const { contentType, text } = await deps.metrics()
  return { status: 200, text, headers: { "Content-Type": contentType, "Cache-Control": "no-store" } }
}

const tags = ["Service"]

export const serviceRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "service", method: "GET", path: "/healthz", body: false, tags, operationId: "healthz", summary: "The process is up",
    responses: { 200: { description: "up", schema: HealthStatus } }, handle: healthz
  },
  {
    api: "service", method: "GET", path: "/readyz", body: false, tags, operationId: "readyz", summary: "The database is reachable",
    responses: { 200: { description: "ready", schema: HealthStatus } }, errors: [503], handle: readyz
  },
  {
    api: "service", method: "GET", path: "/openapi.json", body: false, tags, operationId: "openapi", summary: "This document (OpenAPI 3.1)",
    responses: { 200: { description: "the OpenAPI document", content: { mediaType: "application/json", schema: { type: "object" } } } },
    handle: openapi
  },
  {
    api: "service", method: "GET", path: "/metrics", body: false, tags, operationId: "metrics", summary: "Prometheus metrics (text format)",
    responses: { 200: { description: "metrics in the Prometheus text exposition format", content: { mediaType: "text/plain", schema: { type: "string" } } } },
    errors: [404, 500], handle: metrics
  }
]
