/**
 * Conformance: users. Creation with its empty preference set, updates at a revision, custom
 * field merging, listing in both directions, erasure.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  UserNotFound,
  UserRepository,
  VersionConflict,
  decodeCursor,
  deleteUser,
  emptyProfile,
  getHistory,
  getPreferences,
  getUser,
  listUsers,
  upsertUser
} from "@notiflows/domain"
import { admin, createNotiflow, createUser, flipFailure, freshId, freshNotiflowId, freshUserId, freshProject, some, UUID_V7 } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import type { SuiteOptions } from "./internal/fixtures.js"
import { StorageInspector } from "./StorageInspector.js"

/** The users cases, for an `it` that provides the adapter. */
export const usersCases: SuiteCases = (it) => {
  describe("create and update", () => {
    it.effect("creates a user with a UUIDv7 id and an empty preference set at version 0", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const externalId = freshUserId()
        const result = yield* upsertUser({ projectId: project.id, externalId, body: { email: "a@example.com" }, context: admin() })
        assert.isTrue(result.created)
        assert.match(result.user.id, UUID_V7)
        assert.strictEqual(result.user.external_id, externalId)
        const row = yield* some(yield* db.userRow(project.id, externalId), "user row")
        assert.deepStrictEqual(row, { id: result.user.id, external_id: externalId, revision: result.user.revision, email: "a@example.com", custom_fields: {} })
        assert.strictEqual(yield* db.userCount(project.id), 1)
        const prefs = yield* some(yield* db.preferenceRow(project.id, result.user.id), "preference row")
        assert.deepStrictEqual(prefs, { version: 0, choices: { channel_types: {}, notiflows: {} } })
        assert.deepStrictEqual(yield* db.historyRows(project.id, result.user.id), [])
        const found = yield* getUser(project.id, externalId)
        assert.strictEqual(found.id, result.user.id)
        assert.strictEqual(found.email, "a@example.com")
      }))

    it.effect("updates at the next revision, clears fields with null and deep-merges custom_fields", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const first = yield* createUser(project.id, freshUserId(), {
          email: "a@example.com",
          first_name: "Ada",
          custom_fields: { plan: { tier: "pro", seats: 3 }, tags: ["a", "b"] }
        })
        const second = yield* upsertUser({
          projectId: project.id,
          externalId: first.external_id,
          body: { email: null, locale: "fr-FR", custom_fields: { plan: { seats: null, renews: true }, tags: ["c"], x: { y: null, z: 1 } } },
          context: admin()
        })
        assert.isFalse(second.created)
        assert.strictEqual(second.user.id, first.id)
        assert.isAbove(second.user.revision, first.revision)
        assert.isNull(second.user.email)
        assert.strictEqual(second.user.first_name, "Ada")
        assert.strictEqual(second.user.locale, "fr-FR")
        const expected = { plan: { tier: "pro", renews: true }, tags: ["c"], x: { z: 1 } }
        assert.deepStrictEqual(second.user.custom_fields, expected)
        const row = yield* some(yield* db.userRow(project.id, first.external_id), "user row")
        assert.deepStrictEqual(row.custom_fields, expected)
        assert.strictEqual(row.revision, second.user.revision)
        assert.isNull(row.email)
        // A repeated upsert answers the stored user.
        const third = yield* upsertUser({ projectId: project.id, externalId: first.external_id, body: { locale: "fr-FR" }, context: admin() })
        assert.isFalse(third.created)
        assert.strictEqual(third.user.id, first.id)
        assert.strictEqual(third.user.revision, second.user.revision, "an upsert that changes nothing writes nothing")
        assert.strictEqual((yield* some(yield* db.userRow(project.id, first.external_id), "user row")).revision, third.user.revision)
      }))

    it.effect("an upsert with preferences commits them with the user: version 1 and one history entry", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const nf = yield* createNotiflow(project.id)
        const externalId = freshUserId()
        const context = admin()
        const created = yield* upsertUser({
          projectId: project.id,
          externalId,
          body: { preferences: { channel_types: { sms: false }, notiflows: { [nf.id]: { enabled: false } } } },
          context
        })
        const row = yield* some(yield* db.preferenceRow(project.id, created.user.id), "preference row")
        assert.deepStrictEqual(row, { version: 1, choices: { channel_types: { sms: false }, notiflows: { [nf.id]: { enabled: false } } } })
        const history = yield* db.historyRows(project.id, created.user.id)
        assert.deepStrictEqual(history, [
          {
            version: 1,
            actor: context.actor,
            request_id: context.requestId,
            changes: [
              { path: "channel_types.sms", from: null, to: false },
              { path: `notiflows.${nf.id}.enabled`, from: null, to: false }
            ]
          }
        ])
        // On an existing user the preference write goes at the next version.
        yield* upsertUser({ projectId: project.id, externalId, body: { preferences: { channel_types: { sms: null } } }, context: admin() })
        const after = yield* some(yield* db.preferenceRow(project.id, created.user.id), "preference row")
        assert.strictEqual(after.version, 2)
        assert.deepStrictEqual(after.choices.channel_types, {})
        assert.lengthOf(yield* db.historyRows(project.id, created.user.id), 2)
      }))
  })

  describe("the save primitive", () => {
    it.effect("a duplicate create and a stale revision are VersionConflicts that change nothing", () =>
      Effect.gen(function* () {
        const users = yield* UserRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const externalId = freshUserId()
        const at = new Date()
        const created = yield* users.save({ projectId: project.id, externalId, expectedRevision: null, profile: emptyProfile, at })
        const dup = yield* flipFailure(users.save({ projectId: project.id, externalId, expectedRevision: null, profile: emptyProfile, at }))
        assert.instanceOf(dup, VersionConflict)
        assert.deepStrictEqual([dup.expected, dup.actual], [null, created.revision])
        const updated = yield* users.save({ projectId: project.id, externalId, expectedRevision: created.revision, profile: { ...emptyProfile, first_name: "B" }, at })
        assert.isAbove(updated.revision, created.revision)
        const stale = yield* flipFailure(
          users.save({
            projectId: project.id,
            externalId,
            expectedRevision: created.revision,
            profile: { ...emptyProfile, first_name: "C" },
            at,
            preferences: { expectedVersion: 0, choices: { channel_types: { email: false }, notiflows: {} }, history: { actor: admin().actor, request_id: null, changed_at: at, changes: [{ path: "channel_types.email", from: null, to: false }], operation: "patch", source: "admin_api", context: null } }
          })
        )
        assert.instanceOf(stale, VersionConflict)
        assert.deepStrictEqual([stale.expected, stale.actual], [created.revision, updated.revision])
        const missing = yield* flipFailure(users.save({ projectId: project.id, externalId: freshUserId("ghost"), expectedRevision: 1, profile: emptyProfile, at }))
        assert.instanceOf(missing, VersionConflict)
        assert.isNull((missing as VersionConflict).actual)
        const row = yield* some(yield* db.userRow(project.id, externalId), "user row")
        assert.strictEqual(row.revision, updated.revision)
        assert.strictEqual(yield* db.userCount(project.id), 1)
        assert.deepStrictEqual(yield* db.historyRows(project.id, created.id), [])
        assert.strictEqual((yield* some(yield* db.preferenceRow(project.id, created.id), "preference row")).version, 0)
        assert.strictEqual(Option.getOrThrow(yield* users.find(project.id, externalId)).first_name, "B")
      }))

    it.effect("a preference write at a stale version fails the whole save atomically", () =>
      Effect.gen(function* () {
        const users = yield* UserRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const user = yield* createUser(project.id, freshUserId(), { preferences: { channel_types: { chat: false } } })
        const at = new Date()
        const failure = yield* flipFailure(
          users.save({
            projectId: project.id,
            externalId: user.external_id,
            expectedRevision: user.revision,
            profile: { ...emptyProfile, last_name: "Changed" },
            at,
            preferences: { expectedVersion: 0, choices: { channel_types: {}, notiflows: {} }, history: { actor: admin().actor, request_id: null, changed_at: at, changes: [], operation: "patch", source: "admin_api", context: null } }
          })
        )
        assert.instanceOf(failure, VersionConflict)
        assert.deepStrictEqual([failure.expected, failure.actual], [0, 1])
        const row = yield* some(yield* db.userRow(project.id, user.external_id), "user row")
        assert.strictEqual(row.revision, user.revision)
        assert.isNull(Option.getOrThrow(yield* users.find(project.id, user.external_id)).last_name)
        assert.lengthOf(yield* db.historyRows(project.id, user.id), 1)
      }))
  })

  it.effect("lists newest first by id, paginating in both directions, within one project", () =>
    Effect.gen(function* () {
      const users = yield* UserRepository
      const project = yield* freshProject
      const other = yield* freshProject
      yield* createUser(other.id)
      const created: Array<string> = []
      for (let i = 0; i < 5; i++) created.push((yield* createUser(project.id, freshUserId(`u${i}_x`))).id)
      const all = yield* users.list(project.id, { limit: 10 })
      const ids = all.items.map((u) => u.id)
      assert.deepStrictEqual(ids, [...created].sort().reverse())
      assert.isFalse(all.hasMore)
      const p1 = yield* listUsers(project.id, { limit: 2 })
      assert.deepStrictEqual(p1.items.map((u) => u.id), ids.slice(0, 2))
      assert.isTrue(p1.page.has_more_after)
      assert.isFalse(p1.page.has_more_before)
      const p2 = yield* listUsers(project.id, { limit: 2, after: decodeCursor(p1.page.after!)! })
      assert.deepStrictEqual(p2.items.map((u) => u.id), ids.slice(2, 4))
      assert.isTrue(p2.page.has_more_after)
      assert.isTrue(p2.page.has_more_before)
      const p3 = yield* listUsers(project.id, { limit: 2, after: decodeCursor(p2.page.after!)! })
      assert.deepStrictEqual(p3.items.map((u) => u.id), ids.slice(4))
      assert.isFalse(p3.page.has_more_after)
      // Back from the last page: the two items just before it, still newest first.
      const back = yield* listUsers(project.id, { limit: 2, before: decodeCursor(p3.page.before!)! })
      assert.deepStrictEqual(back.items.map((u) => u.id), ids.slice(2, 4))
      assert.isTrue(back.page.has_more_before)
      const first = yield* users.list(project.id, { limit: 5, before: ids[1]! })
      assert.deepStrictEqual(first.items.map((u) => u.id), ids.slice(0, 1))
      assert.isFalse(first.hasMore)
    }))

  it.effect("erasure removes the user, its preferences and history; the same id starts afresh", () =>
    Effect.gen(function* () {
      const db = yield* StorageInspector
      const project = yield* freshProject
      const externalId = freshUserId()
      const keep = yield* createUser(project.id)
      const user = yield* createUser(project.id, externalId, { email: "x@example.com", preferences: { channel_types: { email: false } } })
      assert.lengthOf(yield* db.historyRows(project.id, user.id), 1)
      yield* deleteUser(project.id, externalId)
      assert.isTrue(Option.isNone(yield* db.userRow(project.id, externalId)))
      assert.isTrue(Option.isNone(yield* db.preferenceRow(project.id, user.id)))
      assert.deepStrictEqual(yield* db.historyRows(project.id, user.id), [])
      assert.strictEqual(yield* db.userCount(project.id), 1)
      assert.isTrue(Option.isSome(yield* db.userRow(project.id, keep.external_id)))
      assert.instanceOf(yield* flipFailure(deleteUser(project.id, externalId)), UserNotFound)
      assert.instanceOf(yield* flipFailure(getUser(project.id, externalId)), UserNotFound)
      assert.instanceOf(yield* flipFailure(getPreferences(project.id, externalId)), UserNotFound)
      const again = yield* upsertUser({ projectId: project.id, externalId, body: {}, context: admin() })
      assert.isTrue(again.created)
      assert.notStrictEqual(again.user.id, user.id)
      assert.isNull(again.user.email)
      const snapshot = yield* getPreferences(project.id, externalId)
      assert.strictEqual(snapshot.preferences.version, 0)
      assert.deepStrictEqual(snapshot.preferences.channel_types, {})
      const history = yield* getHistory(project.id, externalId, "admin", { limit: 10 })
      assert.deepStrictEqual(history.items, [])
    }))

  it.effect("users are scoped to their project", () =>
    Effect.gen(function* () {
      const db = yield* StorageInspector
      const a = yield* freshProject
      const b = yield* freshProject
      const externalId = freshUserId("shared")
      const ua = yield* createUser(a.id, externalId, { first_name: "A" })
      const ub = yield* createUser(b.id, externalId, { first_name: "B" })
      assert.notStrictEqual(ua.id, ub.id)
      assert.strictEqual((yield* getUser(a.id, externalId)).first_name, "A")
      yield* deleteUser(b.id, externalId)
      assert.isTrue(Option.isSome(yield* db.userRow(a.id, externalId)))
      assert.strictEqual(yield* db.userCount(b.id), 0)
      assert.instanceOf(yield* flipFailure(getUser(b.id, externalId)), UserNotFound)
    }))
}

/** Users conformance: run against an adapter layer (built once for the suite). */
export const usersSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, usersCases)
