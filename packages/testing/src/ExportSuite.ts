/**
 * Conformance of the data-subject export's reads (EVENTS.md §1.2): the head holds the profile and
 * every set with the versions of one snapshot; the ledger pages return exactly the entries at or
 * below those versions, oldest first, whatever is written meanwhile (concurrent writers
 * included); an erasure during the export fails the next page. Run by {@link eventsSuite}.
 */
import { assert, describe } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { EventRepository, IdempotencyRepository, LedgerKey, ProjectId, UserExport, UserExportPage } from "@notiflows/domain"
import { beginUserExport, compareLedgerKeys, deleteUser, globalScope, scopeOf, USER_EXPORT_TAIL, userExportLedger } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { createUser, flipFailure, freshProject } from "./internal/fixtures.js"
import { put } from "./internal/feed.js"
import { ext, pid, tenant } from "./internal/modelHarness.js"

type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepository | IdempotencyRepository, true>

/** Reads the whole ledger of a started export with small pages; the document it makes. */
const readAll = (projectId: ProjectId, plan: UserExport, limit: number) =>
  Effect.gen(function* () {
    const texts: Array<string> = []
    let after: LedgerKey | null = null
    for (let i = 0; i < 10_000; i++) {
      const page: UserExportPage = yield* userExportLedger(projectId, plan, after, limit)
      assert.ok(page.count <= limit)
      if (page.count > 0) texts.push(page.text)
      if (page.next === null) break
      after = page.next
    }
    return JSON.parse(`${plan.head}${texts.join(",")}${USER_EXPORT_TAIL}`) as {
      preference_sets: ReadonlyArray<{ tenant_id: string | null; version: number }>
      ledger: ReadonlyArray<{ tenant_id: string | null; version: number; changed_at: string }>
    }
  })

const keyOf = (e: { tenant_id: string | null; version: number; changed_at: string }): LedgerKey => ({
  changedAt: new Date(e.changed_at),
  tenantId: e.tenant_id as LedgerKey["tenantId"],
  version: e.version
})

export const exportCases = (it: It): void => {
  describe("data-subject export reads", () => {
    it.effect("the ledger follows the head's snapshot, oldest first, whatever is written meanwhile", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        const [t1, t2] = [tenant("b"), tenant("a")]
        for (let i = 0; i < 3; i++) yield* put(project, u, globalScope, { channel_types: { sms: i % 2 === 0 } })
        for (let i = 0; i < 4; i++) yield* put(project, u, scopeOf(t1), { channel_types: { email: i % 2 === 0 } })
        const plan = yield* beginUserExport(project, u)
        // Written after the snapshot: more versions of both sets and a new tenant set, concurrently with the reads.
        const writer = yield* Effect.fork(
          Effect.forEach(
            Array.from({ length: 6 }, (_, i) => i),
            (i) => put(project, u, [globalScope, scopeOf(t1), scopeOf(t2)][i % 3]!, { channel_types: { chat: i % 2 === 0 } }),
            { discard: true }
          )
        )
        const doc = yield* readAll(project, plan, 2)
        yield* Fiber.join(writer)
        assert.deepStrictEqual(
          doc.preference_sets.map((s) => [s.tenant_id, s.version]),
          [[null, 3], [t1, 4]]
        )
        assert.strictEqual(doc.ledger.length, 7)
        assert.deepStrictEqual(doc.ledger.filter((e) => e.tenant_id === null).map((e) => e.version), [1, 2, 3])
        assert.deepStrictEqual(doc.ledger.filter((e) => e.tenant_id === t1).map((e) => e.version), [1, 2, 3, 4])
        for (let i = 1; i < doc.ledger.length; i++) assert.ok(compareLedgerKeys(keyOf(doc.ledger[i - 1]!), keyOf(doc.ledger[i]!)) < 0)
        // A new export sees everything.
        const again = yield* readAll(project, yield* beginUserExport(project, u), 100)
        assert.strictEqual(again.ledger.length, 13)
        // Tenant sets in code point order ("a_…" before "b_…").
        assert.deepStrictEqual(again.preference_sets.map((s) => s.tenant_id), [null, t2, t1])
      }))

    it.effect("an unknown user is UserNotFound; an erasure during the export fails the next page", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        assert.strictEqual((yield* flipFailure(beginUserExport(project, ext("nobody-here"))))._tag, "UserNotFound")
        const u = ext((yield* createUser(project)).external_id)
        for (let i = 0; i < 4; i++) yield* put(project, u, globalScope, { channel_types: { sms: i % 2 === 0 } })
        const plan = yield* beginUserExport(project, u)
        const first = yield* userExportLedger(project, plan, null, 2)
        assert.strictEqual(first.count, 2)
        yield* deleteUser(project, u)
        const failed = yield* flipFailure(userExportLedger(project, plan, first.next, 2))
        assert.strictEqual(failed._tag, "UserNotFound")
      }))
  })
}
