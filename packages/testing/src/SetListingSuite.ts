/**
 * Conformance (EVENTS.md §5): the listing of every set. Every user's global set (version 0
 * included) and every user×tenant set, in byte order of the external id then `null` before the
 * tenants, choices verbatim (on deleted notiflows too), projects apart, and pages that continue
 * from their position whatever was written, created or erased between them. What the listing
 * answers is checked against the stored rows through the inspectors.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ExternalUserId, PreferenceSetItem, ProjectId, Scope, SetKey } from "@notiflows/domain"
import {
  decodeSetCursor,
  deleteNotiflow,
  deleteUser,
  globalScope,
  listPreferenceSets,
  scopeOf,
  updateScopedPreferences,
  upsertCategory
} from "@notiflows/domain"
import { admin, createNotiflow, createUser, freshProject } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { catId, ext, nfId, pid, runModelSuite, tenant } from "./internal/modelHarness.js"
import { ModelInspector } from "./ModelInspector.js"
import { StorageInspector } from "./StorageInspector.js"

const put = (projectId: ProjectId, externalId: string, scope: Scope, body: unknown) =>
  updateScopedPreferences({ projectId, externalId: ext(externalId), scope, audience: "admin", body, context: admin() })

/** Every page from the start at `limit`, checking each page's envelope on the way. */
const readAll = (projectId: ProjectId, limit: number) =>
  Effect.gen(function* () {
    const items: Array<PreferenceSetItem> = []
    let after: SetKey | null = null
    for (let pages = 0; pages < 1000; pages++) {
      const page = yield* listPreferenceSets(projectId, { limit, after })
      assert.strictEqual(page.page.limit, limit)
      assert.isAtMost(page.items.length, limit)
      items.push(...page.items)
      const next = decodeSetCursor(page.page.after)
      assert.isDefined(next, "page.after is a cursor of this list")
      if (!page.page.has_more_after) {
        // The end: reading on from it is an empty page that keeps its position.
        const end = yield* listPreferenceSets(projectId, { limit, after: next ?? null })
        assert.deepStrictEqual([end.items, end.page.has_more_after, end.page.after], [[], false, page.page.after])
        return items
      }
      assert.strictEqual(page.items.length, limit, "a page before the end is full")
      after = next ?? null
    }
    return assert.fail("the listing never ended")
  })

const keys = (items: ReadonlyArray<PreferenceSetItem>) => items.map((i) => [i.user_id, i.tenant_id, i.version])

// Byte order: "Z" < "a" < "b" < "é" (C3 A9) < "～" (U+FF5E, EF BD 9E) < "😀" (U+1F600, F0 9F …).
// UTF-16 code units would put the emoji (D83D) before U+FF5E.
const USERS = ["b", "😀", "a", "～", "Z", "é"]

