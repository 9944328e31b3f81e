/**
 * Conformance of the catalog and defaults events (EVENTS.md §2): `notiflow.*`, `category.*`,
 * `defaults.updated`, `tenant_defaults.updated` are written with their change (none for a no-op),
 * carry the GET object, `revision`, `changed_fields` / `changes`, the attribution, and their
 * ordering key. Run by {@link eventsSuite} on every adapter.
 */
import { assert, describe } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { Attribution, EventRepository } from "@notiflows/domain"
import {
  categoryToJson,
  deleteCategory,
  deleteNotiflow,
  deleteTenantDefaults,
  getCategory,
  getNotiflowV2,
  getTenantDefaults,
  listTenants,
  notiflowToJsonV2,
  updateDefaults,
  updateTenantDefaults,
  upsertCategory,
  upsertNotiflowV2
} from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { freshId, freshProject } from "./internal/fixtures.js"
import { catId, nfId, pid, tenant } from "./internal/modelHarness.js"
import { dataOf, drain, settle } from "./internal/feed.js"

type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepository, true>

const by = (requestId = freshId("req")): Attribution => ({ actor: { type: "secret_key", id: "key_suite" }, requestId, source: "admin_api" })
const attribution = (a: Attribution) => ({ actor: a.actor, source: a.source, request_id: a.requestId })

