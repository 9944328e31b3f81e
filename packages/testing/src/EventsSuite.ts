/**
 * Conformance of the outbox and the feed (EVENTS.md §1, §2, §3): every set write writes its
 * `preferences.updated` in the commit (none for a no-op or a refused write), with the ledger
 * fields; the feed pages every event once, in order, filters by type, answers `now`, and after
 * retention answers `CursorExpired` to a cursor behind removed events.
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Vitest } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { IdempotencyRepository } from "@notiflows/domain"
import {
  feedTextOf,
  EventRepository,
  FEED_START,
  getScopedHistory,
  globalScope,
  readFeed,
  resetScopedPreferences,
  scopeOf,
  updateScopedPreferences,
  upsertUserV2
} from "@notiflows/domain"
import type { ExternalUserId, FeedPosition, FeedSlice, ProjectId, Scope, WriteContext } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "./InMemory.js"
import { admin, createUser, flipFailure, freshProject, UUID_V7 } from "./internal/fixtures.js"
import { ext, pid, tenant } from "./internal/modelHarness.js"
import { dataOf, drain, put, settle } from "./internal/feed.js"
import { catalogEventsCases } from "./CatalogEventsSuite.js"
import { erasureCases } from "./ErasureSuite.js"
import { exportCases } from "./ExportSuite.js"

export type EventsLayer = Layer.Layer<AdapterServices | ModelServices | EventRepository | IdempotencyRepository, unknown>
type It = Vitest.MethodsNonLive<AdapterServices | ModelServices | EventRepository | IdempotencyRepository, true>

export const eventsCases = (it: It): void => {
  describe("outbox", () => {
    it.effect("a patch writes one preferences.updated with the set after it and the ledger fields", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project)
        const u = ext(user.external_id)
        yield* put(project, u, globalScope, { channel_types: { sms: false } }, admin("req_one"))
        yield* settle
        const { events } = yield* drain(project, 10)
        assert.strictEqual(events.length, 1)
        const e = events[0]!
        assert.match(String(e["id"]), UUID_V7)
        assert.strictEqual(e["type"], "preferences.updated")
        assert.strictEqual(e["project_id"], project)
        assert.ok(!Number.isNaN(Date.parse(String(e["occurred_at"]))))
        assert.deepStrictEqual(dataOf(e), {
          user_id: u,
          id: user.id,
          tenant_id: null,
          version: 1,
          operation: "patch",
          changes: [{ path: "channel_types.sms", from: null, to: false }],
          preferences: { channel_types: { sms: false }, categories: {}, notiflows: {} },
          actor: { type: "secret_key", id: "key_suite" },
          source: "admin_api",
          request_id: "req_one"
        })
        // The ledger entry says the same, with no context for an admin write.
        const history = yield* getScopedHistory(project, u, globalScope, "admin", { limit: 10 })
        const entry = history.items[0]!
        assert.strictEqual(entry.operation, "patch")
        assert.strictEqual(entry.source, "admin_api")
        assert.strictEqual(entry.context, null)
      }))

    it.effect("no-op and refused writes write no event; a reset writes operation reset", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        yield* put(project, u, globalScope, { channel_types: { email: false } })
        yield* put(project, u, globalScope, { channel_types: { email: false } })
        yield* flipFailure(put(project, u, globalScope, { channel_types: { fax: false } }))
        yield* resetScopedPreferences({ projectId: project, externalId: u, scope: globalScope, context: admin() })
        yield* resetScopedPreferences({ projectId: project, externalId: u, scope: globalScope, context: admin() })
        yield* settle
        const { events } = yield* drain(project, 10)
        assert.deepStrictEqual(
          events.map((e) => [dataOf(e)["version"], dataOf(e)["operation"]]),
          [[1, "patch"], [2, "reset"]]
        )
        assert.deepStrictEqual(dataOf(events[1]!)["changes"], [{ path: "channel_types.email", from: false, to: null }])
        assert.deepStrictEqual(dataOf(events[1]!)["preferences"], { channel_types: {}, categories: {}, notiflows: {} })
      }))

    it.effect("tenant sets carry tenant_id and their own versions; end-user writes record context in the ledger only", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        const t = tenant()
        const endUser: WriteContext = {
          actor: { type: "user_key", id: u },
          requestId: "req_user",
          source: "user_api",
          consent: { ip: "203.0.113.9", user_agent: "Mozilla/5.0" }
        }
        yield* put(project, u, scopeOf(t), { channel_types: { chat: false } }, endUser)
        yield* put(project, u, globalScope, { channel_types: { chat: true } })
        yield* settle
        const { events } = yield* drain(project, 1)
        assert.deepStrictEqual(
          events.map((e) => [dataOf(e)["tenant_id"], dataOf(e)["version"], dataOf(e)["source"]]),
          [[t, 1, "user_api"], [null, 1, "admin_api"]]
        )
        assert.ok(!JSON.stringify(events).includes("203.0.113.9"), "events never carry context")
        const history = yield* getScopedHistory(project, u, scopeOf(t), "admin", { limit: 10 })
        assert.deepStrictEqual(history.items[0]!.context, { ip: "203.0.113.9", user_agent: "Mozilla/5.0" })
        assert.strictEqual(history.items[0]!.tenant_id, t)
      }))

    it.effect("a user upsert writes user.created, user.updated (profile changes only) and preferences.updated, in that order", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext(`u_${crypto.randomUUID()}`)
        const upsert = (body: unknown) => upsertUserV2({ projectId: project, externalId: u, body, context: admin("req_u") })
        const created = yield* upsert({ email: "ada@example.com", preferences: { channel_types: { sms: false } } })
        yield* upsert({ first_name: "Ada", preferences: { channel_types: { email: false } } })
        yield* upsert({ preferences: { channel_types: { chat: false } } })
        yield* upsert({ first_name: "Ada" })
        yield* settle
        const { events } = yield* drain(project, 10)
        assert.deepStrictEqual(
          events.map((e) => e["type"]),
          ["user.created", "preferences.updated", "user.updated", "preferences.updated", "preferences.updated"]
        )
        const [c, p1, upd, p2] = events.map(dataOf)
        const user = c!["user"] as Record<string, unknown>
        assert.strictEqual(user["id"], created.user.id)
        assert.strictEqual(user["external_id"], u)
        assert.strictEqual(user["email"], "ada@example.com")
        assert.strictEqual(user["created_at"], created.user.created_at.toISOString())
        assert.notProperty(user, "revision")
        assert.deepStrictEqual([c!["actor"], c!["source"], c!["request_id"]], [{ type: "secret_key", id: "key_suite" }, "admin_api", "req_u"])
        assert.deepStrictEqual([p1!["id"], p1!["version"], p1!["preferences"]], [created.user.id, 1, { channel_types: { sms: false }, categories: {}, notiflows: {} }])
        assert.deepStrictEqual(upd!["changed_fields"], ["first_name"])
        assert.strictEqual((upd!["user"] as Record<string, unknown>)["first_name"], "Ada")
        assert.deepStrictEqual([p2!["version"], p2!["preferences"]], [2, { channel_types: { sms: false, email: false }, categories: {}, notiflows: {} }])
      }))
  })

  describe("feed", () => {
    it.effect("pages every event once in version order, whatever the limit; the cursor stays at the end", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        for (let i = 0; i < 12; i++) yield* put(project, u, globalScope, { channel_types: { sms: i % 2 === 0 } })
        let end: FeedPosition | null = null
        yield* settle
        for (const limit of [1, 5, 12, 100]) {
          const { events, cursor } = yield* drain(project, limit)
          assert.deepStrictEqual(events.map((e) => dataOf(e)["version"]), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
          assert.strictEqual(new Set(events.map((e) => e["id"])).size, 12)
          assert.deepStrictEqual((yield* drain(project, limit, cursor)).events, [])
          end = cursor
        }
        yield* put(project, u, globalScope, { channel_types: { chat: false } })
        yield* settle
        const next = yield* drain(project, 3, end)
        assert.deepStrictEqual(next.events.map((e) => dataOf(e)["version"]), [13])
      }))

    it.effect("types keep exact types and prefixes; a page scans past what it skips", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        yield* put(project, u, globalScope, { channel_types: { sms: false } })
        const repo = yield* EventRepository
        yield* settle
        const kept = yield* repo.read(project, { after: null, limit: 10, types: ["preferences.updated"] })
        assert.strictEqual(kept.items.length, 1)
        const none = yield* repo.read(project, { after: null, limit: 10, types: ["user.created", "user.deleted"] })
        assert.deepStrictEqual(none.items, [])
        assert.strictEqual(none.hasMore, false)
        // It moved past the event it skipped: a new event comes next, the skipped one never.
        yield* put(project, u, globalScope, { channel_types: { sms: true } })
        yield* settle
        const after = yield* repo.read(project, { after: none.after, limit: 10, types: null })
        assert.deepStrictEqual(after.items.map((e) => (JSON.parse(e.payload) as { data: { version: number } }).data.version), [2])
      }))

    it.effect("now: an empty page whose cursor is the end; later events come after it, earlier ones never", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        yield* put(project, u, globalScope, { channel_types: { sms: false } })
        yield* settle
        const now = yield* readFeed(project, { after: "now", limit: 10, types: null })
        assert.strictEqual(now.json, "")
        assert.strictEqual(now.hasMore, false)
        yield* put(project, u, globalScope, { channel_types: { sms: true } })
        const repo = yield* EventRepository
        yield* settle
        const end = yield* repo.end(project)
        const { events } = yield* drain(project, 10, { major: end.major, minor: end.minor })
        assert.deepStrictEqual(events, [])
        yield* settle
        const page = yield* readFeed(project, { after: null, limit: 10, types: null })
        assert.strictEqual((JSON.parse(`[${page.json}]`) as Array<unknown>).length, 2)
      }))

    it.effect("projects never see each other's events", () =>
      Effect.gen(function* () {
        const a = pid((yield* freshProject).id)
        const b = pid((yield* freshProject).id)
        const u = ext((yield* createUser(a)).external_id)
        yield* put(a, u, globalScope, { channel_types: { sms: false } })
        yield* settle
        const { events } = yield* drain(b, 10)
        assert.deepStrictEqual(events, [])
      }))

    it.effect("retention removes a prefix; a cursor behind removed events is expired, a fresh read is not", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        yield* put(project, u, globalScope, { channel_types: { sms: false } })
        yield* put(project, u, globalScope, { channel_types: { sms: true } })
        const repo = yield* EventRepository
        yield* settle
        const first = yield* repo.read(project, { after: null, limit: 1, types: null })
        const removed = yield* repo.purge(new Date(Date.now() + 60_000))
        assert.ok(removed >= 2)
        const expired = yield* flipFailure(repo.read(project, { after: FEED_START, limit: 10, types: null }))
        assert.strictEqual(expired._tag, "CursorExpired")
        const behind = yield* flipFailure(repo.read(project, { after: first.after, limit: 10, types: null }))
        assert.strictEqual(behind._tag, "CursorExpired")
        const fresh = yield* repo.read(project, { after: null, limit: 10, types: null })
        assert.deepStrictEqual(fresh.items, [])
        yield* put(project, u, globalScope, { channel_types: { sms: false } })
        yield* settle
        const next = yield* repo.read(project, { after: fresh.after, limit: 10, types: null })
        assert.strictEqual(next.items.length, 1)
      }))

    it.effect("readText answers read's page as one text: the same events, cursor and has-more, expiry included", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const u = ext((yield* createUser(project)).external_id)
        for (const sms of [false, true, false, true]) yield* put(project, u, globalScope, { channel_types: { sms } })
        const repo = yield* EventRepository
        yield* settle
        const same = (after: FeedPosition | null, limit: number) =>
          Effect.gen(function* () {
            const slice = yield* repo.read(project, { after, limit, types: null })
            const text = yield* repo.readText(project, { after, limit })
            assert.deepStrictEqual(text, feedTextOf(slice))
            return slice
          })
        // user.created and four preferences.updated: pages of 1, 2 and 1,000 from every position.
        for (const limit of [1, 2, 1000]) {
          let after: FeedPosition | null = null
          for (let i = 0; i < 6; i++) {
            const slice: FeedSlice = yield* same(after, limit)
            after = slice.after
          }
        }
        const first = yield* repo.read(project, { after: null, limit: 1, types: null })
        yield* repo.purge(new Date(Date.now() + 60_000))
        assert.strictEqual((yield* flipFailure(repo.readText(project, { after: first.after, limit: 10 })))._tag, "CursorExpired")
        yield* same(null, 10)
        yield* put(project, u, globalScope, { channel_types: { sms: false } })
        yield* settle
        yield* same(null, 10)
      }))
  })
}

/** The suite on an adapter layer (built once; cases isolated by fresh projects; retention runs last). */
export const eventsSuite = (name: string, layer_: EventsLayer): void =>
  layer(layer_, { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => {
    eventsCases(it)
    catalogEventsCases(it)
    erasureCases(it)
    exportCases(it)
  })
