import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { IdempotencyRepository, NotiflowCatalogRepository, PreferenceRepository, ProjectRepository, RepositoryError, UserRepository, emptyProfile, newNotiflow } from "@notiflows/domain"
import type { JsonValue } from "@notiflows/domain"
import { concurrencySuite, conformanceSuite, Ids, InMemory, StorageInspector } from "@notiflows/testing"

// Every capability, idempotency included.
conformanceSuite("in-memory", InMemory.layer)

// `disable` leaves capabilities' cases unregistered: here the idempotency port
// dies on any use and every capability but `projects` is disabled, so this run passes only if
// disabled cases never run.
const U = Ids.externalUserId("u")

const dyingIdempotency = Layer.succeed(IdempotencyRepository, {
  claim: () => Effect.dieMessage("disabled capability ran"),
  complete: () => Effect.dieMessage("disabled capability ran"),
  release: () => Effect.dieMessage("disabled capability ran"),
  purgeExpired: () => Effect.dieMessage("disabled capability ran")
})
conformanceSuite("in-memory, only projects", Layer.merge(Layer.effectContext(InMemory.make), dyingIdempotency), {
  disable: { users: true, catalog: true, preferences: true, history: true, concurrency: true, idempotency: true }
})

// The capability suites also run on their own, here with a smaller fiber pool.
concurrencySuite("in-memory, 8 fibers at a time", InMemory.layer, { concurrency: 8 })

describe("in-memory specifics", () => {
  it.effect("every build of the layer starts from an empty store", () =>
    Effect.gen(function* () {
      const first = yield* Effect.provide(
        Effect.flatMap(ProjectRepository, (p) => Effect.zipRight(p.create({ name: "a", securityMode: "on" }), p.list())),
        InMemory.layer
      )
      const second = yield* Effect.provide(Effect.flatMap(ProjectRepository, (p) => p.list()), InMemory.layer)
      assert.lengthOf(first, 1)
      assert.lengthOf(second, 0)
    }))

  it.effect("concurrent ensureFirstProject on an empty store creates one project with the first caller's keys", () =>
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const db = yield* StorageInspector
      const inputs = Array.from({ length: 5 }, (_, i) => ({
        name: "Default project",
        securityMode: "on" as const,
        secretKey: { prefix: "sk", hash: `s${i}`.padEnd(64, "0") },
        publicKey: { prefix: "pk", hash: `p${i}`.padEnd(64, "0") }
      }))
      const results = yield* Effect.all(inputs.map((input) => projects.ensureFirstProject(input)), { concurrency: "unbounded" })
      assert.lengthOf(yield* projects.list(), 1)
      const creator = results.findIndex((r) => r.created)
      assert.deepStrictEqual(results.filter((r) => r.created).length, 1)
      assert.deepStrictEqual(new Set(results.map((r) => r.project.id)).size, 1)
      const rows = yield* db.apiKeyRows(results[0]!.project.id)
      assert.deepStrictEqual(rows.map((r) => r.hash).sort(), [inputs[creator]!.publicKey.hash, inputs[creator]!.secretKey.hash])
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("all services of one build share one store", () =>
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const users = yield* UserRepository
      const prefs = yield* PreferenceRepository
      const db = yield* StorageInspector
      const project = yield* projects.create({ name: "p", securityMode: "on" })
      const user = yield* users.save({ projectId: project.id, externalId: U, expectedRevision: null, profile: emptyProfile, at: new Date() })
      assert.isTrue(Option.isSome(yield* prefs.load(project.id, U)))
      assert.strictEqual(Option.getOrThrow(yield* db.userRow(project.id, "u")).id, user.id)
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("stored values are copies: mutating what a caller passed or got changes nothing", () =>
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const users = yield* UserRepository
      const project = yield* projects.create({ name: "p", securityMode: "on" })
      const custom: Record<string, JsonValue> = { a: { b: 1 } }
      const saved = yield* users.save({ projectId: project.id, externalId: U, expectedRevision: null, profile: { ...emptyProfile, custom_fields: custom }, at: new Date() })
      custom["a"] = "changed"
      assert.throws(() => {
        ;(saved.custom_fields as Record<string, unknown>)["a"] = "changed too"
      })
      const found = Option.getOrThrow(yield* users.find(project.id, U))
      assert.deepStrictEqual(found.custom_fields, { a: { b: 1 } })
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("writing users or notiflows into an unknown project is a RepositoryError, like a foreign key", () =>
    Effect.gen(function* () {
      const users = yield* UserRepository
      const catalog = yield* NotiflowCatalogRepository
      const missing = Ids.randomProjectId()
      const userError = yield* Effect.flip(users.save({ projectId: missing, externalId: U, expectedRevision: null, profile: emptyProfile, at: new Date() }))
      assert.instanceOf(userError, RepositoryError)
      const catalogError = yield* Effect.flip(catalog.save(missing, newNotiflow(Ids.notiflowId("n"), "N"), null, new Date()))
      assert.instanceOf(catalogError, RepositoryError)
      assert.deepStrictEqual(yield* catalog.list(missing), [])
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("user ids made within one millisecond still sort by creation", () =>
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const users = yield* UserRepository
      const project = yield* projects.create({ name: "p", securityMode: "on" })
      const ids: Array<string> = []
      for (let i = 0; i < 200; i++) {
        ids.push((yield* users.save({ projectId: project.id, externalId: Ids.externalUserId(`u${i}`), expectedRevision: null, profile: emptyProfile, at: new Date(0) })).id)
      }
      assert.deepStrictEqual([...ids].sort(), ids)
      const listed = yield* users.list(project.id, { limit: 1000 })
      assert.deepStrictEqual(listed.items.map((u) => u.external_id), ids.map((_, i) => `u${199 - i}`))
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("a layer built into a scope can be reused by many programs", () =>
    Effect.gen(function* () {
      const context = yield* Layer.build(InMemory.layer)
      const create = Effect.flatMap(ProjectRepository, (p) => p.create({ name: "x", securityMode: "off" }))
      yield* Effect.provide(create, context)
      yield* Effect.provide(create, context)
      const all = yield* Effect.provide(Effect.flatMap(ProjectRepository, (p) => p.list()), context)
      assert.deepStrictEqual(all.map((p) => p.securityMode), ["off", "off"])
    }).pipe(Effect.scoped))
})
