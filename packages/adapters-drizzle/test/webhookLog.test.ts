/**
 * EVENTS.md §4.5: the deliveries log is kept as long as events. `purgeLog` removes completed
 * deliveries whose event retention removed and old test pings; pending ones and those of kept
 * events stay.
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { createWebhook, ProjectRepository, upsertUserV2, WebhookDeliveryRepository } from "@notiflows/domain"
import { DrizzleDatabase, DrizzleWebhookDeliveries, layerPglite } from "../src/index.js"

const admin = { actor: { type: "secret_key" as const, id: "key_log" }, requestId: "req_log", source: "admin_api" as const }

layer(layerPglite("memory://"), { excludeTestServices: true, timeout: "120 seconds" })("webhook deliveries log retention", (it) => {
  it.effect("removes completed deliveries of removed events and old test pings, keeps the rest", () =>
    Effect.gen(function* () {
      const database = yield* DrizzleDatabase
      const { query } = database
      const project = (yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "log", securityMode: "on" }))).id as ProjectId
      for (const u of ["a", "b", "c"]) yield* upsertUserV2({ projectId: project, externalId: u as ExternalUserId, body: {}, context: admin })
      const events = (yield* Effect.promise(() => query(`select id::text as id from events where project_id = $1 order by xid, seq`, [project]))).map((e) => String(e["id"]))
      const webhook = (yield* createWebhook(project, { url: "https://example.com/h" })).webhook
      yield* Effect.flatMap(WebhookDeliveryRepository, (r) => r.replayEvents(project, webhook.id, events))
      yield* Effect.flatMap(WebhookDeliveryRepository, (r) =>
        r.recordTest(project, webhook.id, { eventId: crypto.randomUUID(), startedAt: new Date(Date.now() - 40 * 86_400_000), outcome: { durationMs: 1, responseStatus: 204, error: null, retryAfter: null, responseBody: "" } })
      )
      // a: succeeded, event removed → goes; b: pending, event removed → stays; c: succeeded, event kept → stays.
      yield* Effect.promise(() => query(`update webhook_deliveries set status = 'succeeded' where event_id in ($1::uuid, $2::uuid)`, [events[0], events[2]]))
      yield* Effect.promise(() => query(`delete from events where id in ($1::uuid, $2::uuid)`, [events[0], events[1]]))
      assert.strictEqual(yield* DrizzleWebhookDeliveries.purgeLog(database, new Date(Date.now() - 30 * 86_400_000)), 2)
      const left = yield* Effect.promise(() => query(`select event_id::text as e, status from webhook_deliveries where project_id = $1 order by event_seq`, [project]))
      assert.deepStrictEqual(left.map((r) => `${r["e"]}:${r["status"]}`), [`${events[1]}:pending`, `${events[2]}:succeeded`])
      assert.strictEqual(yield* DrizzleWebhookDeliveries.purgeLog(database, new Date(Date.now() - 30 * 86_400_000)), 0)
    }))
})
