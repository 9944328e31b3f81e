/**
 * Conformance (MODEL.md §1, §5): tenant defaults with false-only locks (GET/PUT/DELETE, revision
 * checks) and the tenants list, checked through the {@link ModelInspector}.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  TenantRepository,
  UserNotFound,
  ValidationFailed,
  VersionConflict,
  deleteTenantDefaults,
  emptyTenantDefaults,
  getTenantDefaults,
  listTenants,
  updateScopedPreferences,
  updateTenantDefaults,
  upsertCategory
} from "@notiflows/domain"
import { admin, createNotiflow, createUser, flipFailure, freshProject, some } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { catId, ext, pid, runModelSuite, tenant } from "./internal/modelHarness.js"
import { ModelInspector } from "./ModelInspector.js"
import { scopeOf } from "@notiflows/domain"

const fields = (e: unknown) => (e instanceof ValidationFailed ? e.issues.map((i) => `${i.field}|${i.reason}`).sort() : e)

export const tenantsCases = (it: ModelIt): void => {
  describe("tenant defaults", () => {
    it.effect("never 404; a PUT stores values and locks; DELETE empties them", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const t = tenant()
        assert.deepStrictEqual(yield* getTenantDefaults(project, t), emptyTenantDefaults)
        const nf = yield* createNotiflow(project)
        const k = catId()
        yield* upsertCategory(project, k, { name: "k", include_in_preferences: false })
        const body = yield* updateTenantDefaults(project, t, {
          channel_types: { email: false, sms: true },
          categories: { [k]: { enabled: false } },
          notiflows: { [nf.id]: { channel_types: { chat: false } } },
          locks: { channel_types: { email: true }, categories: { [k]: { enabled: true } } }
        })
        const expected = {
          channel_types: { email: false, sms: true },
          categories: { [k]: { enabled: false } },
          notiflows: { [nf.id]: { channel_types: { chat: false } } },
          locks: { channel_types: { email: true }, categories: { [k]: { enabled: true } }, notiflows: {} }
        }
        assert.deepStrictEqual(body, expected)
        assert.deepStrictEqual(yield* getTenantDefaults(project, t), expected)
        const row = yield* some(yield* db.tenantDefaultsRow(project, t), "defaults row")
        assert.deepStrictEqual(row.defaults, expected)
        const unlocked = yield* updateTenantDefaults(project, t, { locks: { channel_types: { email: false }, categories: { [k]: null } } })
        assert.deepStrictEqual(unlocked.locks, { channel_types: {}, categories: {}, notiflows: {} })
        assert.deepStrictEqual(yield* deleteTenantDefaults(project, t), emptyTenantDefaults)
        // Emptied, not removed: the revision goes on across a DELETE (tenant_defaults.updated, docs/events.md).
        const emptied = yield* some(yield* db.tenantDefaultsRow(project, t), "emptied defaults row")
        assert.deepStrictEqual(emptied.defaults, emptyTenantDefaults)
        assert.strictEqual(emptied.revision, row.revision + 2)
        assert.deepStrictEqual(yield* getTenantDefaults(project, t), emptyTenantDefaults)
      }))

    it.effect("every lock needs the value false: none is required, true is invalid_format; nothing is stored", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const t = tenant()
        const nf = yield* createNotiflow(project)
        const e = yield* flipFailure(
          updateTenantDefaults(project, t, {
            channel_types: { sms: true },
            locks: { channel_types: { email: true, sms: true }, notiflows: { [nf.id]: { enabled: true } }, categories: { nope: { enabled: true } } }
          })
        )
        assert.deepStrictEqual(fields(e), [
          "channel_types.email|required",
          "channel_types.sms|invalid_format",
          "locks.categories.nope|unknown_category",
          `notiflows.${nf.id}.enabled|required`
        ])
        const e2 = yield* flipFailure(updateTenantDefaults(project, t, { locks: { notiflows: { [nf.id]: { enabled: true } } } }))
        assert.deepStrictEqual(fields(e2), [`notiflows.${nf.id}.enabled|required`])
        assert.isTrue(Option.isNone(yield* db.tenantDefaultsRow(project, t)))
      }))

    it.effect("the port saves and deletes at an expected revision only", () =>
      Effect.gen(function* () {
        const repo = yield* TenantRepository
        const project = pid((yield* freshProject).id)
        const t = tenant()
        const d = { ...emptyTenantDefaults, channel_types: { chat: false } }
        const saved = yield* repo.saveDefaults(project, t, d, 0)
        assert.strictEqual(saved.revision, 1)
        assert.instanceOf(yield* flipFailure(repo.saveDefaults(project, t, d, 0)), VersionConflict)
        assert.instanceOf(yield* flipFailure(repo.deleteDefaults(project, t, 2)), VersionConflict)
        assert.deepStrictEqual(yield* repo.loadDefaults(project, t), { defaults: d, revision: 1 })
        yield* repo.deleteDefaults(project, t, 1)
        assert.deepStrictEqual(yield* repo.loadDefaults(project, t), { defaults: emptyTenantDefaults, revision: 0 })
      }))
  })

  describe("tenants list", () => {
    it.effect("tenants with defaults or user sets, in id order, paginated; by user; unknown user 404", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const [a, b, c] = [tenant("t_a"), tenant("t_b"), tenant("t_c")]
        yield* updateTenantDefaults(project, a, { channel_types: { sms: false } })
        const user = yield* createUser(project)
        yield* updateScopedPreferences({
          projectId: project,
          externalId: ext(user.external_id),
          scope: scopeOf(c),
          audience: "admin",
          body: { channel_types: { chat: false } },
          context: admin()
        })
        // b has emptied defaults only: it does not exist.
        yield* updateTenantDefaults(project, b, { channel_types: { sms: false } })
        yield* updateTenantDefaults(project, b, { channel_types: { sms: null } })
        const all = yield* listTenants(project, { limit: 10 })
        assert.deepStrictEqual(all.items, [
          { id: a, has_defaults: true },
          { id: c, has_defaults: false }
        ])
        const page = yield* listTenants(project, { limit: 1 })
        assert.deepStrictEqual(page.items.map((i) => i.id), [a])
        assert.isTrue(page.page.has_more_after)
        const next = yield* listTenants(project, { limit: 1, after: a })
        assert.deepStrictEqual(next.items.map((i) => i.id), [c])
        const mine = yield* listTenants(project, { limit: 10 }, ext(user.external_id))
        assert.deepStrictEqual(mine.items, [{ id: c, has_defaults: false }])
        assert.instanceOf(yield* flipFailure(listTenants(project, { limit: 10 }, ext("nobody"))), UserNotFound)
      }))
  })
}

export const tenantsSuite = (name: string, layer: ModelLayer): void => runModelSuite(name, layer, tenantsCases)