export const catalogEventsCases = (it: It): void => {
  describe("catalog and defaults events", () => {
    it.effect("notiflows: created, updated (changed_fields, categories included), no-op none, deleted, restored", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const id = nfId(freshId("nf"))
        const c = catId()
        yield* upsertCategory(project, c, { name: "C" })
        // The category's event must be visible before the snapshot (PostgreSQL's horizon), or it
        // would be counted among this case's notiflow events.
        yield* settle
        const { stored: before } = yield* drain(project, 100)
        const a = by("req_create")
        yield* upsertNotiflowV2(project, id, { name: "Orders" }, a)
        const created = yield* getNotiflowV2(project, id)
        yield* upsertNotiflowV2(project, id, { name: "Orders" }, by())
        const b = by()
        yield* upsertNotiflowV2(project, id, { name: "Orders 2", default_enabled: false }, b)
        const updated = yield* getNotiflowV2(project, id)
        const m = by()
        yield* upsertNotiflowV2(project, id, { categories: [c] }, m)
        const member = yield* getNotiflowV2(project, id)
        const d = by()
        yield* deleteNotiflow(project, id, d)
        yield* upsertNotiflowV2(project, id, { name: "Back" }, by())
        yield* settle
        const { events, stored } = yield* drain(project, 100)
        const mine = events.slice(before.length)
        assert.deepStrictEqual(
          mine.map((e) => e["type"]),
          ["notiflow.created", "notiflow.updated", "notiflow.updated", "notiflow.deleted", "notiflow.created"]
        )
        assert.deepStrictEqual(dataOf(mine[0]!), { notiflow: notiflowToJsonV2(created.notiflow, created.categories), revision: 1, ...attribution(a) })
        assert.deepStrictEqual(dataOf(mine[1]!), {
          notiflow: notiflowToJsonV2(updated.notiflow, updated.categories),
          revision: 2,
          changed_fields: ["name", "default_enabled"],
          ...attribution(b)
        })
        assert.deepStrictEqual(dataOf(mine[2]!), {
          notiflow: notiflowToJsonV2(member.notiflow, member.categories),
          revision: 3,
          changed_fields: ["categories"],
          ...attribution(m)
        })
        assert.deepStrictEqual(dataOf(mine[3]!), { notiflow_id: id, revision: 4, ...attribution(d) })
        assert.strictEqual(dataOf(mine[4]!)["revision"], 5)
        for (const e of stored.slice(before.length)) {
          assert.strictEqual(e.orderingKey, `notiflow:${id}`)
          assert.strictEqual(e.userId, null)
        }
      }))

    it.effect("concurrent upserts of one notiflow, renames and category changes mixed: the stored list is the last event's", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const id = nfId(freshId("nf"))
        const cats = [catId(), catId(), catId()]
        for (const c of cats) yield* upsertCategory(project, c, { name: c })
        yield* upsertNotiflowV2(project, id, { name: "Contended", categories: [cats[0]!] })
        // Writers that only rename keep the list they read; a stale read must not bring an old list back.
        const writes = [
          { categories: [cats[1]!] },
          { name: "Renamed 1" },
          { categories: [cats[2]!, cats[0]!] },
          { name: "Renamed 2" },
          { categories: [] },
          { name: "Renamed 3" }
        ]
        yield* Effect.all(
          writes.map((body) => upsertNotiflowV2(project, id, body, by())),
          { concurrency: "unbounded" }
        )
        yield* settle
        const { events } = yield* drain(project, 1000)
        const last = events.filter((e) => (dataOf(e)["notiflow"] as { id?: string } | undefined)?.id === id).pop()
        const got = yield* getNotiflowV2(project, id)
        assert.deepStrictEqual((dataOf(last!)["notiflow"] as { categories: ReadonlyArray<string> }).categories, got.categories)
        assert.strictEqual(dataOf(last!)["revision"], got.notiflow.revision)
      }))

    it.effect("categories: created, updated, no-op none, deleted", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const c = catId()
        const a = by()
        yield* upsertCategory(project, c, { name: "Marketing" }, a)
        const created = yield* getCategory(project, c)
        yield* upsertCategory(project, c, { name: "Marketing" }, by())
        const b = by()
        yield* upsertCategory(project, c, { default_channel_types: { sms: false } }, b)
        const updated = yield* getCategory(project, c)
        yield* deleteCategory(project, c, by("req_delete"))
        yield* settle
        const { events, stored } = yield* drain(project, 100)
        assert.deepStrictEqual(events.map((e) => e["type"]), ["category.created", "category.updated", "category.deleted"])
        assert.deepStrictEqual(dataOf(events[0]!), { category: categoryToJson(created), revision: 1, ...attribution(a) })
        assert.deepStrictEqual(dataOf(events[1]!), {
          category: categoryToJson(updated),
          revision: 2,
          changed_fields: ["default_channel_types"],
          ...attribution(b)
        })
        assert.deepStrictEqual(dataOf(events[2]!), { category_id: c, revision: 3, ...attribution(by("req_delete")) })
        assert.deepStrictEqual(stored.map((e) => e.orderingKey), [`category:${c}`, `category:${c}`, `category:${c}`])
      }))

    it.effect("project defaults: defaults.updated with the explicit defaults and changes; a no-op writes none", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const a = by()
        yield* updateDefaults(project, { channel_types: { sms: false, email: false } }, a)
        yield* updateDefaults(project, { channel_types: { sms: false } }, by())
        const b = by()
        yield* updateDefaults(project, { channel_types: { sms: null } }, b)
        yield* settle
        const { events, stored } = yield* drain(project, 100)
        assert.deepStrictEqual(events.map((e) => e["type"]), ["defaults.updated", "defaults.updated"])
        assert.deepStrictEqual(dataOf(events[0]!), {
          defaults: { channel_types: { email: false, sms: false } },
          changes: [
            { path: "channel_types.email", from: null, to: false },
            { path: "channel_types.sms", from: null, to: false }
          ],
          revision: 1,
          ...attribution(a)
        })
        assert.deepStrictEqual(dataOf(events[1]!), {
          defaults: { channel_types: { email: false } },
          changes: [{ path: "channel_types.sms", from: false, to: null }],
          revision: 2,
          ...attribution(b)
        })
        assert.deepStrictEqual(stored.map((e) => e.orderingKey), ["project", "project"])
      }))

    it.effect("tenant defaults: values and locks; DELETE leaves every leaf to: null and the revision goes on", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const t = tenant()
        const a = by()
        const body = { channel_types: { email: false, chat: false }, locks: { channel_types: { email: true } } }
        yield* updateTenantDefaults(project, t, body, undefined, a)
        yield* updateTenantDefaults(project, t, body, undefined, by())
        const d = by()
        yield* deleteTenantDefaults(project, t, undefined, d)
        yield* deleteTenantDefaults(project, t, undefined, by())
        const b = by()
        yield* updateTenantDefaults(project, t, { channel_types: { sms: false } }, undefined, b)
        yield* settle
        const { events, stored } = yield* drain(project, 100)
        assert.deepStrictEqual(events.map((e) => e["type"]), ["tenant_defaults.updated", "tenant_defaults.updated", "tenant_defaults.updated"])
        const empty = { channel_types: {}, categories: {}, notiflows: {} }
        assert.deepStrictEqual(dataOf(events[0]!), {
          tenant_id: t,
          defaults: { channel_types: { email: false, chat: false }, categories: {}, notiflows: {}, locks: { ...empty, channel_types: { email: true } } },
          changes: [
            { path: "channel_types.chat", from: null, to: false },
            { path: "channel_types.email", from: null, to: false },
            { path: "locks.channel_types.email", from: null, to: true }
          ],
          revision: 1,
          ...attribution(a)
        })
        assert.deepStrictEqual(dataOf(events[1]!), {
          tenant_id: t,
          defaults: { ...empty, locks: empty },
          changes: [
            { path: "channel_types.chat", from: false, to: null },
            { path: "channel_types.email", from: false, to: null },
            { path: "locks.channel_types.email", from: true, to: null }
          ],
          revision: 2,
          ...attribution(d)
        })
        assert.strictEqual(dataOf(events[2]!)["revision"], 3)
        assert.deepStrictEqual(stored.map((e) => e.orderingKey), [`tenant:${t}`, `tenant:${t}`, `tenant:${t}`])
        // The deleted defaults are gone from reads and the tenants list until written again.
        yield* deleteTenantDefaults(project, t, undefined, by())
        assert.deepStrictEqual(yield* getTenantDefaults(project, t), { ...empty, locks: empty })
        const listed = yield* listTenants(project, { limit: 100 })
        assert.ok(!listed.items.some((x) => x.id === t))
      }))
  })
}
