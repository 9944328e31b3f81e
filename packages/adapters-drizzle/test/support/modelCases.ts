/**
 * Storage cases of the model v2 ports (MODEL.md) at the port level, run on PGlite and PostgreSQL:
 * user×tenant sets (compare-and-set commit, first write, history with `tenant_id`, erasure),
 * the global set's category choices beside the v1 port, batch loads in a scope, tenant defaults
 * (compare-and-set, delete, `has_defaults`) and the tenants list, and concurrent first writes.
 */
import { assert, describe } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ExternalUserId, PreferenceChoicesV2, ProjectId, TenantDefaults, TenantId, UserId } from "@notiflows/domain"
import {
  PreferenceRepository,
  ProjectRepository,
  ScopedPreferenceRepository,
  TenantRepository,
  UserNotFound,
  UserRepository,
  VersionConflict,
  emptyChoicesV2,
  emptyTenantDefaults,
  globalScope,
  tenantScope
} from "@notiflows/domain"
import { ModelInspector } from "@notiflows/testing"
import type { ModelServices } from "@notiflows/testing"
import { DrizzleDatabase } from "../../src/index.js"

type Services = ModelServices | UserRepository | PreferenceRepository | ProjectRepository | DrizzleDatabase
type It = Vitest.MethodsNonLive<Services, true>

let counter = 0
const fresh = (prefix: string) => `${prefix}_${(++counter).toString(36)}_${crypto.randomUUID().slice(0, 8)}`
const history = (path: string) => ({
  actor: { type: "secret_key" as const, id: "key_model" },
  request_id: "req_model",
  changed_at: new Date("2026-11-29T12:00:00.000Z"),
  changes: [{ path, from: null, to: false }],
  operation: "patch" as const,
  source: "admin_api" as const,
  context: null
})

const profile = { email: null, phone: null, first_name: null, last_name: null, avatar: null, locale: null, timezone: null, custom_fields: {} }

/** A new user (no choices, global set at version 0) in a project. */
const newUser = (projectId: ProjectId) =>
  Effect.gen(function* () {
    const externalId = fresh("user") as ExternalUserId
    const user = yield* Effect.flatMap(UserRepository, (u) => u.save({ projectId, externalId, profile, expectedRevision: null, at: new Date() }))
    return { projectId, externalId, userId: user.id as UserId }
  })

const setup = Effect.flatMap(
  Effect.flatMap(ProjectRepository, (p) => p.create({ name: "model", securityMode: "off" })),
  (project) => newUser(project.id as ProjectId)
)

const choices = (over: Partial<PreferenceChoicesV2>): PreferenceChoicesV2 => ({ ...emptyChoicesV2, ...over })

