/**
 * Conformance: preference round trips through the use cases and the commit primitive.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  PreconditionFailed,
  PreferenceRepository,
  UserNotFound,
  ValidationFailed,
  VersionConflict,
  getPreferences,
  resetPreferences,
  updatePreferences,
  upsertNotiflow,
  view
} from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { admin, createNotiflow, createUser, flipFailure, freshId, freshNotiflowId, freshUserId, freshProject, some } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { StorageInspector } from "./StorageInspector.js"
import { externalUserId, notiflowId, randomUserId } from "./Ids.js"

const SEED_NOTIFLOW = notiflowId("01HQXYZ123456789ABCDEFGHIJ")
const SEED_PATCH = { channel_types: { sms: false }, notiflows: { [SEED_NOTIFLOW]: { channel_types: { email: false }, enabled: true } } }

/** The preference cases, for an `it` that provides the adapter. */
export const preferencesCases: SuiteCases = (it) => {
  describe("round trips", () => {
    it.effect("the seed's patch gives the seed's response shape with computed values", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        yield* upsertNotiflow(project.id, SEED_NOTIFLOW, { name: "Order Updates" })
        const user = yield* createUser(project.id, freshUserId("user_12345"))
        const snapshot = yield* updatePreferences({ projectId: project.id, externalId: user.external_id, audience: "admin", body: SEED_PATCH, context: admin() })
        assert.deepStrictEqual(view(snapshot.preferences, snapshot.catalog, snapshot.defaults, "admin"), {
          channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: false, web_push: true },
          notiflows: { [SEED_NOTIFLOW]: { enabled: true, channel_types: { email: false }, name: "Order Updates" } }
        })
        const row = yield* some(yield* db.preferenceRow(project.id, user.id), "preference row")
        assert.deepStrictEqual(row, {
          version: 1,
          choices: { channel_types: { sms: false }, notiflows: { [SEED_NOTIFLOW]: { enabled: true, channel_types: { email: false } } } }
        })
        const read = yield* getPreferences(project.id, user.external_id)
        assert.deepStrictEqual(read.preferences, { version: 1, ...row.choices })
      }))

    it.effect("bumps the version only on change and writes history only then", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const nf = yield* createNotiflow(project.id)
        const user = yield* createUser(project.id)
        const put = (body: unknown) =>
          updatePreferences({ projectId: project.id, externalId: user.external_id, audience: "admin", body, context: admin() })
        const state = Effect.all([
          Effect.map(db.preferenceRow(project.id, user.id), Option.getOrThrow),
          Effect.map(db.historyRows(project.id, user.id), (h) => h.length)
        ])
        yield* put({})
        assert.deepStrictEqual(yield* state, [{ version: 0, choices: { channel_types: {}, notiflows: {} } }, 0])
        // `true` where the default is `true` is still a change: an explicit choice now exists.
        yield* put({ channel_types: { email: true } })
        assert.deepStrictEqual(yield* state, [{ version: 1, choices: { channel_types: { email: true }, notiflows: {} } }, 1])
        const again = yield* put({ channel_types: { email: true }, notiflows: { [nf.id]: { name: "ignored" } } })
        assert.strictEqual(again.preferences.version, 1)
        assert.deepStrictEqual(yield* state, [{ version: 1, choices: { channel_types: { email: true }, notiflows: {} } }, 1])
        yield* put({ notiflows: { [nf.id]: { channel_types: { chat: false } } } })
        yield* put({ channel_types: { email: null }, notiflows: { [nf.id]: { channel_types: { chat: null } } } })
        assert.deepStrictEqual(yield* state, [{ version: 3, choices: { channel_types: {}, notiflows: {} } }, 3])
        yield* put({ channel_types: { email: null } })
        assert.strictEqual((yield* state)[1], 3)
      }))

    it.effect("reset removes every choice in one history entry; resetting nothing writes nothing", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const nf = yield* createNotiflow(project.id)
        const user = yield* createUser(project.id, freshUserId(), {
          preferences: { channel_types: { sms: false }, notiflows: { [nf.id]: { enabled: false, channel_types: { email: true } } } }
        })
        const context = admin()
        const reset = yield* resetPreferences({ projectId: project.id, externalId: user.external_id, context })
        assert.deepStrictEqual(reset.preferences, { version: 2, channel_types: {}, notiflows: {} })
        const history = yield* db.historyRows(project.id, user.id)
        assert.lengthOf(history, 2)
        assert.deepStrictEqual(history[1], {
          version: 2,
          actor: context.actor,
          request_id: context.requestId,
          changes: [
            { path: "channel_types.sms", from: false, to: null },
            { path: `notiflows.${nf.id}.channel_types.email`, from: true, to: null },
            { path: `notiflows.${nf.id}.enabled`, from: false, to: null }
          ]
        })
        yield* resetPreferences({ projectId: project.id, externalId: user.external_id, context: admin() })
        assert.lengthOf(yield* db.historyRows(project.id, user.id), 2)
        assert.strictEqual(Option.getOrThrow(yield* db.preferenceRow(project.id, user.id)).version, 2)
      }))

    it.effect("refused writes store nothing: validation, precondition, unknown user", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const hidden = yield* createNotiflow(project.id, freshNotiflowId(), { include_in_preferences: false })
        const user = yield* createUser(project.id)
        const base = { projectId: project.id, externalId: user.external_id, context: admin() }
        const invalid = yield* flipFailure(
          updatePreferences({ ...base, audience: "admin", body: { channel_types: { fax: true, sms: "no" }, notiflows: { nope: { enabled: true } } } })
        )
        assert.instanceOf(invalid, ValidationFailed)
        assert.deepStrictEqual(
          (invalid as ValidationFailed).issues.map((i) => i.field).sort(),
          ["channel_types.fax", "channel_types.sms", "notiflows.nope"]
        )
        const asUser = yield* flipFailure(updatePreferences({ ...base, audience: "user", body: { notiflows: { [hidden.id]: { enabled: false } } } }))
        assert.instanceOf(asUser, ValidationFailed)
        const precondition = yield* flipFailure(
          updatePreferences({ ...base, audience: "admin", body: { channel_types: { sms: false } }, precondition: () => "\"current\"" })
        )
        assert.instanceOf(precondition, PreconditionFailed)
        assert.deepStrictEqual(Option.getOrThrow(yield* db.preferenceRow(project.id, user.id)), { version: 0, choices: { channel_types: {}, notiflows: {} } })
        assert.deepStrictEqual(yield* db.historyRows(project.id, user.id), [])
        const missing = yield* flipFailure(updatePreferences({ ...base, externalId: freshUserId("ghost"), audience: "admin", body: {} }))
        assert.instanceOf(missing, UserNotFound)
      }))
  })

  describe("primitives", () => {
    it.effect("commit is a compare-and-set on the version, with its history entry", () =>
      Effect.gen(function* () {
        const repo = yield* PreferenceRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const user = yield* createUser(project.id)
        const history = { actor: { type: "system" as const, id: "suite" }, request_id: null, changed_at: new Date(), changes: [{ path: "channel_types.chat", from: null, to: false }], operation: "patch" as const, source: "system" as const, context: null }
        const commit = { projectId: project.id, userId: user.id, expectedVersion: 0, choices: { channel_types: { chat: false }, notiflows: {} }, history }
        const saved = yield* repo.commit(commit)
        assert.deepStrictEqual(saved, { version: 1, channel_types: { chat: false }, notiflows: {} })
        const conflict = yield* flipFailure(repo.commit({ ...commit, choices: { channel_types: { chat: true }, notiflows: {} } }))
        assert.instanceOf(conflict, VersionConflict)
        assert.deepStrictEqual([conflict.expected, conflict.actual], [0, 1])
        assert.instanceOf(yield* flipFailure(repo.commit({ ...commit, expectedVersion: 5 })), VersionConflict)
        const ghost = randomUserId()
        const gone = yield* flipFailure(repo.commit({ ...commit, userId: ghost }))
        assert.instanceOf(gone, UserNotFound)
        // The port names the user by the id it was given (internal), not as an external id.
        assert.deepStrictEqual([gone.userId, gone.externalId], [ghost, undefined])
        assert.deepStrictEqual(Option.getOrThrow(yield* db.preferenceRow(project.id, user.id)), { version: 1, choices: { channel_types: { chat: false }, notiflows: {} } })
        assert.deepStrictEqual(yield* db.historyRows(project.id, user.id), [{ version: 1, actor: history.actor, request_id: null, changes: history.changes }])
        const loaded = Option.getOrThrow(yield* repo.load(project.id, user.external_id))
        assert.deepStrictEqual(loaded, { userId: user.id, externalId: user.external_id, preferences: saved })
        assert.isTrue(Option.isNone(yield* repo.load(project.id, freshUserId("ghost"))))
      }))

    it.effect("loadMany reads many users at once and leaves out unknown ones", () =>
      Effect.gen(function* () {
        const repo = yield* PreferenceRepository
        const project = yield* freshProject
        const other = yield* freshProject
        const nf = yield* createNotiflow(project.id)
        const a = yield* createUser(project.id, freshUserId("a"), { preferences: { notiflows: { [nf.id]: { channel_types: { sms: true } } } } })
        const b = yield* createUser(project.id)
        const foreign = yield* createUser(other.id)
        const found = yield* repo.loadMany(project.id, [a.external_id, b.external_id, externalUserId("ghost"), foreign.external_id])
        assert.deepStrictEqual(Object.fromEntries(found), {
          [a.external_id]: { channel_types: {}, notiflows: { [nf.id]: { channel_types: { sms: true } } } },
          [b.external_id]: { channel_types: {}, notiflows: {} }
        })
        assert.strictEqual((yield* repo.loadMany(project.id, [])).size, 0)
      }))
  })
}

/** Preference round-trip conformance: run against an adapter layer (built once for the suite). */
export const preferencesSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, preferencesCases)
