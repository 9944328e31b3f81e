/**
 * Conformance (MODEL.md §2, §5, §6): user×tenant sets with their own versions and history, the
 * global set with categories (shared with the v1 port), locks, resets, erasure, concurrent
 * writers on a tenant set, and batch evaluation in a tenant.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  PreferenceRepository,
  ScopedPreferenceRepository,
  UserNotFound,
  ValidationFailed,
  VersionConflict,
  deleteUser,
  evaluateUserV2,
  evaluateUsersV2,
  getScopedHistory,
  getScopedPreferences,
  globalScope,
  resetScopedPreferences,
  scopedView,
  scopeOf,
  updateScopedPreferences,
  updateTenantDefaults,
  upsertCategory,
  upsertNotiflowV2,
  upsertUserV2
} from "@notiflows/domain"
import type { ExternalUserId, ProjectId, Scope } from "@notiflows/domain"
import { admin, createNotiflow, createUser, flipFailure, freshProject, some } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { catId, ext, nfId, pid, runModelSuite, tenant } from "./internal/modelHarness.js"
import { ModelInspector } from "./ModelInspector.js"
import { StorageInspector } from "./StorageInspector.js"

const put = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope, body: unknown, requestId?: string) =>
  updateScopedPreferences({ projectId, externalId, scope, audience: "admin", body, context: admin(requestId) })

export const scopedPreferencesCases = (it: ModelIt, concurrency = 20): void => {
  describe("scoped sets", () => {
    it.effect("a tenant set has its own version and history; the global set is untouched", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const v1 = yield* StorageInspector
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        const t = tenant()
        yield* put(project, u, scopeOf(t), { channel_types: { sms: false } }, "req_t1")
        const s = yield* put(project, u, scopeOf(t), { channel_types: { sms: false, chat: false } })
        assert.strictEqual(s.scoped.version, 2)
        assert.deepStrictEqual(yield* some(yield* db.tenantSetRow(project, user.id, t), "tenant set"), {
          version: 2,
          choices: { channel_types: { sms: false, chat: false }, categories: {}, notiflows: {} }
        })
        assert.strictEqual((yield* some(yield* v1.preferenceRow(project, user.id), "global row")).version, 0)
        const rows = yield* db.tenantHistoryRows(project, user.id, t)
        assert.deepStrictEqual(rows.map((r) => [r.version, r.request_id, r.changes]), [
          [1, "req_t1", [{ path: "channel_types.sms", from: null, to: false }]],
          [2, rows[1]!.request_id, [{ path: "channel_types.chat", from: null, to: false }]]
        ])
        const history = yield* getScopedHistory(project, u, scopeOf(t), "admin", { limit: 10 })
        assert.deepStrictEqual(history.items.map((e) => [e.version, e.tenant_id]), [[2, t], [1, t]])
        const globalHistory = yield* getScopedHistory(project, u, globalScope, "admin", { limit: 10 })
        assert.deepStrictEqual(globalHistory.items, [])
        // A reset empties the set and keeps counting.
        const reset = yield* resetScopedPreferences({ projectId: project, externalId: u, scope: scopeOf(t), context: admin() })
        assert.strictEqual(reset.scoped.version, 3)
        assert.deepStrictEqual((yield* some(yield* db.tenantSetRow(project, user.id, t), "tenant set")).choices, {
          channel_types: {},
          categories: {},
          notiflows: {}
        })
      }))

    it.effect("global category choices are stored with the v1 set's version and history", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const k = catId()
        yield* upsertCategory(project, k, { name: "k" })
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        yield* put(project, u, globalScope, { categories: { [k]: { enabled: false } }, channel_types: { sms: false } })
        assert.deepStrictEqual(yield* db.globalCategoryRows(project, user.id), { [k]: { enabled: false } })
        const v1 = yield* Effect.flatMap(PreferenceRepository, (r) => r.load(project, u))
        assert.strictEqual(Option.getOrThrow(v1).preferences.version, 1)
        const scoped = yield* Effect.flatMap(ScopedPreferenceRepository, (r) => r.load(project, u, globalScope))
        assert.deepStrictEqual(Option.getOrThrow(scoped).global.categories, { [k]: { enabled: false } })
        const history = yield* getScopedHistory(project, u, globalScope, "admin", { limit: 10 })
        assert.deepStrictEqual(history.items[0]!.changes.map((c) => c.path), [`categories.${k}.enabled`, "channel_types.sms"])
        assert.strictEqual(history.items[0]!.tenant_id, null)
      }))

    it.effect("a user upsert patches the global set, categories included, in one commit", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const v1 = yield* StorageInspector
        const project = pid((yield* freshProject).id)
        const k = catId()
        yield* upsertCategory(project, k, { name: "k" })
        const u = ext("user_v2")
        const created = yield* upsertUserV2({
          projectId: project,
          externalId: u,
          body: { email: "ada@example.com", preferences: { categories: { [k]: { enabled: false } } } },
          context: admin()
        })
        assert.isTrue(created.created)
        assert.deepStrictEqual(yield* db.globalCategoryRows(project, created.user.id), { [k]: { enabled: false } })
        assert.strictEqual((yield* some(yield* v1.preferenceRow(project, created.user.id), "row")).version, 1)
        const refused = yield* flipFailure(
          upsertUserV2({ projectId: project, externalId: u, body: { preferences: { categories: { nope: null } } }, context: admin() })
        )
        assert.deepStrictEqual((refused as ValidationFailed).issues.map((i) => [i.field, i.reason]), [["preferences.categories.nope", "unknown_category"]])
        const same = yield* upsertUserV2({ projectId: project, externalId: u, body: { email: "ada@example.com" }, context: admin() })
        assert.strictEqual(same.user.revision, created.user.revision)
      }))

    it.effect("loadPromise, where offered, answers what load answers (fiberless reads)", () =>
      Effect.gen(function* () {
        const repo = yield* ScopedPreferenceRepository
        const loadPromise = repo.loadPromise
        if (loadPromise === undefined) return
        const project = pid((yield* freshProject).id)
        const k = catId()
        yield* upsertCategory(project, k, { name: "k" })
        const t = tenant()
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        const other = ext((yield* createUser(project)).external_id)
        yield* put(project, u, globalScope, { categories: { [k]: { enabled: false } }, channel_types: { sms: false } })
        yield* put(project, u, scopeOf(t), { channel_types: { chat: false } })
        yield* put(project, u, scopeOf(t), { channel_types: { email: false } })
        for (const [who, scope] of [[u, globalScope], [u, scopeOf(t)], [other, scopeOf(t)], [other, scopeOf(tenant())], [ext("nobody"), globalScope], [ext("nobody"), scopeOf(t)]] as const) {
          const viaEffect = Option.getOrUndefined(yield* repo.load(project, who, scope))
          const viaPromise = yield* Effect.promise(() => loadPromise(project, who, scope))
          assert.deepStrictEqual(viaPromise, viaEffect)
        }
        const loaded = yield* Effect.promise(() => loadPromise(project, u, scopeOf(t)))
        assert.strictEqual(loaded?.scoped.version, 2)
        assert.strictEqual(loaded?.global.version, 1)
      }))

    it.effect("commitPromise, where offered, commits what commit does and resolves its refusals", () =>
      Effect.gen(function* () {
        const repo = yield* ScopedPreferenceRepository
        const commitPromise = repo.commitPromise
        if (commitPromise === undefined) return
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        const t = tenant()
        const choices = { channel_types: { sms: false }, categories: {}, notiflows: {} }
        const history = { actor: { type: "system" as const, id: "test" }, request_id: "req_p", changed_at: new Date(), changes: [{ path: "channel_types.sms", from: null, to: false }], operation: "patch" as const, source: "admin_api" as const, context: null }
        for (const scope of [globalScope, scopeOf(t)]) {
          const commit = { projectId: project, userId: user.id, scope, expectedVersion: 0, choices, history }
          const saved: unknown = yield* Effect.promise(() => commitPromise(commit))
          assert.deepStrictEqual(saved, { version: 1, ...choices })
          const again: unknown = yield* Effect.promise(() => commitPromise(commit))
          assert.instanceOf(again, VersionConflict)
          assert.strictEqual((again as VersionConflict).actual, 1)
        }
        assert.strictEqual((yield* some(yield* db.tenantSetRow(project, user.id, t), "tenant set")).version, 1)
        const loaded = Option.getOrThrow(yield* repo.load(project, u, scopeOf(t)))
        assert.strictEqual(loaded.global.version, 1)
        const nobody = yield* Effect.promise(() =>
          commitPromise({ projectId: project, userId: "01890000-0000-7000-8000-000000000000" as never, scope: globalScope, expectedVersion: 0, choices, history })
        )
        assert.instanceOf(nobody, UserNotFound)
      }))

    it.effect("a locked leaf refuses the whole patch: nothing stored, no version, no history", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const nf = yield* createNotiflow(project)
        const t = tenant()
        yield* updateTenantDefaults(project, t, { channel_types: { email: false }, locks: { channel_types: { email: true } } })
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        const e = yield* flipFailure(put(project, u, scopeOf(t), { channel_types: { email: true }, notiflows: { [nf.id]: { enabled: false } } }))
        assert.instanceOf(e, ValidationFailed)
        assert.deepStrictEqual((e as ValidationFailed).issues.map((i) => [i.field, i.reason]), [["channel_types.email", "locked"]])
        assert.isTrue(Option.isNone(yield* db.tenantSetRow(project, user.id, t)))
        // false is the lock's value: accepted, stores nothing.
        const same = yield* put(project, u, scopeOf(t), { channel_types: { email: false } })
        assert.strictEqual(same.scoped.version, 0)
        assert.isTrue(Option.isNone(yield* db.tenantSetRow(project, user.id, t)))
        const view = scopedView(yield* getScopedPreferences(project, u, scopeOf(t)), "admin")
        assert.deepStrictEqual(view.locked, { channel_types: { email: true } })
        assert.isFalse(view.channel_types.email)
      }))

    it.effect("user-API history hides categories without include_in_preferences; evaluate answers tenant_id after user_id", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const [shown, hidden] = [catId("shown"), catId("hidden")]
        yield* upsertCategory(project, shown, { name: "shown" })
        yield* upsertCategory(project, hidden, { name: "hidden", include_in_preferences: false })
        const nf = yield* createNotiflow(project)
        yield* upsertNotiflowV2(project, nfId(nf.id), { categories: [hidden, shown] })
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        const t = tenant()
        yield* put(project, u, scopeOf(t), { categories: { [hidden]: { enabled: false } } })
        yield* put(project, u, scopeOf(t), { categories: { [shown]: { enabled: false }, [hidden]: null } })
        const forUser = yield* getScopedHistory(project, u, scopeOf(t), "user", { limit: 10 })
        assert.deepStrictEqual(forUser.items.map((e) => e.changes.map((c) => c.path)), [[`categories.${shown}.enabled`]])
        const forAdmin = yield* getScopedHistory(project, u, scopeOf(t), "admin", { limit: 10 })
        assert.strictEqual(forAdmin.items.length, 2)
        const decided = yield* evaluateUserV2(project, u, scopeOf(t), { notiflow_id: nf.id, channel_types: ["email"] })
        assert.deepStrictEqual(Object.keys(decided), ["user_id", "tenant_id", "notiflow_id", "channel_types"])
        assert.deepStrictEqual(decided.channel_types.email, { deliver: false, reason: "category_disabled", source: "user_tenant", category_id: shown })
        const global = yield* evaluateUserV2(project, u, globalScope, { notiflow_id: nf.id, channel_types: ["email"] })
        assert.deepStrictEqual(Object.keys(global), ["user_id", "notiflow_id", "channel_types"])
        assert.deepStrictEqual(global.channel_types.email, { deliver: true, reason: "allowed", source: "default" })
      }))

    it.effect("erasing a user erases every tenant set and its history", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project)
        const t = tenant()
        yield* put(project, ext(user.external_id), scopeOf(t), { channel_types: { chat: false } })
        yield* deleteUser(project, user.external_id)
        assert.isTrue(Option.isNone(yield* db.tenantSetRow(project, user.id, t)))
        assert.deepStrictEqual(yield* db.tenantHistoryRows(project, user.id, t), [])
      }))
  })

  describe("tenant sets under concurrency and in batch evaluation", () => {
    it.effect(`${concurrency} fibers flipping different notiflows of one tenant set all succeed, gapless`, () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const ids: Array<string> = []
        for (let i = 0; i < concurrency; i++) ids.push((yield* createNotiflow(project, nfId(`nf_${String(i).padStart(2, "0")}`))).id)
        const user = yield* createUser(project)
        const t = tenant()
        yield* Effect.forEach(ids, (id) => put(project, ext(user.external_id), scopeOf(t), { notiflows: { [id]: { enabled: false } } }), {
          concurrency
        })
        const row = yield* some(yield* db.tenantSetRow(project, user.id, t), "tenant set")
        assert.strictEqual(row.version, concurrency)
        assert.deepStrictEqual(row.choices.notiflows, Object.fromEntries(ids.map((id) => [id, { enabled: false }])))
        const history = yield* db.tenantHistoryRows(project, user.id, t)
        assert.deepStrictEqual(history.map((h) => h.version), Array.from({ length: concurrency }, (_, i) => i + 1))
      }))

    it.effect("a batch in a tenant reads both sets in one call; unknown users get T's defaults", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const nf = yield* createNotiflow(project)
        const t = tenant()
        yield* updateTenantDefaults(project, t, { channel_types: { chat: false, sms: false }, locks: { channel_types: { sms: true } } })
        const x = yield* createUser(project)
        const y = yield* createUser(project)
        yield* put(project, ext(x.external_id), globalScope, { channel_types: { chat: true, sms: true } })
        yield* put(project, ext(y.external_id), scopeOf(t), { channel_types: { chat: true } })
        const out = yield* evaluateUsersV2(project, scopeOf(t), {
          notiflow_id: nf.id,
          channel_types: ["chat", "sms"],
          user_ids: [x.external_id, y.external_id, "ghost"]
        })
        assert.strictEqual(out.tenant_id, t)
        assert.deepStrictEqual(
          out.results.map((r) => [r.user_id, r.user_found, r.channel_types.chat?.source, r.channel_types.sms?.source]),
          [
            [x.external_id, true, "user", "tenant_lock"],
            [y.external_id, true, "user_tenant", "tenant_lock"],
            ["ghost", false, "tenant_default", "tenant_lock"]
          ]
        )
      }))
  })
}

export const scopedPreferencesSuite = (name: string, layer: ModelLayer, options?: { readonly concurrency?: number }): void =>
  runModelSuite(name, layer, (it) => scopedPreferencesCases(it, options?.concurrency))
