/**
 * Conformance (MODEL.md §1, §5): categories (upsert, soft delete, restore, limit, paginated
 * list) and notiflow memberships, checked through the {@link ModelInspector}.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CategoryId } from "@notiflows/domain"
import {
  CategoryLimitReached,
  CategoryNotFound,
  CategoryRepository,
  ValidationFailed,
  VersionConflict,
  deleteCategory,
  getCategory,
  getNotiflowV2,
  listCategories,
  listNotiflowsV2,
  newCategory,
  upsertCategory,
  upsertNotiflowV2
} from "@notiflows/domain"
import { flipFailure, freshProject, some } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { catId, nfId, pid, runModelSuite } from "./internal/modelHarness.js"
import { ModelInspector } from "./ModelInspector.js"

export const categoriesCases = (it: ModelIt): void => {
  describe("categories", () => {
    it.effect("create, merge update, no-op, soft delete (404) and restore from the defaults", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const id = catId()
        const created = yield* upsertCategory(project, id, { name: "Marketing", default_channel_types: { sms: false }, default_enabled: false })
        assert.isTrue(created.created)
        const row = yield* some(yield* db.categoryRow(project, id), "category row")
        assert.deepStrictEqual(row, {
          id,
          name: "Marketing",
          include_in_preferences: true,
          default_enabled: false,
          default_channel_types: { sms: false },
          deleted: false,
          revision: created.category.revision
        })
        const same = yield* upsertCategory(project, id, { name: "Marketing" })
        assert.strictEqual(same.category.revision, created.category.revision)
        const updated = yield* upsertCategory(project, id, { default_enabled: null, include_in_preferences: false })
        assert.isFalse(updated.created)
        assert.isTrue(updated.category.default_enabled)
        yield* deleteCategory(project, id)
        assert.isTrue((yield* some(yield* db.categoryRow(project, id), "row")).deleted)
        assert.instanceOf(yield* flipFailure(getCategory(project, id)), CategoryNotFound)
        assert.instanceOf(yield* flipFailure(deleteCategory(project, id)), CategoryNotFound)
        const noName = yield* flipFailure(upsertCategory(project, id, {}))
        assert.instanceOf(noName, ValidationFailed)
        const restored = yield* upsertCategory(project, id, { name: "Back" })
        assert.isTrue(restored.created)
        assert.deepStrictEqual(
          { ...restored.category, revision: 0, created_at: null, updated_at: null },
          { ...newCategory(id, "Back"), revision: 0, created_at: null, updated_at: null }
        )
        assert.strictEqual((yield* getCategory(project, id)).name, "Back")
      }))

    it.effect("the list is live categories in id order, paginated both ways", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const ids = ["c_a", "c_b", "c_c", "c_d"].map((s) => s as CategoryId)
        for (const c of ids) yield* upsertCategory(project, c, { name: c })
        yield* deleteCategory(project, ids[1]!)
        const first = yield* listCategories(project, { limit: 2 })
        assert.deepStrictEqual(first.items.map((c) => c.id), ["c_a", "c_c"])
        assert.isTrue(first.page.has_more_after)
        const second = yield* listCategories(project, { limit: 2, after: ids[2]! })
        assert.deepStrictEqual(second.items.map((c) => c.id), ["c_d"])
        assert.isFalse(second.page.has_more_after)
        const back = yield* listCategories(project, { limit: 1, before: ids[3]! })
        assert.deepStrictEqual(back.items.map((c) => c.id), ["c_c"])
        assert.isTrue(back.page.has_more_before)
        assert.strictEqual(yield* Effect.flatMap(CategoryRepository, (r) => r.countLive(project)), 3)
      }))

    it.effect("save checks the revision and the live limit atomically; updates at the limit pass", () =>
      Effect.gen(function* () {
        const repo = yield* CategoryRepository
        const project = pid((yield* freshProject).id)
        const at = new Date()
        const [a, b, c] = [catId("a"), catId("b"), catId("c")]
        const sa = yield* repo.save(project, newCategory(a, "A"), null, at, 2)
        yield* repo.save(project, newCategory(b, "B"), null, at, 2)
        assert.instanceOf(yield* flipFailure(repo.save(project, newCategory(c, "C"), null, at, 2)), CategoryLimitReached)
        assert.isTrue(Option.isNone(yield* repo.get(project, c)))
        assert.instanceOf(yield* flipFailure(repo.save(project, newCategory(a, "A2"), null, at, 2)), VersionConflict)
        const renamed = yield* repo.save(project, { ...newCategory(a, "A2") }, sa.revision, at, 2)
        const gone = yield* repo.save(project, { ...newCategory(a, "A2"), deleted: true }, renamed.revision, at, 2)
        yield* repo.save(project, newCategory(c, "C"), null, at, 2)
        // Restoring `a` would make three live.
        assert.instanceOf(yield* flipFailure(repo.save(project, newCategory(a, "A3"), gone.revision, at, 2)), CategoryLimitReached)
        assert.strictEqual(yield* repo.countLive(project), 2)
      }))
  })

  describe("notiflow memberships", () => {
    it.effect("ordered, validated, hidden when deleted, kept after the given ids, back on restore", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const [x, y, z] = [catId("x"), catId("y"), catId("z")]
        for (const c of [x, y, z]) yield* upsertCategory(project, c, { name: c })
        const n = nfId("newsletter")
        const created = yield* upsertNotiflowV2(project, n, { name: "Newsletter", categories: [z, x] })
        assert.deepStrictEqual(created.categories, [z, x])
        assert.deepStrictEqual(yield* db.membershipRows(project, n), [z, x])
        yield* deleteCategory(project, z)
        assert.deepStrictEqual((yield* getNotiflowV2(project, n)).categories, [x])
        const put = yield* upsertNotiflowV2(project, n, { categories: [y] })
        assert.deepStrictEqual(put.categories, [y])
        assert.deepStrictEqual(yield* db.membershipRows(project, n), [y, z])
        yield* upsertCategory(project, z, { name: "again" })
        assert.deepStrictEqual((yield* getNotiflowV2(project, n)).categories, [y, z])
        const untouched = yield* upsertNotiflowV2(project, n, { name: "Renamed" })
        assert.deepStrictEqual(untouched.categories, [y, z])
        const listed = yield* listNotiflowsV2(project, { limit: 10 })
        assert.deepStrictEqual(listed.items.map((i) => [i.notiflow.id, i.categories]), [[n, [y, z]]])
        const cleared = yield* upsertNotiflowV2(project, n, { categories: null })
        assert.deepStrictEqual(cleared.categories, [])
        assert.deepStrictEqual(yield* db.membershipRows(project, n), [])
      }))

    it.effect("unknown or deleted ids are unknown_category at their index; nothing is stored", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const [x, gone] = [catId("x"), catId("gone")]
        yield* upsertCategory(project, x, { name: "x" })
        yield* upsertCategory(project, gone, { name: "gone" })
        yield* deleteCategory(project, gone)
        const n = nfId("n1")
        const e = yield* flipFailure(upsertNotiflowV2(project, n, { name: "N", categories: [x, "nope", gone, x] }))
        assert.instanceOf(e, ValidationFailed)
        assert.deepStrictEqual(
          (e as ValidationFailed).issues.map((i) => `${i.field}|${i.reason}`).sort(),
          ["categories.1|unknown_category", "categories.2|unknown_category", "categories.3|invalid_format"].sort()
        )
        assert.deepStrictEqual(yield* db.membershipRows(project, n), [])
      }))

    it.effect("a membership write at a stale revision changes nothing (a writer that lost the race never overwrites the winner's list)", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const repo = yield* CategoryRepository
        const project = pid((yield* freshProject).id)
        const [x, y] = [catId("x"), catId("y")]
        for (const c of [x, y]) yield* upsertCategory(project, c, { name: c })
        const n = nfId("race")
        const first = yield* upsertNotiflowV2(project, n, { name: "Race", categories: [x] })
        const second = yield* upsertNotiflowV2(project, n, { categories: [y] })
        assert.strictEqual(second.notiflow.revision, first.notiflow.revision + 1)
        // The first writer, late, at the revision it saved: refused, the winner's list stays.
        const late = yield* flipFailure(repo.setMemberships(project, n, [x], first.notiflow.revision))
        assert.instanceOf(late, VersionConflict)
        assert.deepStrictEqual(yield* db.membershipRows(project, n), [y])
        const missing = yield* flipFailure(repo.setMemberships(project, nfId("absent"), [x], 1))
        assert.instanceOf(missing, VersionConflict)
        assert.deepStrictEqual(yield* db.membershipRows(project, nfId("absent")), [])
        yield* repo.setMemberships(project, n, [x, y], second.notiflow.revision)
        assert.deepStrictEqual(yield* db.membershipRows(project, n), [x, y])
      }))

    it.effect("concurrent upserts of one notiflow end with the last event's categories stored", () =>
      Effect.gen(function* () {
        const db = yield* ModelInspector
        const project = pid((yield* freshProject).id)
        const ids = ["a", "b", "c", "d"].map(catId)
        for (const c of ids) yield* upsertCategory(project, c, { name: c })
        const n = nfId("contended")
        yield* upsertNotiflowV2(project, n, { name: "Contended" })
        const results = yield* Effect.all(
          ids.map((c) => upsertNotiflowV2(project, n, { categories: [c] })),
          { concurrency: "unbounded" }
        )
        const winner = results.reduce((a, b) => (b.notiflow.revision > a.notiflow.revision ? b : a))
        assert.deepStrictEqual(yield* db.membershipRows(project, n), winner.categories)
        assert.deepStrictEqual((yield* getNotiflowV2(project, n)).categories, winner.categories)
      }))
  })
}

/** Runs the category and membership cases against `layer`. */
export const categoriesSuite = (name: string, layer: ModelLayer): void => runModelSuite(name, layer, categoriesCases)
