/**
 * Webhook endpoints (EVENTS.md §4.1): create (the secret shown once), list, read (ETag), merge
 * patch and delete (`If-Match`), secret rotation.
 */
import type { ProjectId, Webhook } from "@notiflows/domain"
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  PageInfo,
  rotateWebhookSecret,
  updateWebhook,
  WebhookCreatedJson,
  WebhookCreateSchema,
  WebhookJson,
  WebhookPatchSchema,
  WebhookRotateSchema,
  WebhookSecretJson,
  webhookToJson
} from "@notiflows/domain"
import * as Schema from "effect/Schema"
import { etagOfResource, ifMatchHolds, noneMatchHits } from "../ETag.js"
import type { Reply, RequestContext } from "../Http.js"
import { header, principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import { idKey, PAGE_QUERY, pageQuery } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

export const WebhookPage = Schema.Struct({ items: Schema.Array(WebhookJson), page: PageInfo }).annotations({ identifier: "WebhookPage" })

const ETAG_HEADERS = ["ETag"] as const
const CACHE_CONTROL = "private, no-cache"

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

/** The `{webhook_id}` path segment as sent (an id that is no UUID is simply not found: 404). */
export const webhookIdParam = (ctx: RequestContext): string => (ctx.rawParams["webhook_id"] ?? "").toLowerCase()

const tagOf = (w: Webhook, now: Date): string => etagOfResource(`webhook:${w.id}`, JSON.stringify(webhookToJson(w, now)))

/** `If-Match` as a domain precondition. */
const preconditionOf = (ctx: RequestContext) => {
  const ifMatch = header(ctx.headers, "if-match")
  return ifMatch === undefined
    ? undefined
    : (w: Webhook, now: Date): string | undefined => {
        const current = tagOf(w, now)
        return ifMatchHolds(ifMatch, [current]) ? undefined : current
      }
}

const reply = (status: number, w: Webhook, now: Date): Reply => ({
  status,
  body: webhookToJson(w, now),
  headers: { ETag: tagOf(w, now), "Cache-Control": CACHE_CONTROL }
})

const create = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const { webhook, secret, at } = await run(deps.runtime, createWebhook(projectOf(ctx), ctx.body))
  return json(201, { ...webhookToJson(webhook, at), secret }, { ETag: tagOf(webhook, at), "Cache-Control": "no-store" })
}

const read = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const webhook = await run(deps.runtime, getWebhook(projectOf(ctx), webhookIdParam(ctx)))
  const out = reply(200, webhook, new Date(deps.now()))
  const etag = out.headers?.["ETag"] ?? ""
  const ifNoneMatch = header(ctx.headers, "if-none-match")
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) return { status: 304, headers: { ETag: etag, "Cache-Control": CACHE_CONTROL } }
  return out
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = pageQuery(ctx, idKey)
  const page = await run(deps.runtime, listWebhooks(projectOf(ctx), query))
  const now = new Date(deps.now())
  return json(200, { items: page.items.map((w) => webhookToJson(w, now)), page: page.page })
}

const patch = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const webhook = await run(deps.runtime, updateWebhook(projectOf(ctx), webhookIdParam(ctx), ctx.body, preconditionOf(ctx)))
  return reply(200, webhook, new Date(deps.now()))
}

const remove = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  await run(deps.runtime, deleteWebhook(projectOf(ctx), webhookIdParam(ctx), preconditionOf(ctx)))
  return { status: 204 }
}

const rotate = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const out = await run(deps.runtime, rotateWebhookSecret(projectOf(ctx), webhookIdParam(ctx), ctx.body))
  return json(200, { secret: out.secret, previous_secret_expires_at: out.previousSecretExpiresAt?.toISOString() ?? null }, { "Cache-Control": "no-store" })
}

const tags = ["Webhooks"]

export const webhookRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "POST", path: "/webhooks", body: true, tags, operationId: "createWebhook",
    summary: "Create a webhook endpoint (its secret is shown once)", request: WebhookCreateSchema,
    responses: { 201: { description: "the endpoint and its secret", schema: WebhookCreatedJson, headers: ETAG_HEADERS } }, handle: create
  },
  {
    api: "admin", method: "GET", path: "/webhooks", body: false, tags, operationId: "listWebhooks",
    summary: "Webhook endpoints, newest first", query: PAGE_QUERY,
    responses: { 200: { description: "a page of endpoints", schema: WebhookPage } }, handle: list
  },
  {
    api: "admin", method: "GET", path: "/webhooks/{webhook_id}", body: false, tags, operationId: "getWebhook",
    summary: "Read a webhook endpoint", errors: [404], conditional: ["If-None-Match"],
    responses: {
      200: { description: "the endpoint", schema: WebhookJson, headers: ETAG_HEADERS },
      304: { description: "not modified", headers: ETAG_HEADERS }
    },
    handle: read
  },
  {
    api: "admin", method: "PATCH", path: "/webhooks/{webhook_id}", body: true, tags, operationId: "updateWebhook",
    summary: "Merge-patch a webhook endpoint (url, event_types, description, status)", request: WebhookPatchSchema, errors: [404], conditional: ["If-Match"],
    responses: { 200: { description: "the endpoint after the write", schema: WebhookJson, headers: ETAG_HEADERS } }, handle: patch
  },
  {
    api: "admin", method: "DELETE", path: "/webhooks/{webhook_id}", body: false, tags, operationId: "deleteWebhook",
    summary: "Delete a webhook endpoint with its pending deliveries and log", errors: [404], conditional: ["If-Match"],
    responses: { 204: { description: "deleted" } }, handle: remove
  },
  {
    api: "admin", method: "POST", path: "/webhooks/{webhook_id}/secret/rotate", body: true, tags, operationId: "rotateWebhookSecret",
    summary: "Rotate the signing secret; the previous one keeps signing for overlap_seconds", request: WebhookRotateSchema, errors: [404],
    responses: { 200: { description: "the new secret (shown once)", schema: WebhookSecretJson } }, handle: rotate
  }
]
