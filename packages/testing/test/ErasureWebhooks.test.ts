/**
 * The in-memory reference of erasure's webhook step (EVENTS.md §1.3): the pending deliveries of
 * the erased user's events are cancelled `redacted` with no attempts left; deliveries of other
 * users' events are untouched. (The SQL step is covered by adapters-drizzle's scan test.)
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { deleteUser, EventRepository, ProjectRepository, upsertUserV2, WebhookDeliveryRepository, WebhookRepository } from "@notiflows/domain"
import { layer as inMemory } from "../src/InMemory.js"

const admin = { actor: { type: "secret_key" as const, id: "key_test" }, requestId: null, source: "admin_api" as const }

layer(inMemory)("in-memory erasure and webhook deliveries", (it) => {
  it.effect("cancels the pending deliveries of the user's events (redacted); others stay pending", () =>
    Effect.gen(function* () {
      const project = (yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "hooks", securityMode: "on" }))).id as ProjectId
      const a = "erased-user" as ExternalUserId
      const b = "kept-user" as ExternalUserId
      for (const u of [a, b]) yield* upsertUserV2({ projectId: project, externalId: u, body: { preferences: { channel_types: { sms: false } } }, context: admin })
      const hooks = yield* WebhookRepository
      const hook = yield* hooks.create(project, { url: "https://example.com/h", description: null, eventTypes: ["*"], status: "enabled", secret: "whsec_x", at: new Date() }, 20)
      const feed = yield* Effect.flatMap(EventRepository, (r) => r.read(project, { after: null, limit: 100, types: null }))
      const deliveries = yield* WebhookDeliveryRepository
      assert.deepStrictEqual(yield* deliveries.replayEvents(project, hook.id, feed.items.map((e) => e.id)), [])
      const userOf = new Map(feed.items.map((e) => [e.id, (JSON.parse(e.payload) as { data: { user?: { external_id: string }; user_id?: string } }).data]))
      yield* deleteUser(project, a, admin)
      const after = yield* deliveries.list(project, hook.id, {}, { limit: 100 })
      assert.strictEqual(after.items.length, 4)
      for (const d of after.items) {
        const data = userOf.get(d.event_id)!
        const about = data.user?.external_id ?? data.user_id
        if (about === a) {
          assert.strictEqual(d.status, "cancelled")
          assert.strictEqual(d.cancelled_reason, "redacted")
          assert.deepStrictEqual(d.attempts, [])
        } else {
          assert.strictEqual(d.status, "pending")
          assert.strictEqual(d.cancelled_reason, null)
        }
      }
    }))
})
