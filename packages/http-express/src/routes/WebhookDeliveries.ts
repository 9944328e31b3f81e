/**
 * EVENTS.md §4.5: an endpoint's deliveries log, replay (202) and the test ping (one attempt now,
 * disabled endpoints included, never retried, not in the feed; 200 with the delivery whatever the
 * receiver answered).
 */
import { randomBytes } from "node:crypto"
import type { DeliveryFilter, DeliveryStatus, ProjectId } from "@notiflows/domain"
import {
  DeliveryJson,
  encodeDelivery,
  getWebhook,
  listDeliveries,
  liveSecrets,
  PageInfo,
  replayWebhook,
  WebhookDeliveryRepository,
  WebhookPolicy,
  WebhookReplayJson,
  WebhookReplaySchema
} from "@notiflows/domain"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import { run } from "../internal/effectToPromise.js"
import { send } from "../webhooks/Sender.js"
import { deliveryHeaders } from "../webhooks/Signature.js"
import { idKey, PAGE_QUERY, pageQuery, queryParam } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"
import { webhookIdParam } from "./Webhooks.js"

export const DeliveryPage = Schema.Struct({ items: Schema.Array(DeliveryJson), page: PageInfo }).annotations({ identifier: "WebhookDeliveryPage" })

const STATUSES: ReadonlyArray<DeliveryStatus> = ["pending", "succeeded", "failed", "cancelled"]
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

/** A UUIDv7 (RFC 9562): 48-bit milliseconds, version and variant bits, random rest. */
const uuidv7 = (ms: number): string => {
  const b = randomBytes(16)
  b.writeUIntBE(ms, 0, 6)
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString("hex")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

const filterOf = (ctx: RequestContext): DeliveryFilter => {
  const status = queryParam(ctx, "status")
  const eventId = queryParam(ctx, "event_id")
  if (status !== undefined && !(STATUSES as ReadonlyArray<string>).includes(status)) {
    throw new InvalidParam({ param: "status", message: `status must be one of ${STATUSES.join(", ")}` })
  }
  if (eventId !== undefined && !UUID.test(eventId)) throw new InvalidParam({ param: "event_id", message: "event_id must be an event id (a UUID)" })
  return { ...(status !== undefined ? { status: status as DeliveryStatus } : {}), ...(eventId !== undefined ? { eventId: eventId.toLowerCase() } : {}) }
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const filter = filterOf(ctx)
  const query = pageQuery(ctx, idKey)
  const page = await run(deps.runtime, listDeliveries(projectOf(ctx), webhookIdParam(ctx), filter, query))
  return json(200, { items: page.items.map((d) => encodeDelivery(d)), page: page.page })
}

const replay = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> =>
  json(202, await run(deps.runtime, replayWebhook(projectOf(ctx), webhookIdParam(ctx), ctx.body)))

const test = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const projectId = projectOf(ctx)
  const webhook = await run(deps.runtime, getWebhook(projectId, webhookIdParam(ctx)))
  const policy = await run(deps.runtime, WebhookPolicy)
  const startedAt = new Date()
  const eventId = uuidv7(startedAt.getTime())
  const body = JSON.stringify({ id: eventId, type: "webhook.test", occurred_at: startedAt.toISOString(), project_id: projectId, data: { webhook_id: webhook.id } })
  const headers = deliveryHeaders(liveSecrets(webhook, startedAt), eventId, Math.floor(startedAt.getTime() / 1000), body)
  const outcome = await send({ url: webhook.url, headers, body, timeoutMs: policy.timeoutMs, allowPrivate: policy.allowPrivate })
  const delivery = await run(
    deps.runtime,
    Effect.flatMap(WebhookDeliveryRepository, (r) => r.recordTest(projectId, webhook.id, { eventId, startedAt, outcome }))
  )
  return json(200, encodeDelivery(delivery))
}

const tags = ["Webhooks"]

export const webhookDeliveryRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "GET", path: "/webhooks/{webhook_id}/deliveries", body: false, tags, operationId: "listWebhookDeliveries",
    summary: "An endpoint's deliveries with their attempts, newest first", errors: [404],
    query: [
      { name: "status", description: "only deliveries in this status", schema: { type: "string", enum: [...STATUSES] } },
      { name: "event_id", description: "only deliveries of this event", schema: { type: "string", format: "uuid" } },
      ...PAGE_QUERY
    ],
    responses: { 200: { description: "a page of deliveries", schema: DeliveryPage } }, handle: list
  },
  {
    api: "admin", method: "POST", path: "/webhooks/{webhook_id}/replay", body: true, tags, operationId: "replayWebhook",
    summary: "Deliver again: the retained events after a feed cursor (matching the filter), or events by id", request: WebhookReplaySchema,
    errors: [404, 409, 410], responses: { 202: { description: "accepted: new deliveries (trigger replay) are pending", schema: WebhookReplayJson } }, handle: replay
  },
  {
    api: "admin", method: "POST", path: "/webhooks/{webhook_id}/test", body: false, tags, operationId: "testWebhook",
    summary: "Send one signed webhook.test request now (not retried, not in the feed)", errors: [404],
    responses: { 200: { description: "the test delivery, whatever the receiver answered", schema: DeliveryJson } }, handle: test
  }
]
