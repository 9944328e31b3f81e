/**
 * Conformance: concurrent writers. Optimistic writes retry from a fresh read, so concurrent
 * patches on different keys all survive, with gapless versions and one history entry each.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { NotiflowCatalogRepository, PreferenceRepository, VersionConflict, updatePreferences, upsertNotiflow, upsertUser } from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { admin, createNotiflow, createUser, freshId, freshNotiflowId, freshUserId, freshProject, some } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { StorageInspector } from "./StorageInspector.js"
import { notiflowId } from "./Ids.js"

const WRITERS = 50

/** The concurrency cases, for an `it` that provides the adapter. */
export const concurrencyCases: SuiteCases = (it, options) => {
  const concurrency = options.concurrency ?? WRITERS

  it.effect(`${WRITERS} fibers flipping different notiflows of one user all succeed, gapless`, () =>
    Effect.gen(function* () {
      const db = yield* StorageInspector
      const project = yield* freshProject
      const ids: Array<string> = []
      for (let i = 0; i < WRITERS; i++) ids.push((yield* createNotiflow(project.id, notiflowId(`nf_${String(i).padStart(2, "0")}`))).id)
      const user = yield* createUser(project.id)
      const results = yield* Effect.forEach(
        ids,
        (id, i) =>
          updatePreferences({
            projectId: project.id,
            externalId: user.external_id,
            audience: "admin",
            body: { notiflows: { [id]: { enabled: false } } },
            context: admin(`req_${i}`)
          }),
        { concurrency }
      )
      assert.lengthOf(results, WRITERS)
      const row = yield* some(yield* db.preferenceRow(project.id, user.id), "preference row")
      assert.strictEqual(row.version, WRITERS)
      assert.deepStrictEqual(row.choices.notiflows, Object.fromEntries(ids.map((id) => [id, { enabled: false }])))
      const history = yield* db.historyRows(project.id, user.id)
      assert.deepStrictEqual(history.map((h) => h.version), Array.from({ length: WRITERS }, (_, i) => i + 1))
      assert.deepStrictEqual(
        history.map((h) => h.changes.map((c) => [c.path, c.from, c.to])).flat().sort(),
        ids.map((id) => [`notiflows.${id}.enabled`, null, false]).sort()
      )
      assert.deepStrictEqual(history.map((h) => h.request_id).sort(), ids.map((_, i) => `req_${i}`).sort())
    }))

  it.effect("concurrent upserts of one new user create it once and all succeed", () =>
    Effect.gen(function* () {
      const db = yield* StorageInspector
      const project = yield* freshProject
      const externalId = freshUserId()
      const results = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        (i) => upsertUser({ projectId: project.id, externalId, body: { custom_fields: { [`k${i}`]: i } }, context: admin() }),
        { concurrency }
      )
      assert.strictEqual(results.filter((r) => r.created).length, 1)
      assert.strictEqual(new Set(results.map((r) => r.user.id)).size, 1)
      assert.strictEqual(yield* db.userCount(project.id), 1)
      const row = yield* some(yield* db.userRow(project.id, externalId), "user row")
      assert.deepStrictEqual(row.custom_fields, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])))
    }))

  it.effect("concurrent commits at one version: exactly one wins, the others see its version", () =>
    Effect.gen(function* () {
      const repo = yield* PreferenceRepository
      const db = yield* StorageInspector
      const project = yield* freshProject
      const user = yield* createUser(project.id)
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i),
        (i) =>
          Effect.either(
            repo.commit({
              projectId: project.id,
              userId: user.id,
              expectedVersion: 0,
              choices: { channel_types: { chat: i % 2 === 0 }, notiflows: {} },
              history: { actor: { type: "system", id: `w${i}` }, request_id: null, changed_at: new Date(), changes: [{ path: "channel_types.chat", from: null, to: i % 2 === 0 }], operation: "patch", source: "system", context: null }
            })
          ),
        { concurrency }
      )
      assert.strictEqual(outcomes.filter(Either.isRight).length, 1)
      for (const failure of outcomes.filter(Either.isLeft)) {
        assert.instanceOf(failure.left, VersionConflict)
        assert.deepStrictEqual([(failure.left as VersionConflict).expected, (failure.left as VersionConflict).actual], [0, 1])
      }
      assert.strictEqual(Option.getOrThrow(yield* db.preferenceRow(project.id, user.id)).version, 1)
      assert.lengthOf(yield* db.historyRows(project.id, user.id), 1)
    }))

  it.effect("concurrent catalog upserts of one notiflow and of many all land", () =>
    Effect.gen(function* () {
      const catalog = yield* NotiflowCatalogRepository
      const project = yield* freshProject
      const id = freshNotiflowId()
      yield* createNotiflow(project.id, id)
      const channels = ["chat", "email", "in_app", "mobile_push", "sms", "web_push"] as const
      yield* Effect.forEach(channels, (c) => upsertNotiflow(project.id, id, { default_channel_types: { [c]: false } }), { concurrency })
      const entry = Option.getOrThrow(yield* catalog.get(project.id, id))
      assert.deepStrictEqual(entry.default_channel_types, Object.fromEntries(channels.map((c) => [c, false])))
      const many = Array.from({ length: 20 }, (_, i) => notiflowId(`many_${i}`))
      yield* Effect.forEach(many, (nf) => upsertNotiflow(project.id, nf, { name: nf }), { concurrency })
      assert.strictEqual((yield* catalog.list(project.id)).length, 21)
    }))
}

/** Concurrency conformance: run against an adapter layer (built once for the suite). */
export const concurrencySuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, concurrencyCases)
