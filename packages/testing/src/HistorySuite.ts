/**
 * Conformance: history entries (who, which request, leaf-level changes) and their pagination.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { PreferenceRepository, UserNotFound, decodeCursor, getHistory, updatePreferences } from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { createNotiflow, createUser, flipFailure, freshId, freshNotiflowId, freshUserId, freshProject, UUID_V7 } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { StorageInspector } from "./StorageInspector.js"
import { randomUserId } from "./Ids.js"

/** The history cases, for an `it` that provides the adapter. */
export const historyCases: SuiteCases = (it) => {
  it.effect("records actor, request id and leaf-level changes with null for no choice", () =>
    Effect.gen(function* () {
      const db = yield* StorageInspector
      const project = yield* freshProject
      const nf = yield* createNotiflow(project.id)
      const user = yield* createUser(project.id)
      const first = { actor: { type: "user_key" as const, id: user.external_id }, requestId: freshId("req"), source: "admin_api" as const }
      const second = { actor: { type: "dev_user_id" as const, id: user.external_id }, requestId: null, source: "admin_api" as const }
      const put = (body: unknown, context: typeof first | typeof second) =>
        updatePreferences({ projectId: project.id, externalId: user.external_id, audience: "admin", body, context })
      yield* put({ channel_types: { sms: false }, notiflows: { [nf.id]: { enabled: false, channel_types: { email: true } } } }, first)
      yield* put({ channel_types: { sms: true }, notiflows: { [nf.id]: null } }, second)
      const rows = yield* db.historyRows(project.id, user.id)
      assert.deepStrictEqual(rows, [
        {
          version: 1,
          actor: first.actor,
          request_id: first.requestId,
          changes: [
            { path: "channel_types.sms", from: null, to: false },
            { path: `notiflows.${nf.id}.channel_types.email`, from: null, to: true },
            { path: `notiflows.${nf.id}.enabled`, from: null, to: false }
          ]
        },
        {
          version: 2,
          actor: second.actor,
          request_id: null,
          changes: [
            { path: "channel_types.sms", from: false, to: true },
            { path: `notiflows.${nf.id}.channel_types.email`, from: true, to: null },
            { path: `notiflows.${nf.id}.enabled`, from: false, to: null }
          ]
        }
      ])
      const page = yield* getHistory(project.id, user.external_id, "admin", { limit: 10 })
      assert.deepStrictEqual(page.items.map((e) => e.version), [2, 1])
      assert.deepStrictEqual(page.items.map((e) => e.changes), [rows[1]!.changes, rows[0]!.changes])
      for (const entry of page.items) {
        assert.match(entry.id, UUID_V7)
        assert.instanceOf(entry.changed_at, Date)
      }
      assert.notStrictEqual(page.items[0]!.id, page.items[1]!.id)
      assert.deepStrictEqual(page.items[1]!.actor, first.actor)
      assert.strictEqual(page.items[1]!.request_id, first.requestId)
    }))

  it.effect("paginates newest first in both directions", () =>
    Effect.gen(function* () {
      const repo = yield* PreferenceRepository
      const project = yield* freshProject
      const user = yield* createUser(project.id)
      const context = { actor: { type: "system" as const, id: "suite" }, requestId: null, source: "admin_api" as const }
      for (let i = 0; i < 5; i++) {
        yield* updatePreferences({ projectId: project.id, externalId: user.external_id, audience: "admin", body: { channel_types: { chat: i % 2 === 0 } }, context })
      }
      const p1 = yield* getHistory(project.id, user.external_id, "admin", { limit: 2 })
      assert.deepStrictEqual(p1.items.map((e) => e.version), [5, 4])
      assert.deepStrictEqual([p1.page.has_more_after, p1.page.has_more_before], [true, false])
      const after1 = Number(decodeCursor(p1.page.after!))
      const p2 = yield* getHistory(project.id, user.external_id, "admin", { limit: 2, after: after1 })
      assert.deepStrictEqual(p2.items.map((e) => e.version), [3, 2])
      assert.deepStrictEqual([p2.page.has_more_after, p2.page.has_more_before], [true, true])
      const p3 = yield* getHistory(project.id, user.external_id, "admin", { limit: 2, after: Number(decodeCursor(p2.page.after!)) })
      assert.deepStrictEqual(p3.items.map((e) => e.version), [1])
      assert.isFalse(p3.page.has_more_after)
      const back = yield* getHistory(project.id, user.external_id, "admin", { limit: 2, before: Number(decodeCursor(p3.page.before!)) })
      assert.deepStrictEqual(back.items.map((e) => e.version), [3, 2])
      assert.isTrue(back.page.has_more_before)
      const newest = yield* repo.history(project.id, user.id, { limit: 3, before: 3 })
      assert.deepStrictEqual([newest.items.map((e) => e.version), newest.hasMore], [[5, 4], false])
      const window = yield* repo.history(project.id, user.id, { limit: 10, after: 5, before: 2 })
      assert.deepStrictEqual(window.items.map((e) => e.version), [4, 3])
      assert.deepStrictEqual((yield* repo.history(project.id, randomUserId(), { limit: 10 })).items, [])
    }))

  it.effect("the user audience does not see changes to notiflows it may not configure", () =>
    Effect.gen(function* () {
      const project = yield* freshProject
      const open = yield* createNotiflow(project.id)
      const hidden = yield* createNotiflow(project.id, freshNotiflowId(), { required: true })
      const user = yield* createUser(project.id, freshUserId(), {
        preferences: { channel_types: { sms: false }, notiflows: { [open.id]: { enabled: false }, [hidden.id]: { enabled: false } } }
      })
      const asAdmin = yield* getHistory(project.id, user.external_id, "admin", { limit: 10 })
      assert.lengthOf(asAdmin.items[0]!.changes, 3)
      const asUser = yield* getHistory(project.id, user.external_id, "user", { limit: 10 })
      assert.deepStrictEqual(asUser.items[0]!.changes.map((c) => c.path), ["channel_types.sms", `notiflows.${open.id}.enabled`])
      assert.instanceOf(yield* flipFailure(getHistory(project.id, freshUserId("ghost"), "admin", { limit: 10 })), UserNotFound)
    }))

  it.effect("history belongs to one user", () =>
    Effect.gen(function* () {
      const db = yield* StorageInspector
      const project = yield* freshProject
      const a = yield* createUser(project.id, freshUserId("a"), { preferences: { channel_types: { email: false } } })
      const b = yield* createUser(project.id, freshUserId("b"), { preferences: { channel_types: { chat: false } } })
      const rowsA = yield* db.historyRows(project.id, a.id)
      const rowsB = yield* db.historyRows(project.id, b.id)
      assert.deepStrictEqual(rowsA.map((r) => r.changes[0]?.path), ["channel_types.email"])
      assert.deepStrictEqual(rowsB.map((r) => r.changes[0]?.path), ["channel_types.chat"])
    }))
}

/** History conformance: run against an adapter layer (built once for the suite). */
export const historySuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, historyCases)
