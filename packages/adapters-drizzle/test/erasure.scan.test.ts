/**
 * EVENTS.md §1.3's personal-data scan: after `deleteUser`, no table of the schema holds the
 * user's external id, email or custom field values, except the one `user.deleted` row of the
 * feed (which keeps the external id). Every table is read as JSON text, so a table added later
 * is scanned too (and a feature that stores user data must add its step to `DrizzleErasure.ts`).
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { createWebhook, deleteUser, IdempotencyRepository, WebhookDeliveryRepository, ProjectRepository, runNextJob, scopeOf, submitBulk, updateScopedPreferences, upsertUserV2 } from "@notiflows/domain"
import { testExecutor } from "@notiflows/testing"
import type { TenantId } from "@notiflows/domain"
import type { Repositories } from "../src/index.js"
import { DrizzleDatabase, layerPglite } from "../src/index.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"

const admin = { actor: { type: "secret_key" as const, id: "key_scan" }, requestId: "req_scan", source: "admin_api" as const }

/** Every row of every table of the public schema, as JSON text, with its table. */
const everyRow = Effect.gen(function* () {
  const { query } = yield* DrizzleDatabase
  const tables = yield* Effect.promise(() =>
    query(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)
  )
  const out: Array<{ table: string; row: string }> = []
  for (const t of tables) {
    const name = String(t["table_name"])
    const rows = yield* Effect.promise(() => query(`select row_to_json(t)::text as r from "${name}" t`))
    for (const r of rows) out.push({ table: name, row: String(r["r"]) })
  }
  return out
})

const cases = (it: Vitest.MethodsNonLive<Repositories | DrizzleDatabase, true>) => {
  it.effect("after erasure only the user.deleted row names the user; no email or custom field remains anywhere", () =>
    Effect.gen(function* () {
      const project = (yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "scan", securityMode: "on" }))).id as ProjectId
      const stamp = crypto.randomUUID().slice(0, 8)
      const externalId = `scan-user-${stamp}` as ExternalUserId
      const email = `person-${stamp}@example.com`
      const secret = `favourite-colour-${stamp}`
      const context = { ...admin, consent: { ip: "203.0.113.9", user_agent: `agent-${stamp}` } }
      yield* upsertUserV2({
        projectId: project,
        externalId,
        body: { email, first_name: `First${stamp}`, custom_fields: { colour: secret }, preferences: { channel_types: { sms: false } } },
        context
      })
      for (const t of ["acme", "globex", "initech"]) {
        yield* updateScopedPreferences({
          projectId: project,
          externalId,
          scope: scopeOf(t as TenantId),
          audience: "admin",
          body: { channel_types: { email: false } },
          context: { ...admin, source: "user_api", consent: { ip: "203.0.113.9", user_agent: `agent-${stamp}` } }
        })
      }
      // A completed idempotency record of a request naming the user, its response holding the profile.
      const repo = yield* IdempotencyRepository
      const now = new Date()
      const key = { projectId: project, scope: "admin", key: `k-${stamp}` }
      yield* repo.claim({ ...key, fingerprint: "fp", subjects: [externalId], now, expiresAt: new Date(now.getTime() + 3_600_000), lockedUntil: now })
      yield* repo.complete(key, "fp", { requestId: "req_scan", payload: JSON.stringify({ status: 200, headers: {}, body: JSON.stringify({ external_id: externalId, email }) }) })
      yield* repo.claim({ projectId: project, scope: `user:${externalId}`, key: `u-${stamp}`, fingerprint: "fp", now, expiresAt: new Date(now.getTime() + 3_600_000), lockedUntil: now })

      // Bulk jobs naming the user: one run (its item updated), one still queued (its item pending).
      const bulk = (body: unknown) => submitBulk({ projectId: project, body, context: { ...admin, source: "bulk" } })
      yield* bulk({ user_ids: [externalId], preferences: { channel_types: { chat: false } } })
      const executor = testExecutor()
      while (yield* runNextJob(executor)) {
        // until no job is runnable
      }
      yield* bulk({ items: [{ user_id: externalId, preferences: { channel_types: { chat: true } } }] })

      // Webhook deliveries of the user's events (ordering keys name the user), one with an attempt
      // whose response echoes the email; and a succeeded one (kept, without the external id).
      const webhook = (yield* createWebhook(project, { url: "https://example.com/hooks" })).webhook
      const { query } = yield* DrizzleDatabase
      const userEvents = yield* Effect.promise(() => query(`select id::text as id from events where project_id = $1 and ordering_key = $2 order by xid, seq`, [project, `user:${externalId}`]))
      yield* Effect.flatMap(WebhookDeliveryRepository, (r) => r.replayEvents(project, webhook.id, userEvents.map((e) => String(e["id"]))))
      yield* Effect.promise(() =>
        query(
          `insert into webhook_attempts (project_id, delivery_id, number, started_at, response_status, response_body)
           select project_id, id, 1, now(), 500, $2 from webhook_deliveries where project_id = $1 and ordering_key = $3 limit 2`,
          [project, `no such user ${email}`, `user:${externalId}`]
        )
      )
      yield* Effect.promise(() =>
        query(`update webhook_deliveries set status = 'succeeded' where id = (select id from webhook_deliveries where project_id = $1 and ordering_key = $2 order by event_seq desc limit 1)`, [
          project,
          `user:${externalId}`
        ])
      )

      const before = yield* everyRow
      const tablesWithUser = new Set(before.filter((r) => r.row.includes(externalId) || r.row.includes(email)).map((r) => r.table))
      // The scan sees the data where it lives before erasure (it would find a leftover).
      for (const t of ["users", "events", "idempotency_records", "job_items", "webhook_deliveries", "webhook_attempts"]) assert.ok(tablesWithUser.has(t), t)
      assert.ok(before.some((r) => r.row.includes(secret)))

      yield* deleteUser(project, externalId, admin)
      const after = yield* everyRow
      const naming = after.filter((r) => r.row.includes(externalId) || r.row.includes(email) || r.row.includes(secret) || r.row.includes(stamp))
      assert.strictEqual(naming.length, 1, JSON.stringify(naming.map((r) => r.table)))
      assert.strictEqual(naming[0]!.table, "events")
      assert.include(naming[0]!.row, '"type":"user.deleted"')
      assert.notInclude(naming[0]!.row, email)
      const deliveries = yield* Effect.promise(() => query(`select status, cancelled_reason from webhook_deliveries where project_id = $1 order by event_seq`, [project]))
      assert.deepStrictEqual(
        deliveries.map((d) => `${d["status"]}/${d["cancelled_reason"]}`),
        [...Array(userEvents.length - 1).fill("cancelled/redacted"), "succeeded/null"]
      )
    }))
}

layer(layerPglite("memory://"), { excludeTestServices: true, timeout: "120 seconds" })("pglite erasure scan", cases)

const available = await postgresAvailable()
describe.skipIf(!available)("postgres", () => {
  layer(layerServer({ poolSize: 4 }), { excludeTestServices: true, timeout: "120 seconds" })("postgres erasure scan", cases)
})
