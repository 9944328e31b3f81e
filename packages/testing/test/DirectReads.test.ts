/**
 * The fiberless snapshot read (domain DirectReads.ts) over the in-memory adapter and the real
 * cache layers: it answers what `getScopedPreferences` answers, declines (`undefined`) whenever a
 * cached part is missing, and never serves a part this instance just changed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { DirectSnapshot, ExternalUserId, NotiflowId, ProjectId, TenantId, UserId } from "@notiflows/domain"
import {
  directLinkedSnapshots,
  directSnapshots,
  LinkRepository,
  directUpdates,
  PreconditionFailed,
  retryScopedUpdate,
  ValidationFailed,
  getScopedPreferences,
  globalScope,
  layerModelCache,
  layerProjectViewCache,
  ProjectRepository,
  scopeOf,
  updateScopedPreferences,
  updateTenantDefaults,
  upsertCategory,
  upsertNotiflowV2,
  upsertUserV2,
  UserNotFound
} from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"

const admin = { actor: { type: "system" as const, id: "test" }, requestId: "req", source: "admin_api" as const }

const setup = Effect.gen(function* () {
  const context = yield* InMemory.make
  const raw = Layer.succeedContext(context)
  const cached = Layer.provideMerge(layerModelCache(), Layer.provideMerge(layerProjectViewCache(), raw))
  const project = (yield* Effect.provide(Effect.flatMap(ProjectRepository, (p) => p.create({ name: "p", securityMode: "on" })), raw)).id as ProjectId
  return { cached, raw, project }
})

/** Notiflow `n1` and user `ada` in the project (through the caches, like a request would). */
const seedAda = (project: ProjectId) =>
  Effect.gen(function* () {
    yield* upsertNotiflowV2(project, "n1" as NotiflowId, { name: "n1" } as never)
    yield* upsertUserV2({ projectId: project, externalId: "ada" as ExternalUserId, body: {}, context: admin })
  })

/** The read's promise as an effect; `undefined` when it declines. */
const direct = (read: DirectSnapshot, project: ProjectId, user: string, scope = globalScope) => {
  const p = read(project, user as ExternalUserId, scope)
  return p === undefined ? Effect.succeed(undefined) : Effect.promise(() => p.then((s) => s, (e: unknown) => e))
}