export const setListingCases = (it: ModelIt): void => {
  describe("every set", () => {
    it.effect("lists global sets (version 0 too) and tenant sets in byte order, choices verbatim, checked against the stored rows", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const other = pid((yield* freshProject).id)
        const ids = new Map<string, string>()
        for (const u of USERS) ids.set(u, (yield* createUser(project, ext(u))).id)
        yield* createUser(other, ext("a"))
        yield* put(other, "a", globalScope, { channel_types: { sms: false } })
        const k = catId()
        yield* upsertCategory(project, k, { name: "k" })
        const nf = (yield* createNotiflow(project)).id
        const [acme, Acme, beta] = [tenant("acme"), tenant("Acme"), tenant("beta")]
        yield* put(project, "a", globalScope, { channel_types: { sms: false } })
        yield* put(project, "a", globalScope, { notiflows: { [nf]: { enabled: false } } })
        yield* put(project, "a", scopeOf(beta), { channel_types: { chat: false } })
        yield* put(project, "a", scopeOf(acme), { categories: { [k]: { enabled: false } } })
        yield* put(project, "a", scopeOf(Acme), { channel_types: { email: true } })
        yield* put(project, "Z", globalScope, { categories: { [k]: { channel_types: { sms: false } } } })
        yield* put(project, "😀", scopeOf(beta), { channel_types: { in_app: false } })
        // A choice on a notiflow deleted later is still stored, so it is listed.
        yield* deleteNotiflow(project, nfId(nf))

        const items = yield* readAll(project, 100)
        const tenants = [acme, Acme, beta].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        assert.deepStrictEqual(keys(items), [
          ["Z", null, 1],
          ["a", null, 2],
          ...tenants.map((t) => ["a", t, 1]),
          ["b", null, 0],
          ["é", null, 0],
          ["～", null, 0],
          ["😀", null, 0],
          ["😀", beta, 1]
        ])
        const a = items[1]!
        assert.deepStrictEqual(a, {
          user_id: ext("a"),
          id: ids.get("a"),
          tenant_id: null,
          version: 2,
          preferences: { channel_types: { sms: false }, categories: {}, notiflows: { [nf]: { enabled: false } } }
        } as unknown as PreferenceSetItem)
        assert.deepStrictEqual(items[0]!.preferences, { channel_types: {}, categories: { [k]: { channel_types: { sms: false } } }, notiflows: {} })
        assert.deepStrictEqual(items.find((i) => i.user_id === "b")!.preferences, { channel_types: {}, categories: {}, notiflows: {} })

        // The same through the independent read paths.
        const v1 = yield* StorageInspector
        const db = yield* ModelInspector
        for (const item of items) {
          assert.strictEqual(item.id, ids.get(item.user_id))
          if (item.tenant_id === null) {
            const row = Option.getOrThrow(yield* v1.preferenceRow(project, item.id))
            assert.deepStrictEqual([row.version, row.choices], [item.version, { channel_types: item.preferences.channel_types, notiflows: item.preferences.notiflows }])
            assert.deepStrictEqual(yield* db.globalCategoryRows(project, item.id), item.preferences.categories)
          } else {
            const row = Option.getOrThrow(yield* db.tenantSetRow(project, item.id, item.tenant_id))
            assert.deepStrictEqual([row.version, row.choices], [item.version, item.preferences])
          }
        }
        // Every page size walks the same sequence.
        for (const limit of [1, 2, 3, 7, items.length, items.length + 1]) assert.deepStrictEqual(yield* readAll(project, limit), items)
        // Another project is apart.
        assert.deepStrictEqual(keys(yield* readAll(other, 10)), [["a", null, 1]])
        assert.deepStrictEqual(keys(yield* readAll(pid((yield* freshProject).id), 10)), [])
      }))

    it.effect("a page continues from its position whatever was written, created or erased meanwhile", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        for (const u of ["u1", "u3", "u5"]) yield* createUser(project, ext(u))
        const t = tenant()
        yield* put(project, "u3", scopeOf(t), { channel_types: { sms: false } })
        const first = yield* listPreferenceSets(project, { limit: 2, after: null })
        assert.deepStrictEqual(keys(first.items), [["u1", null, 0], ["u3", null, 0]])
        const cursor = decodeSetCursor(first.page.after) ?? null
        // Behind the cursor, a new user and a write are not listed; ahead of it, a new user is.
        yield* createUser(project, ext("u0"))
        yield* put(project, "u1", globalScope, { channel_types: { sms: false } })
        yield* createUser(project, ext("u4"))
        // Erasing the cursor's own user drops its remaining tenant set and keeps the position.
        yield* deleteUser(project, ext("u3") as ExternalUserId)
        const rest = yield* listPreferenceSets(project, { limit: 10, after: cursor })
        assert.deepStrictEqual(keys(rest.items), [["u4", null, 0], ["u5", null, 0]])
        assert.isFalse(rest.page.has_more_after)
      }))
  })
}

export const setListingSuite = (name: string, layer: ModelLayer): void => runModelSuite(name, layer, (it) => setListingCases(it))
