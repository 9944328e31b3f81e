/**
 * EVENTS.md §4.3 on PostgreSQL: the webhook claim across instances. Six claimers (each its own
 * instance name, the pool's separate connections) claim, hold for a moment and finish deliveries
 * of two endpoints concurrently until none is pending. No delivery is ever held by two claims at
 * once (a claim answered while another still holds it, or an attempt left `interrupted`: its
 * finish found the claim taken), and an endpoint never has more than 16 held. A claim whose lease
 * is too short is given back unsent: attempt number and attempt row undone.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { createWebhook, ProjectRepository, upsertUserV2, WebhookDeliveryRepository } from "@notiflows/domain"
import type { ClaimedDelivery } from "../src/index.js"
import { DrizzleDatabase, DrizzleWebhookDeliveries } from "../src/index.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"

const available = await postgresAvailable()
const admin = { actor: { type: "secret_key" as const, id: "key_claim" }, requestId: "req_claim", source: "admin_api" as const }
const USERS = 40
const CLAIMERS = 6
const HOLD_MS = 60_000
const outcome = { durationMs: 1, responseStatus: 204, error: null, retryAfter: null, responseBody: "" }

/** A project with USERS users (2 events each, one ordering key per user) replayed to two endpoints. */
const seed = Effect.gen(function* () {
  const { query } = yield* DrizzleDatabase
  const project = (yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "claim", securityMode: "on" }))).id as ProjectId
  for (let i = 0; i < USERS; i++) {
    const externalId = `u${i}` as ExternalUserId
    yield* upsertUserV2({ projectId: project, externalId, body: {}, context: admin })
    yield* upsertUserV2({ projectId: project, externalId, body: { preferences: { channel_types: { sms: false } } }, context: admin })
  }
  const events = (yield* Effect.promise(() => query(`select id::text as id from events where project_id = $1 order by xid, seq`, [project]))).map((e) => String(e["id"]))
  for (const url of ["https://example.com/a", "https://example.com/b"]) {
    const webhook = (yield* createWebhook(project, { url })).webhook
    yield* Effect.flatMap(WebhookDeliveryRepository, (r) => r.replayEvents(project, webhook.id, events))
  }
  return { project, deliveries: events.length * 2 }
})

describe.skipIf(!available)("webhook claims across instances (PostgreSQL)", () => {
  // Live: the claimers pause on the real clock.
  it.live(
    "six concurrent claimers: never one delivery held twice, never more than 16 held per endpoint, every attempt finished",
    () =>
      Effect.gen(function* () {
        const database = yield* DrizzleDatabase
        const { project, deliveries } = yield* seed
        // What each claimer holds (delivery id → holder and endpoint), as the claims answered.
        const held = new Map<string, { readonly me: string; readonly webhookId: string }>()
        const violations: Array<string> = []
        let claims = 0
        let done = false
        const claimer = (me: string) =>
          Effect.gen(function* () {
            while (!done) {
              const claimed = yield* DrizzleWebhookDeliveries.claim(database, me, 8, HOLD_MS)
              claims += claimed.length
              for (const d of claimed) {
                const other = held.get(d.id)
                if (other !== undefined) violations.push(`${d.id} claimed by ${me} while held by ${other.me}`)
                held.set(d.id, { me, webhookId: d.webhookId })
              }
              const perEndpoint = new Map<string, number>()
              for (const h of held.values()) perEndpoint.set(h.webhookId, (perEndpoint.get(h.webhookId) ?? 0) + 1)
              for (const [w, n] of perEndpoint) if (n > DrizzleWebhookDeliveries.MAX_IN_FLIGHT_PER_ENDPOINT) violations.push(`${w}: ${n} held`)
              if (claimed.length === 0) {
                yield* Effect.sleep(2)
                continue
              }
              yield* Effect.sleep(Math.floor(Math.random() * 4))
              // Released before the finish is sent: what `held` counts, the database holds too.
              for (const d of claimed) held.delete(d.id)
              yield* DrizzleWebhookDeliveries.finish(
                database,
                me,
                claimed.map((d: ClaimedDelivery) => ({ delivery: d, outcome, next: Math.random() < 0.3 ? { _tag: "Retry" as const, delayMs: 0 } : { _tag: "Succeeded" as const } }))
              )
            }
          })
        const watch = Effect.gen(function* () {
          for (;;) {
            const [row] = yield* Effect.promise(() => database.query(`select count(*)::int as n from webhook_deliveries where project_id = $1 and status = 'pending'`, [project]))
            if (Number(row?.["n"]) === 0) break
            yield* Effect.sleep(50)
          }
          done = true
        })
        yield* Effect.all([watch, ...Array.from({ length: CLAIMERS }, (_, i) => claimer(`instance-${i}`))], { concurrency: "unbounded" })
        assert.deepStrictEqual(violations, [])
        const [row] = yield* Effect.promise(() =>
          database.query(
            `select count(*)::int as attempts, count(*) filter (where a.error = 'interrupted')::int as lost,
               (select count(*)::int from webhook_deliveries where project_id = $1 and status = 'succeeded') as succeeded
             from webhook_attempts a where a.project_id = $1`,
            [project]
          )
        )
        assert.strictEqual(Number(row?.["lost"]), 0)
        assert.strictEqual(Number(row?.["attempts"]), claims)
        assert.strictEqual(Number(row?.["succeeded"]), deliveries)
        assert.isAbove(claims, deliveries)
      }).pipe(Effect.provide(layerServer({ poolSize: CLAIMERS + 2 }))),
    120_000
  )

  it.effect("a claim given back is undone: attempt number and attempt row, and it is claimed again as the same attempt", () =>
    Effect.gen(function* () {
      const database = yield* DrizzleDatabase
      yield* seed
      const [first] = yield* DrizzleWebhookDeliveries.claim(database, "a", 1, HOLD_MS)
      assert.isDefined(first)
      assert.strictEqual(first!.attempt, 1)
      assert.isAtMost(first!.leaseUntil, Date.now() + HOLD_MS)
      // Only its holder can give it back.
      yield* DrizzleWebhookDeliveries.giveBack(database, "b", first!)
      assert.lengthOf(yield* DrizzleWebhookDeliveries.claim(database, "b", 1, HOLD_MS).pipe(Effect.map((c) => c.filter((d) => d.id === first!.id))), 0)
      yield* DrizzleWebhookDeliveries.giveBack(database, "a", first!)
      const rows = yield* Effect.promise(() => database.query(`select count(*)::int as n from webhook_attempts where delivery_id = $1`, [first!.id]))
      assert.strictEqual(Number(rows[0]?.["n"]), 0)
      const again = (yield* DrizzleWebhookDeliveries.claim(database, "c", 100, HOLD_MS)).find((d) => d.id === first!.id)
      assert.strictEqual(again?.attempt, 1)
    }).pipe(Effect.provide(layerServer())),
    120_000
  )
})