export const modelCases = (it: It): void => {
  describe("user×tenant sets", () => {
    it.effect("first write at version 0, compare-and-set after it, history with tenant_id, conflicts and a gone user", () =>
      Effect.gen(function* () {
        const repo = yield* ScopedPreferenceRepository
        const db = yield* ModelInspector
        const { projectId, externalId, userId } = yield* setup
        const t = fresh("acme") as TenantId
        const scope = tenantScope(t)
        const empty = yield* repo.load(projectId, externalId, scope)
        assert.deepStrictEqual(Option.map(empty, (s) => s.scoped), Option.some({ version: 0, ...emptyChoicesV2 }))
        assert.isTrue(Option.isNone(yield* db.tenantSetRow(projectId, userId, t)))
        // A version other than 0 on a set never written conflicts with 0.
        const early = yield* Effect.flip(repo.commit({ projectId, userId, scope, expectedVersion: 2, choices: emptyChoicesV2, history: history("x") }))
        assert.deepStrictEqual(early, new VersionConflict({ expected: 2, actual: 0 }))
        const first = choices({ channel_types: { email: false }, categories: { marketing: { enabled: false } } })
        const one = yield* repo.commit({ projectId, userId, scope, expectedVersion: 0, choices: first, history: history("channel_types.email") })
        assert.deepStrictEqual(one, { version: 1, ...first })
        const again = yield* Effect.flip(repo.commit({ projectId, userId, scope, expectedVersion: 0, choices: first, history: history("x") }))
        assert.deepStrictEqual(again, new VersionConflict({ expected: 0, actual: 1 }))
        const second = choices({ notiflows: { nf: { channel_types: { sms: false } } } })
        // The domain hands a whole set (with its old version) as the choices: the new version wins.
        const wholeSet: PreferenceChoicesV2 = { version: 1, ...second } as PreferenceChoicesV2
        const two = yield* repo.commit({ projectId, userId, scope, expectedVersion: 1, choices: wholeSet, history: history("notiflows.nf.channel_types.sms") })
        assert.deepStrictEqual(two, { version: 2, ...second })
        assert.deepStrictEqual(yield* db.tenantSetRow(projectId, userId, t), Option.some({ version: 2, choices: second }))
        // The global set is untouched, and its own version stays 0.
        const loaded = yield* Effect.flatMap(repo.load(projectId, externalId, scope), (o) => Option.match(o, { onNone: () => Effect.die("no user"), onSome: Effect.succeed }))
        assert.deepStrictEqual(loaded.global, { version: 0, ...emptyChoicesV2 })
        assert.deepStrictEqual(loaded.scoped, { version: 2, ...second })
        const page = yield* repo.history(projectId, userId, scope, { limit: 10 })
        assert.deepStrictEqual(page.items.map((e) => [e.version, e.tenant_id, e.changes[0]?.path]), [
          [2, t, "notiflows.nf.channel_types.sms"],
          [1, t, "channel_types.email"]
        ])
        assert.deepStrictEqual((yield* repo.history(projectId, userId, scope, { limit: 1, after: 2 })).items.map((e) => e.version), [1])
        assert.deepStrictEqual((yield* repo.history(projectId, userId, globalScope, { limit: 10 })).items, [])
        assert.deepStrictEqual((yield* repo.history(projectId, userId, tenantScope(fresh("other") as TenantId), { limit: 10 })).items, [])
        // Erasing the user erases its tenant sets and their history.
        assert.isTrue(yield* Effect.flatMap(UserRepository, (u) => u.remove(projectId, externalId)))
        assert.isTrue(Option.isNone(yield* db.tenantSetRow(projectId, userId, t)))
        assert.deepStrictEqual(yield* db.tenantHistoryRows(projectId, userId, t), [])
        const gone = yield* Effect.flip(repo.commit({ projectId, userId, scope, expectedVersion: 2, choices: first, history: history("x") }))
        assert.instanceOf(gone, UserNotFound)
        const goneFirst = yield* Effect.flip(repo.commit({ projectId, userId, scope: tenantScope(fresh("new") as TenantId), expectedVersion: 0, choices: first, history: history("x") }))
        assert.instanceOf(goneFirst, UserNotFound)
      }))

    it.effect("the global set: categories stored beside the v1 choices, kept by a v1 write; one version and history for both ports", () =>
      Effect.gen(function* () {
        const repo = yield* ScopedPreferenceRepository
        const v1 = yield* PreferenceRepository
        const db = yield* ModelInspector
        const { projectId, externalId, userId } = yield* setup
        const c = choices({ channel_types: { sms: false }, categories: { product: { channel_types: { email: false } } } })
        const asSet = { version: 0, ...c } as PreferenceChoicesV2
        const one = yield* repo.commit({ projectId, userId, scope: globalScope, expectedVersion: 0, choices: asSet, history: history("categories.product.channel_types.email") })
        assert.deepStrictEqual(one, { version: 1, ...c })
        assert.deepStrictEqual(yield* db.globalCategoryRows(projectId, userId), c.categories)
        const viaV1 = yield* v1.load(projectId, externalId)
        assert.deepStrictEqual(Option.getOrThrow(viaV1).preferences, { version: 1, channel_types: { sms: false }, notiflows: {} })
        yield* v1.commit({ projectId, userId, expectedVersion: 1, choices: { channel_types: {}, notiflows: { nf: { enabled: false } } }, history: history("notiflows.nf.enabled") })
        const loaded = yield* repo.load(projectId, externalId, globalScope)
        assert.deepStrictEqual(Option.getOrThrow(loaded).scoped, { version: 2, channel_types: {}, categories: c.categories, notiflows: { nf: { enabled: false } } })
        const page = yield* repo.history(projectId, userId, globalScope, { limit: 10 })
        assert.deepStrictEqual(page.items.map((e) => [e.version, e.tenant_id]), [[2, null], [1, null]])
        const stale = yield* Effect.flip(repo.commit({ projectId, userId, scope: globalScope, expectedVersion: 1, choices: c, history: history("x") }))
        assert.deepStrictEqual(stale, new VersionConflict({ expected: 1, actual: 2 }))
      }))

    it.effect("loadMany reads the global and the scope's set of many users in one call; unknown users are absent", () =>
      Effect.gen(function* () {
        const repo = yield* ScopedPreferenceRepository
        const a = yield* setup
        const other = (yield* newUser(a.projectId)).externalId
        const t = fresh("acme") as TenantId
        const g = choices({ channel_types: { chat: true } })
        const s = choices({ categories: { marketing: { enabled: true } } })
        yield* repo.commit({ projectId: a.projectId, userId: a.userId, scope: globalScope, expectedVersion: 0, choices: g, history: history("x") })
        yield* repo.commit({ projectId: a.projectId, userId: a.userId, scope: tenantScope(t), expectedVersion: 0, choices: s, history: history("x") })
        const many = yield* repo.loadMany(a.projectId, [a.externalId, other, "nobody" as ExternalUserId], tenantScope(t))
        assert.deepStrictEqual([...many.keys()].sort(), [a.externalId, other].sort())
        assert.deepStrictEqual(many.get(a.externalId), { global: g, scoped: s })
        assert.deepStrictEqual(many.get(other), { global: emptyChoicesV2, scoped: emptyChoicesV2 })
        const global = yield* repo.loadMany(a.projectId, [a.externalId], globalScope)
        assert.deepStrictEqual(global.get(a.externalId), { global: g, scoped: g })
        assert.strictEqual((yield* repo.loadMany(a.projectId, [], tenantScope(t))).size, 0)
      }))

    it.effect("concurrent first writes of one tenant set: exactly one wins, the others conflict with version 1", () =>
      Effect.gen(function* () {
        const repo = yield* ScopedPreferenceRepository
        const db = yield* ModelInspector
        const { projectId, userId } = yield* setup
        const t = fresh("race") as TenantId
        const outcomes = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) =>
            Effect.either(repo.commit({ projectId, userId, scope: tenantScope(t), expectedVersion: 0, choices: choices({ notiflows: { [`n${i}`]: { enabled: false } } }), history: history(`w${i}`) }))
          ),
          { concurrency: "unbounded" }
        )
        const wins = outcomes.filter((o) => o._tag === "Right")
        assert.strictEqual(wins.length, 1)
        for (const o of outcomes) if (o._tag === "Left") assert.deepStrictEqual(o.left, new VersionConflict({ expected: 0, actual: 1 }))
        assert.strictEqual((yield* db.tenantHistoryRows(projectId, userId, t)).length, 1)
      }))
  })

  describe("tenant defaults and tenants", () => {
    it.effect("compare-and-set save, delete, has_defaults, and the tenants list (defaults or sets; by user)", () =>
      Effect.gen(function* () {
        const tenants = yield* TenantRepository
        const repo = yield* ScopedPreferenceRepository
        const db = yield* ModelInspector
        const { projectId, userId } = yield* setup
        const [ta, tb, tc] = ["a", "b", "c"].map((p) => `${p}_${crypto.randomUUID().slice(0, 8)}` as TenantId)
        assert.deepStrictEqual(yield* tenants.loadDefaults(projectId, ta!), { defaults: emptyTenantDefaults, revision: 0 })
        const d: TenantDefaults = { ...choices({ channel_types: { email: false }, notiflows: { nf: { enabled: false } } }), locks: choices({ channel_types: { email: true } }) }
        assert.deepStrictEqual(yield* tenants.saveDefaults(projectId, ta!, d, 0), { defaults: d, revision: 1 })
        assert.deepStrictEqual(yield* Effect.flip(tenants.saveDefaults(projectId, ta!, d, 0)), new VersionConflict({ expected: 0, actual: 1 }))
        assert.deepStrictEqual(yield* Effect.flip(tenants.saveDefaults(projectId, tb!, d, 3)), new VersionConflict({ expected: 3, actual: 0 }))
        // An update at the expected revision (and a stale one conflicts).
        const d2: TenantDefaults = { ...d, categories: { marketing: { enabled: false } }, locks: choices({ categories: { marketing: { enabled: true } } }) }
        assert.deepStrictEqual(yield* tenants.saveDefaults(projectId, ta!, d2, 1), { defaults: d2, revision: 2 })
        assert.deepStrictEqual(yield* Effect.flip(tenants.saveDefaults(projectId, ta!, d, 1)), new VersionConflict({ expected: 1, actual: 2 }))
        assert.deepStrictEqual(yield* tenants.saveDefaults(projectId, ta!, d, 2), { defaults: d, revision: 3 })
        assert.deepStrictEqual(yield* tenants.loadDefaults(projectId, ta!), { defaults: d, revision: 3 })
        assert.deepStrictEqual(yield* db.tenantDefaultsRow(projectId, ta!), Option.some({ defaults: d, revision: 3 }))
        // Empty defaults are stored (revision moves) but the tenant has none.
        yield* tenants.saveDefaults(projectId, tb!, emptyTenantDefaults, 0)
        yield* repo.commit({ projectId, userId, scope: tenantScope(tc!), expectedVersion: 0, choices: emptyChoicesV2, history: history("x") })
        const all = yield* tenants.list(projectId, { limit: 10 }, Option.none())
        assert.deepStrictEqual(all, { items: [{ id: ta!, has_defaults: true }, { id: tc!, has_defaults: false }], hasMore: false })
        assert.deepStrictEqual(yield* tenants.list(projectId, { limit: 1 }, Option.none()), { items: [{ id: ta!, has_defaults: true }], hasMore: true })
        assert.deepStrictEqual(yield* tenants.list(projectId, { limit: 1, after: ta! }, Option.none()), { items: [{ id: tc!, has_defaults: false }], hasMore: false })
        assert.deepStrictEqual(yield* tenants.list(projectId, { limit: 1, before: tc! }, Option.none()), { items: [{ id: ta!, has_defaults: true }], hasMore: false })
        assert.deepStrictEqual((yield* tenants.list(projectId, { limit: 10 }, Option.some(userId))).items, [{ id: tc!, has_defaults: false }])
        // Delete at the expected revision only; afterwards revision 0 and not listed.
        assert.deepStrictEqual(yield* Effect.flip(tenants.deleteDefaults(projectId, ta!, 2)), new VersionConflict({ expected: 2, actual: 3 }))
        assert.deepStrictEqual(yield* Effect.flip(tenants.deleteDefaults(projectId, ta!, 0)), new VersionConflict({ expected: 0, actual: 3 }))
        yield* tenants.deleteDefaults(projectId, ta!, 3)
        assert.deepStrictEqual(yield* tenants.loadDefaults(projectId, ta!), { defaults: emptyTenantDefaults, revision: 0 })
        yield* tenants.deleteDefaults(projectId, ta!, 0)
        assert.deepStrictEqual((yield* tenants.list(projectId, { limit: 10 }, Option.none())).items.map((t) => t.id), [tc!])
        assert.strictEqual((yield* tenants.saveDefaults(projectId, ta!, d, 0)).revision, 1)
      }))
  })
}
