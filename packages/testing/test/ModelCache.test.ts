import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ProjectId, TenantId } from "@notiflows/domain"
import { ProjectRepository, TenantRepository, emptyTenantDefaults, getTenantDefaults, layerModelCache, updateTenantDefaults } from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"

describe("layerModelCache", () => {
  it.effect("a write racing another instance's invalidates the stale entry, so its retry succeeds", () =>
    Effect.gen(function* () {
      const context = yield* InMemory.make
      const raw = Layer.succeedContext(context)
      const cached = Layer.provideMerge(layerModelCache(), raw)
      const project = (yield* Effect.provide(Effect.flatMap(ProjectRepository, (p) => p.create({ name: "p", securityMode: "on" })), raw)).id as ProjectId
      const t = "acme" as TenantId
      yield* Effect.gen(function* () {
        // Cached read: empty at revision 0.
        assert.deepStrictEqual(yield* getTenantDefaults(project, t), emptyTenantDefaults)
        // "Another instance" writes behind the cache.
        yield* Effect.provide(Effect.flatMap(TenantRepository, (r) => r.saveDefaults(project, t, { ...emptyTenantDefaults, channel_types: { sms: false } }, 0)), raw)
        // Still the cached (stale, allowed for 5 s) body...
        assert.deepStrictEqual(yield* getTenantDefaults(project, t), emptyTenantDefaults)
        // ...but a write conflicts once, drops the entry, and retries on fresh data.
        const body = yield* updateTenantDefaults(project, t, { channel_types: { chat: false } })
        assert.deepStrictEqual(body.channel_types, { sms: false, chat: false })
        assert.deepStrictEqual((yield* getTenantDefaults(project, t)).channel_types, { sms: false, chat: false })
      }).pipe(Effect.provide(cached))
    }))
})
