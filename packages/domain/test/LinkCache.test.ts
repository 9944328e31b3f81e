import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { layerLinkCache } from "../src/LinkCache.js"
import type { LinkKey, LinkScopeRecord } from "../src/LinkRepository.js"
import { LinkRepository } from "../src/LinkRepository.js"
import { ExternalUserId, ProjectId, UserId } from "../src/Preferences.js"

const P = ProjectId.make("00000000-0000-4000-8000-00000000000a")
const Q = ProjectId.make("00000000-0000-4000-8000-00000000000b")
const KID = "0a0b0c0d"
const SCOPE = "00000000000000a1"

// A counting store standing in for an adapter: the cache's behaviour is what is under test.
const counting = (ttlMillis = 5_000) => {
  const calls = { findKey: 0, findScope: 0, findUser: 0 }
  let revokedAt: Date | null = null
  const key = (): LinkKey => ({ projectId: P, kid: KID, secret: new Uint8Array(32), active: false, createdAt: new Date(0), revokedAt })
  const record: LinkScopeRecord = { id: SCOPE, scope: { channel_type: "email" }, tenantId: null }
  const notImplemented = () => Effect.die("not used by this test")
  const store = Layer.succeed(LinkRepository, {
    activeKey: notImplemented,
    findKey: (projectId, kid) => Effect.sync(() => (calls.findKey++, projectId === P && kid === KID ? Option.some(key()) : Option.none())),
    listKeys: notImplemented,
    rotate: notImplemented,
    revoke: (_projectId, _kid, at) => Effect.sync(() => ((revokedAt = at), key())),
    revokeAll: notImplemented,
    ensureScope: notImplemented,
    findScope: (projectId, id) => Effect.sync(() => (calls.findScope++, projectId === P && id === SCOPE ? Option.some(record) : Option.none())),
    findUser: (_projectId, userId) =>
      Effect.sync(() => (calls.findUser++, Option.some({ userId, externalId: ExternalUserId.make("u"), locale: null, linksValidAfter: null }))),
    findUsers: notImplemented,
    revokeUserLinks: notImplemented
  })
  return { calls, layer: Layer.provideMerge(layerLinkCache({ ttlMillis }), store) }
}

describe("layerLinkCache", () => {
  it.effect("serves a token's key and scope record from the cache for at most the TTL; users are always read", () => {
    const { calls, layer } = counting()
    return Effect.gen(function* () {
      const links = yield* LinkRepository
      const user = UserId.make("00000000-0000-4000-8000-0000000000f1")
      for (let i = 0; i < 3; i++) {
        assert.isTrue(Option.isSome(yield* links.findKey(P, KID)))
        assert.isTrue(Option.isSome(yield* links.findScope(P, SCOPE)))
        yield* links.findUser(P, user)
      }
      assert.deepStrictEqual(calls, { findKey: 1, findScope: 1, findUser: 3 })
      // Per project and id: another project's lookup is its own entry.
      assert.isTrue(Option.isNone(yield* links.findKey(Q, KID)))
      assert.isTrue(Option.isNone(yield* links.findScope(Q, SCOPE)))
      assert.deepStrictEqual(calls, { findKey: 2, findScope: 2, findUser: 3 })
      yield* TestClock.adjust("4999 millis")
      yield* links.findKey(P, KID)
      assert.strictEqual(calls.findKey, 2)
      yield* TestClock.adjust("1 millis")
      yield* links.findKey(P, KID)
      yield* links.findScope(P, SCOPE)
      assert.deepStrictEqual(calls, { findKey: 3, findScope: 3, findUser: 3 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("this instance's revocation of a key applies at once", () => {
    const { calls, layer } = counting()
    return Effect.gen(function* () {
      const links = yield* LinkRepository
      const before = yield* links.findKey(P, KID)
      assert.isTrue(Option.isSome(before) && before.value.revokedAt === null)
      yield* links.revoke(P, KID, new Date(1_000))
      const after = yield* links.findKey(P, KID)
      assert.isTrue(Option.isSome(after) && after.value.revokedAt?.getTime() === 1_000)
      assert.strictEqual(calls.findKey, 2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a TTL of 0 reads through", () => {
    const { calls, layer } = counting(0)
    return Effect.gen(function* () {
      const links = yield* LinkRepository
      yield* links.findKey(P, KID)
      yield* links.findKey(P, KID)
      assert.strictEqual(calls.findKey, 2)
    }).pipe(Effect.provide(layer))
  })
})
