/**
 * Cross-project isolation, through the ports: a user, notiflow, history or API key of project A
 * is invisible to (and untouchable from) project B, even under the same external ids.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { NotiflowCatalogEntry } from "@notiflows/domain"
import { Ids } from "@notiflows/testing"
import {
  NotiflowCatalogRepository,
  PreferenceRepository,
  ProjectRepository,
  UserRepository,
  newNotiflow,
  upsertUser
} from "@notiflows/domain"

const admin = { actor: { type: "secret_key" as const, id: "key_test" }, requestId: "req_isolation", source: "admin_api" as const }

export const isolationCase = Effect.gen(function* () {
  const projects = yield* ProjectRepository
  const users = yield* UserRepository
  const prefs = yield* PreferenceRepository
  const catalog = yield* NotiflowCatalogRepository
  const a = yield* projects.create({ name: "A", securityMode: "on" })
  const b = yield* projects.create({ name: "B", securityMode: "off" })
  const externalId = Ids.externalUserId(`shared-${crypto.randomUUID()}`)
  const sharedNf = Ids.notiflowId("shared_nf")
  const entry: NotiflowCatalogEntry = newNotiflow(sharedNf, "Shared")
  yield* catalog.save(a.id, entry, null, new Date())
  const { user: userA } = yield* upsertUser({
    projectId: a.id,
    externalId,
    body: { email: "a@example.com", preferences: { channel_types: { email: false }, notiflows: { shared_nf: { enabled: false } } } },
    context: admin
  })
  const keyA = yield* projects.createApiKey({ projectId: a.id, kind: "secret", prefix: "sk_a", hash: crypto.randomUUID() })

  // Reads from B see nothing of A.
  assert.isTrue(Option.isNone(yield* users.find(b.id, externalId)))
  assert.isTrue(Option.isNone(yield* prefs.load(b.id, externalId)))
  assert.strictEqual((yield* prefs.loadMany(b.id, [externalId])).size, 0)
  assert.deepStrictEqual((yield* users.list(b.id, { limit: 10 })).items, [])
  assert.deepStrictEqual(yield* catalog.list(b.id), [])
  assert.isTrue(Option.isNone(yield* catalog.get(b.id, sharedNf)))
  assert.deepStrictEqual((yield* prefs.history(b.id, userA.id, { limit: 10 })).items, [])
  assert.deepStrictEqual(yield* projects.listApiKeys(b.id), [])

  // Writes addressed through B cannot reach A's rows.
  const commit = yield* Effect.flip(
    prefs.commit({
      projectId: b.id,
      userId: userA.id,
      expectedVersion: 1,
      choices: { channel_types: {}, notiflows: {} },
      history: { actor: admin.actor, request_id: null, changed_at: new Date(), changes: [], operation: "patch", source: "admin_api", context: null }
    })
  )
  assert.strictEqual(commit._tag, "UserNotFound")
  assert.strictEqual((yield* Effect.flip(projects.revokeApiKey(b.id, keyA.id, new Date())))._tag, "ApiKeyNotFound")
  assert.isFalse(yield* users.remove(b.id, externalId))

  // The same external id and notiflow id can live in B independently.
  const { user: userB } = yield* upsertUser({ projectId: b.id, externalId, body: { email: "b@example.com" }, context: admin })
  assert.notStrictEqual(userB.id, userA.id)
  yield* catalog.save(b.id, { ...entry, name: "B's" }, null, new Date())
  assert.strictEqual(Option.getOrThrow(yield* catalog.get(a.id, sharedNf)).name, "Shared")
  assert.isTrue(yield* users.remove(b.id, externalId))

  // A is intact.
  const loaded = Option.getOrThrow(yield* prefs.load(a.id, externalId))
  assert.strictEqual(loaded.preferences.version, 1)
  assert.deepStrictEqual(loaded.preferences.channel_types, { email: false })
  assert.strictEqual(Option.getOrThrow(yield* users.find(a.id, externalId)).email, "a@example.com")
  assert.strictEqual((yield* projects.listApiKeys(a.id)).length, 1)
})
