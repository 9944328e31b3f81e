import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import type { StoredNotiflow } from "../src/Catalog.js"
import { newNotiflow } from "../src/Catalog.js"
import { NotiflowId, ProjectId } from "../src/Preferences.js"
import { NotiflowCatalogRepository } from "../src/NotiflowCatalogRepository.js"
import type { Project } from "../src/ProjectRepository.js"
import { ProjectRepository } from "../src/ProjectRepository.js"
import { layerProjectViewCache, makeCache } from "../src/ProjectViewCache.js"
import { RepositoryError } from "../src/Errors.js"

const P = ProjectId.make("00000000-0000-4000-8000-00000000000a")
const A = ProjectId.make("00000000-0000-4000-8000-00000000000b")
const B = ProjectId.make("00000000-0000-4000-8000-00000000000c")
const N1 = NotiflowId.make("n1")

// A counting store standing in for an adapter: the cache's behaviour is what is under test.
const counting = () => {
  const calls = { list: 0, get: 0 }
  let entries: ReadonlyArray<StoredNotiflow> = []
  const project: Project = {
    id: P,
    name: "P",
    securityMode: "on",
    allowedOrigins: [],
    signingKeys: [],
    defaults: { channel_types: {} },
    defaultsRevision: 0,
    createdAt: new Date(0)
  }
  const notImplemented = () => Effect.die("not used by this test")
  const layer = Layer.merge(
    Layer.succeed(NotiflowCatalogRepository, {
      list: () => Effect.sync(() => (calls.list++, entries)),
      get: () => Effect.die("the cache answers get from list"),
      save: (_p, entry, _r, at) =>
        Effect.sync(() => {
          const stored = { ...entry, revision: 1, created_at: at, updated_at: at }
          entries = [...entries.filter((e) => e.id !== entry.id), stored]
          return stored
        })
    }),
    Layer.succeed(ProjectRepository, {
      create: notImplemented,
      get: () => Effect.sync(() => (calls.get++, Option.some(project))),
      list: notImplemented,
      update: () => Effect.succeed(project),
      saveDefaults: () => Effect.succeed(project),
      createApiKey: notImplemented,
      findApiKeyByHash: notImplemented,
      listApiKeys: notImplemented,
      revokeApiKey: notImplemented,
      ensureProjectWithKeys: notImplemented,
      ensureFirstProject: notImplemented
    })
  )
  return { calls, layer: Layer.provideMerge(layerProjectViewCache({ ttlMillis: 5_000 }), layer) }
}

describe("layerProjectViewCache", () => {
  it.effect("serves repeated reads from the cache until the TTL passes", () => {
    const { calls, layer } = counting()
    return Effect.gen(function* () {
      const catalog = yield* NotiflowCatalogRepository
      const projects = yield* ProjectRepository
      yield* catalog.list(P)
      yield* catalog.list(P)
      yield* projects.get(P)
      yield* projects.get(P)
      assert.deepStrictEqual(calls, { list: 1, get: 1 })
      yield* TestClock.adjust("4999 millis")
      yield* catalog.list(P)
      assert.strictEqual(calls.list, 1)
      yield* TestClock.adjust("1 millis")
      yield* catalog.list(P)
      yield* projects.get(P)
      assert.deepStrictEqual(calls, { list: 2, get: 2 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("sees this instance's own writes at once", () => {
    const { calls, layer } = counting()
    return Effect.gen(function* () {
      const catalog = yield* NotiflowCatalogRepository
      assert.deepStrictEqual(yield* catalog.list(P), [])
      yield* catalog.save(P, newNotiflow(N1, "One"), null, new Date(0))
      const after = yield* catalog.get(P, N1)
      assert.isTrue(Option.isSome(after))
      assert.strictEqual(calls.list, 2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("keys the cache by project", () => {
    const { calls, layer } = counting()
    return Effect.gen(function* () {
      const catalog = yield* NotiflowCatalogRepository
      yield* catalog.list(A)
      yield* catalog.list(B)
      yield* catalog.list(A)
      assert.strictEqual(calls.list, 2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("makeCache: concurrent misses share one load, hits answer the same value, a failed load is not kept", () =>
    Effect.gen(function* () {
      const cache = makeCache<ReadonlyArray<number>>(5_000, 10)
      let loads = 0
      const value = [1, 2, 3]
      const slow = Effect.zipRight(Effect.sleep("10 millis"), Effect.sync(() => (loads++, value)))
      const fiber = yield* Effect.fork(Effect.all([cache.get("k", slow), cache.get("k", slow)], { concurrency: 2 }))
      yield* TestClock.adjust("10 millis")
      const [a, b] = yield* Fiber.join(fiber)
      assert.strictEqual(loads, 1)
      assert.strictEqual(a, value)
      assert.strictEqual(b, value)
      assert.strictEqual(yield* cache.get("k", slow), value)
      assert.strictEqual(loads, 1)
      let failures = 0
      const failing = Effect.suspend(() => (failures++, Effect.fail(new RepositoryError({ operation: "x", unavailable: true, cause: null }))))
      assert.isTrue(Either.isLeft(yield* Effect.either(cache.get("f", failing))))
      assert.isTrue(Either.isLeft(yield* Effect.either(cache.get("f", failing))))
      assert.strictEqual(failures, 2)
      const ok = yield* cache.get("f", Effect.succeed([4]))
      assert.deepStrictEqual(ok, [4])
    })
  )

  it.effect("makeCache: values `keep` refuses are not kept and never evict kept ones; kept ones evict the oldest past the bound", () =>
    Effect.gen(function* () {
      const cache = makeCache<number>(5_000, 2, (n) => n >= 0)
      let loads = 0
      const load = (n: number) => Effect.sync(() => (loads++, n))
      yield* cache.get("a", load(1))
      yield* cache.get("b", load(2))
      // A burst of refused values (a forged id each): loaded every time, kept never.
      for (let i = 0; i < 5; i++) assert.strictEqual(yield* cache.get(`x${i}`, load(-1)), -1)
      assert.strictEqual(yield* cache.get("x0", load(-1)), -1)
      assert.strictEqual(loads, 8)
      // "a" and "b" are still hits.
      assert.strictEqual(yield* cache.get("a", load(99)), 1)
      assert.strictEqual(yield* cache.get("b", load(99)), 2)
      assert.strictEqual(loads, 8)
      // A third kept value evicts the oldest ("a").
      yield* cache.get("c", load(3))
      assert.strictEqual(yield* cache.get("a", load(10)), 10)
      assert.strictEqual(loads, 10)
    })
  )
})
