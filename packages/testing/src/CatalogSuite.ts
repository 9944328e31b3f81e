/**
 * Conformance: the notiflow catalog (upsert as a merge patch, revisions, soft delete and
 * restore) and the project's channel defaults.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  NotiflowCatalogRepository,
  NotiflowNotFound,
  ProjectNotFound,
  ProjectRepository,
  ValidationFailed,
  VersionConflict,
  deleteNotiflow,
  evaluateUser,
  evaluateUsers,
  getDefaults,
  getNotiflow,
  getPreferences,
  listNotiflows,
  newNotiflow,
  updateDefaults,
  updatePreferences,
  upsertNotiflow
} from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { admin, createNotiflow, createUser, flipFailure, freshId, freshNotiflowId, freshUserId, freshProject, some } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { StorageInspector } from "./StorageInspector.js"
import { notiflowId, randomProjectId } from "./Ids.js"

/** The catalog cases, for an `it` that provides the adapter. */
export const catalogCases: SuiteCases = (it) => {
  describe("notiflows", () => {
    it.effect("creates, merges updates and skips writes that change nothing", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const project = yield* freshProject
        const id = freshNotiflowId()
        const created = yield* upsertNotiflow(project.id, id, { name: "Order Updates", default_channel_types: { sms: false } })
        assert.isTrue(created.created)
        const row = yield* some(yield* db.notiflowRow(project.id, id), "notiflow row")
        assert.deepStrictEqual(row, {
          id: id as typeof row.id,
          name: "Order Updates",
          include_in_preferences: true,
          required: false,
          default_enabled: true,
          default_channel_types: { sms: false },
          deleted: false,
          revision: created.notiflow.revision
        })
        const updated = yield* upsertNotiflow(project.id, id, { default_enabled: false, default_channel_types: { sms: null, email: false } })
        assert.isFalse(updated.created)
        assert.isAbove(updated.notiflow.revision, created.notiflow.revision)
        const after = yield* some(yield* db.notiflowRow(project.id, id), "notiflow row")
        assert.strictEqual(after.name, "Order Updates")
        assert.isFalse(after.default_enabled)
        assert.deepStrictEqual(after.default_channel_types, { email: false })
        assert.strictEqual(after.revision, updated.notiflow.revision)
        const same = yield* upsertNotiflow(project.id, id, { default_enabled: false })
        assert.isFalse(same.created)
        assert.strictEqual((yield* some(yield* db.notiflowRow(project.id, id), "notiflow row")).revision, updated.notiflow.revision)
        assert.strictEqual((yield* getNotiflow(project.id, id)).name, "Order Updates")
      }))

    it.effect("lists entries sorted by id in code-unit order (like COLLATE \"C\") and keeps projects apart", () =>
      Effect.gen(function* () {
        const catalog = yield* NotiflowCatalogRepository
        const project = yield* freshProject
        const other = yield* freshProject
        yield* createNotiflow(other.id, notiflowId("b_other"))
        for (const id of ["c", "a", "B", "b"]) yield* createNotiflow(project.id, notiflowId(id))
        const all = yield* catalog.list(project.id)
        assert.deepStrictEqual(all.map((e) => e.id as string), ["B", "a", "b", "c"])
        const page = yield* listNotiflows(project.id, { limit: 2, after: "a" })
        assert.deepStrictEqual(page.items.map((e) => e.id as string), ["b", "c"])
        assert.isTrue(Option.isNone(yield* catalog.get(project.id, notiflowId("b_other"))))
        assert.isTrue(Option.isSome(yield* catalog.get(other.id, notiflowId("b_other"))))
      }))

    it.effect("save at a stale revision or a duplicate insert is a VersionConflict", () =>
      Effect.gen(function* () {
        const catalog = yield* NotiflowCatalogRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const id = freshNotiflowId()
        const at = new Date()
        const first = yield* catalog.save(project.id, newNotiflow(id, "One"), null, at)
        const dup = yield* flipFailure(catalog.save(project.id, newNotiflow(id, "Dup"), null, at))
        assert.instanceOf(dup, VersionConflict)
        assert.deepStrictEqual([dup.expected, dup.actual], [null, first.revision])
        const second = yield* catalog.save(project.id, newNotiflow(id, "Two"), first.revision, at)
        assert.isAbove(second.revision, first.revision)
        const stale = yield* flipFailure(catalog.save(project.id, newNotiflow(id, "Three"), first.revision, at))
        assert.instanceOf(stale, VersionConflict)
        assert.deepStrictEqual([stale.expected, stale.actual], [first.revision, second.revision])
        const row = yield* some(yield* db.notiflowRow(project.id, id), "notiflow row")
        assert.strictEqual(row.name, "Two")
        assert.strictEqual(row.revision, second.revision)
      }))

    it.effect("soft delete hides a notiflow but keeps choices, which apply again after a restore", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const catalog = yield* NotiflowCatalogRepository
        const project = yield* freshProject
        const id = freshNotiflowId()
        yield* createNotiflow(project.id, id, { default_channel_types: { sms: false } })
        const user = yield* createUser(project.id, freshUserId(), { preferences: { notiflows: { [id]: { enabled: false } } } })
        yield* deleteNotiflow(project.id, id)
        const row = yield* some(yield* db.notiflowRow(project.id, id), "notiflow row")
        assert.isTrue(row.deleted)
        assert.isTrue(Option.getOrThrow(yield* catalog.get(project.id, id)).deleted)
        assert.instanceOf(yield* flipFailure(getNotiflow(project.id, id)), NotiflowNotFound)
        assert.instanceOf(yield* flipFailure(deleteNotiflow(project.id, id)), NotiflowNotFound)
        assert.deepStrictEqual((yield* listNotiflows(project.id, { limit: 10 })).items, [])
        assert.instanceOf(yield* flipFailure(evaluateUser(project.id, user.external_id, { notiflow_id: id })), NotiflowNotFound)
        const prefs = yield* some(yield* db.preferenceRow(project.id, user.id), "preference row")
        assert.deepStrictEqual(prefs.choices.notiflows, { [id]: { enabled: false } })
        // A patch that sets choices on a deleted notiflow is refused; `null` may clean them up.
        const refused = yield* flipFailure(
          updatePreferences({ projectId: project.id, externalId: user.external_id, audience: "admin", body: { notiflows: { [id]: { enabled: true } } }, context: admin() })
        )
        assert.instanceOf(refused, ValidationFailed)
        assert.deepStrictEqual((refused as ValidationFailed).issues.map((i) => [i.field, i.reason]), [[`notiflows.${id}`, "unknown_notiflow"]])
        const restored = yield* upsertNotiflow(project.id, id, { name: "Back" })
        assert.isTrue(restored.created)
        const back = yield* some(yield* db.notiflowRow(project.id, id), "notiflow row")
        assert.isFalse(back.deleted)
        assert.deepStrictEqual(back.default_channel_types, {})
        const decision = yield* evaluateUser(project.id, user.external_id, { notiflow_id: id, channel_types: ["email"] })
        assert.deepStrictEqual(decision.channel_types.email, { deliver: false, reason: "notiflow_disabled", source: "user" })
        yield* deleteNotiflow(project.id, id)
        yield* updatePreferences({ projectId: project.id, externalId: user.external_id, audience: "admin", body: { notiflows: { [id]: null } }, context: admin() })
        const cleaned = yield* some(yield* db.preferenceRow(project.id, user.id), "preference row")
        assert.deepStrictEqual(cleaned, { version: 2, choices: { channel_types: {}, notiflows: {} } })
      }))
  })

  describe("defaults", () => {
    it.effect("updates defaults at the next revision; users without a choice follow at once", () =>
      Effect.gen(function* () {
        const db = yield* StorageInspector
        const projects = yield* ProjectRepository
        const project = yield* freshProject
        const id = freshNotiflowId()
        yield* createNotiflow(project.id, id)
        const plain = yield* createUser(project.id)
        const chooser = yield* createUser(project.id, freshUserId(), { preferences: { channel_types: { sms: true } } })
        const defaults = yield* updateDefaults(project.id, { channel_types: { sms: false, chat: true } })
        assert.deepStrictEqual(defaults, { channel_types: { chat: true, sms: false } })
        const row = yield* some(yield* db.projectRow(project.id), "project row")
        assert.deepStrictEqual(row.defaults, { channel_types: { chat: true, sms: false } })
        assert.strictEqual(row.defaults_revision, project.defaultsRevision + 1)
        assert.deepStrictEqual(yield* getDefaults(project.id), defaults)
        const batch = yield* evaluateUsers(project.id, { notiflow_id: id, user_ids: [plain.external_id, chooser.external_id, "nobody"], channel_types: ["sms"] })
        assert.deepStrictEqual(
          batch.results.map((r) => [r.user_found, r.channel_types.sms]),
          [
            [true, { deliver: false, reason: "channel_opt_out", source: "project_default" }],
            [true, { deliver: true, reason: "allowed", source: "user" }],
            [false, { deliver: false, reason: "channel_opt_out", source: "project_default" }]
          ]
        )
        // The same patch again changes nothing and writes nothing.
        yield* updateDefaults(project.id, { channel_types: { sms: false } })
        assert.strictEqual((yield* some(yield* db.projectRow(project.id), "project row")).defaults_revision, row.defaults_revision)
        yield* updateDefaults(project.id, { channel_types: { sms: null, chat: null } })
        assert.deepStrictEqual((yield* some(yield* db.projectRow(project.id), "project row")).defaults, { channel_types: {} })
        const stale = yield* flipFailure(projects.saveDefaults(project.id, { channel_types: { email: false } }, row.defaults_revision))
        assert.instanceOf(stale, VersionConflict)
        assert.deepStrictEqual([stale.expected, stale.actual], [row.defaults_revision, row.defaults_revision + 1])
        const view = yield* getPreferences(project.id, plain.external_id)
        assert.deepStrictEqual(view.defaults, { channel_types: {} })
      }))

    it.effect("defaults of an unknown project are ProjectNotFound", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const missing = randomProjectId()
        assert.instanceOf(yield* flipFailure(getDefaults(missing)), ProjectNotFound)
        assert.instanceOf(yield* flipFailure(projects.saveDefaults(missing, { channel_types: {} }, 0)), ProjectNotFound)
      }))
  })
}

/** Catalog and defaults conformance: run against an adapter layer (built once for the suite). */
export const catalogSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, catalogCases)