describe("directSnapshots", () => {
  it.live("declines while the caches are cold, then answers what getScopedPreferences answers", () =>
    Effect.gen(function* () {
      const { cached, raw, project } = yield* setup
      // Written behind the caches: they hold nothing yet.
      yield* Effect.gen(function* () {
        yield* upsertCategory(project, "k" as never, { name: "k" })
        yield* upsertNotiflowV2(project, "n1" as NotiflowId, { name: "n1", categories: ["k"] } as never)
        yield* upsertUserV2({ projectId: project, externalId: "ada" as ExternalUserId, body: {}, context: admin })
      }).pipe(Effect.provide(raw))
      yield* Effect.gen(function* () {
        const read = Option.getOrThrow(yield* directSnapshots)
        const t = "acme" as TenantId
        assert.isUndefined(yield* direct(read, project, "ada"))
        const viaUseCase = yield* getScopedPreferences(project, "ada" as ExternalUserId, globalScope)
        assert.deepStrictEqual(yield* direct(read, project, "ada"), viaUseCase)
        // A tenant: its defaults are not cached yet.
        yield* updateTenantDefaults(project, t, { channel_types: { sms: false } })
        assert.isUndefined(yield* direct(read, project, "ada", scopeOf(t)))
        yield* updateScopedPreferences({ projectId: project, externalId: "ada" as ExternalUserId, scope: scopeOf(t), audience: "admin", body: { channel_types: { chat: false } }, context: admin })
        const inTenant = yield* getScopedPreferences(project, "ada" as ExternalUserId, scopeOf(t))
        assert.deepStrictEqual(yield* direct(read, project, "ada", scopeOf(t)), inTenant)
        // An unknown user: UserNotFound, like the use case.
        const missing = yield* direct(read, project, "nobody")
        assert.instanceOf(missing, UserNotFound)
        // An unknown project: declined (the use case answers ProjectNotFound).
        assert.isUndefined(yield* direct(read, "00000000-0000-7000-8000-000000000000" as ProjectId, "ada"))
      }).pipe(Effect.provide(cached))
    }))

  it.live("never serves a catalog this instance just changed", () =>
    Effect.gen(function* () {
      const { cached, project } = yield* setup
      yield* Effect.gen(function* () {
        const read = Option.getOrThrow(yield* directSnapshots)
        yield* seedAda(project)
        yield* getScopedPreferences(project, "ada" as ExternalUserId, globalScope)
        assert.isDefined(yield* direct(read, project, "ada"))
        yield* upsertNotiflowV2(project, "n2" as NotiflowId, { name: "n2" } as never)
        assert.isUndefined(yield* direct(read, project, "ada"))
        yield* getScopedPreferences(project, "ada" as ExternalUserId, globalScope)
        const again = yield* direct(read, project, "ada")
        assert.deepStrictEqual(
          (again as { catalog: { notiflows: ReadonlyArray<{ id: string }> } }).catalog.notiflows.map((n) => n.id),
          ["n1", "n2"]
        )
      }).pipe(Effect.provide(cached))
    }))

  it.live("offers nothing without the caches", () =>
    Effect.gen(function* () {
      const { raw } = yield* setup
      assert.isTrue(Option.isNone(yield* Effect.provide(directSnapshots, raw)))
      assert.isTrue(Option.isNone(yield* Effect.provide(directLinkedSnapshots, raw)))
    }))

  it.live("directLinkedSnapshots: a link's user and snapshot by internal id, what findUser and the use case answer; declines cold", () =>
    Effect.gen(function* () {
      const { cached, project } = yield* setup
      yield* Effect.gen(function* () {
        const linked = Option.getOrThrow(yield* directLinkedSnapshots)
        yield* seedAda(project)
        const u = "ada" as ExternalUserId
        const t = "acme" as TenantId
        const user = Option.getOrThrow(yield* Effect.flatMap(LinkRepository, (r) => r.findUsers(project, [u]).pipe(Effect.map((m) => Option.fromNullable(m.get(u))))))
        yield* updateTenantDefaults(project, t, { channel_types: { sms: false } })
        assert.isUndefined(linked(project, user.userId, scopeOf(t)), "declines until the caches hold the tenant's defaults")
        yield* updateScopedPreferences({ projectId: project, externalId: u, scope: scopeOf(t), audience: "admin", body: { channel_types: { chat: false } }, context: admin })
        for (const scope of [globalScope, scopeOf(t)]) {
          const snapshot = yield* getScopedPreferences(project, u, scope)
          assert.deepStrictEqual(yield* Effect.promise(() => linked(project, user.userId, scope)!), { user, snapshot })
        }
        assert.isUndefined(yield* Effect.promise(() => linked(project, "00000000-0000-7000-8000-000000000000" as UserId, globalScope)!))
      }).pipe(Effect.provide(cached))
    }))

  it.live("directUpdates: the use case's first attempt; a lost compare-and-set gives undefined and writes nothing", () =>
    Effect.gen(function* () {
      const { cached, project } = yield* setup
      yield* Effect.gen(function* () {
        const update = Option.getOrThrow(yield* directUpdates)
        yield* seedAda(project)
        const u = "ada" as ExternalUserId
        const target = { projectId: project, externalId: u, scope: globalScope, audience: "admin" as const, context: admin }
        const before = yield* getScopedPreferences(project, u, globalScope)
        const run = (body: unknown, current = before, precondition?: () => string | undefined) =>
          Effect.promise(() => update({ ...target, body, current, ...(precondition ? { precondition } : {}) }).then((s) => s, (e: unknown) => e))
        const written = yield* run({ channel_types: { sms: false }, notiflows: { n1: { enabled: false } } })
        const after = yield* getScopedPreferences(project, u, globalScope)
        assert.deepStrictEqual(written, after)
        assert.strictEqual(after.scoped.version, 1)
        // The same write again on the stale snapshot: the compare-and-set loses, nothing is written.
        assert.isUndefined(yield* run({ channel_types: { chat: false } }))
        assert.strictEqual((yield* getScopedPreferences(project, u, globalScope)).scoped.version, 1)
        // The retry the router runs then: counted, on a fresh read.
        const retried = yield* retryScopedUpdate({ ...target, body: { channel_types: { chat: false } } })
        assert.strictEqual(retried.scoped.version, 2)
        // No change: the snapshot as it is, no version.
        const same = yield* run({ channel_types: { chat: false } }, retried)
        assert.deepStrictEqual(same, retried)
        // Refusals as the use case's errors.
        const invalid = yield* run({ notiflows: { nope: { enabled: false } } }, retried)
        assert.instanceOf(invalid, ValidationFailed)
        const viaUseCase = yield* Effect.flip(updateScopedPreferences({ ...target, body: { notiflows: { nope: { enabled: false } } } }))
        assert.deepStrictEqual((invalid as ValidationFailed).issues, (viaUseCase as ValidationFailed).issues)
        assert.instanceOf(yield* run({ channel_types: { sms: true } }, retried, () => "\"tag\""), PreconditionFailed)
        assert.strictEqual((yield* getScopedPreferences(project, u, globalScope)).scoped.version, 2)
      }).pipe(Effect.provide(cached))
    }))
})
