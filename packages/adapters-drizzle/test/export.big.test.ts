/**
 * The export of a big ledger (issue 13's proof): a user with the global set and 3 tenant sets
 * and 10,000 ledger entries is read in pages of at most `USER_EXPORT_PAGE` entries, oldest first,
 * each page one short statement: what the service holds at once is one page, whatever the
 * ledger's size (the HTTP side reads a page only after the previous one drained:
 * http-express/test/export.test.ts). Measured here: the largest page against the whole document.
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { ExternalUserId, LedgerKey, ProjectId, UserExportPage } from "@notiflows/domain"
import { beginUserExport, ProjectRepository, upsertUserV2, USER_EXPORT_PAGE, USER_EXPORT_TAIL, userExportLedger } from "@notiflows/domain"
import type { Repositories } from "../src/index.js"
import { DrizzleDatabase, layerPglite } from "../src/index.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"

const PER_SET = 2_500
const TENANTS = ["acme", "globex", "initech"]

const cases = (it: Vitest.MethodsNonLive<Repositories | DrizzleDatabase, true>) => {
  it.effect("10,000 entries over 4 sets: pages of at most USER_EXPORT_PAGE, oldest first, the whole ledger once", () =>
    Effect.gen(function* () {
      const project = (yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "big", securityMode: "on" }))).id as ProjectId
      const externalId = `big-${crypto.randomUUID()}` as ExternalUserId
      const context = { actor: { type: "secret_key" as const, id: "key_big" }, requestId: null, source: "admin_api" as const }
      const { user } = yield* upsertUserV2({ projectId: project, externalId, body: {}, context })
      const { query } = yield* DrizzleDatabase
      // The ledger written directly (10,000 commits would take minutes on PGlite); sets interleave in time.
      const entry = (table: string, tenant: string | null, offset: number) => `
        insert into ${table} (project_id, user_id, ${tenant === null ? "" : "tenant_id, "}version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
        select $1::uuid, $2::uuid, ${tenant === null ? "" : `'${tenant}', `}g, gen_random_uuid(), timestamptz '2026-01-01T00:00:00Z' + (g * 4 + ${offset}) * interval '1 millisecond',
               'secret_key', 'key_big', null, '[{"path":"channel_types.sms","from":null,"to":false}]'::jsonb, 'patch', 'admin_api', null
        from generate_series(1, ${PER_SET}) g`
      yield* Effect.promise(async () => {
        await query(`update preference_sets set version = ${PER_SET} where project_id = $1 and user_id = $2`, [project, user.id])
        await query(entry("preference_history", null, 0), [project, user.id])
        for (const [i, t] of TENANTS.entries()) {
          await query(
            `insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at) values ($1, $2, $3, '{"channel_types":{"sms":false},"categories":{},"notiflows":{}}'::jsonb, ${PER_SET}, now())`,
            [project, user.id, t]
          )
          await query(entry("tenant_preference_history", t, i + 1), [project, user.id])
        }
      })
      const started = Date.now()
      const plan = yield* beginUserExport(project, externalId)
      const chunks: Array<string> = [plan.head]
      let largest = 0
      let pages = 0
      let after: LedgerKey | null = null
      for (;;) {
        const page: UserExportPage = yield* userExportLedger(project, plan, after)
        pages++
        assert.ok(page.count <= USER_EXPORT_PAGE)
        largest = Math.max(largest, page.text.length)
        if (page.count > 0) chunks.push(chunks.length === 1 ? page.text : `,${page.text}`)
        if (page.next === null) break
        after = page.next
      }
      chunks.push(USER_EXPORT_TAIL)
      const ms = Date.now() - started
      const text = chunks.join("")
      const doc = JSON.parse(text) as { preference_sets: ReadonlyArray<{ tenant_id: string | null }>; ledger: ReadonlyArray<{ tenant_id: string | null; version: number }> }
      assert.deepStrictEqual(doc.preference_sets.map((s) => s.tenant_id), [null, ...TENANTS])
      assert.strictEqual(doc.ledger.length, 4 * PER_SET)
      // Interleaved by time: global v1, acme v1, globex v1, initech v1, global v2, …
      assert.deepStrictEqual(doc.ledger.slice(0, 5).map((e) => [e.tenant_id, e.version]), [[null, 1], ["acme", 1], ["globex", 1], ["initech", 1], [null, 2]])
      assert.strictEqual(pages, (4 * PER_SET) / USER_EXPORT_PAGE + 1)
      // One page is a small part of the document: the stream never needs more than that at once.
      assert.ok(largest * 15 < text.length, `largest page ${largest} of ${text.length}`)
      console.log(`export of 10,000 entries: ${pages} pages, largest ${largest} chars of ${text.length}, ${ms} ms`)
    }))
}

layer(layerPglite("memory://"), { excludeTestServices: true, timeout: "300 seconds" })("pglite big export", cases)

const available = await postgresAvailable()
describe.skipIf(!available)("postgres", () => {
  layer(layerServer({ poolSize: 4 }), { excludeTestServices: true, timeout: "300 seconds" })("postgres big export", cases)
})
