/**
 * Conformance (LINKS.md §1, §2.3): link keys (one active per project, rotation, revocation),
 * scope records shared per pair, users' link revocation, and the minting use cases on top.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { LinkScope, Scope } from "@notiflows/domain"
import {
  deleteUser,
  globalScope,
  LinkKeyActive,
  LinkKeyNotFound,
  LinkRepository,
  mintLink,
  NO_SCOPE_RECORD,
  revokedForUser,
  revokeUserLinks,
  ScopedPreferenceRepository,
  scopeOf,
  updateScopedPreferences,
  UserNotFound,
  ValidationFailed
} from "@notiflows/domain"
import { admin, createNotiflow, createUser, flipFailure, freshProject, some } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { ext, pid, runModelSuite, tenant } from "./internal/modelHarness.js"

const fields = (e: unknown) => (e instanceof ValidationFailed ? e.issues.map((i) => `${i.field}|${i.reason}`).sort() : e)

export const linksCases = (it: ModelIt): void => {
  describe("link keys", () => {
    it.effect("one active key per project, the same for concurrent first uses; 32 secret bytes under an 8-hex kid", () =>
      Effect.gen(function* () {
        const repo = yield* LinkRepository
        const project = pid((yield* freshProject).id)
        const keys = yield* Effect.all(Array.from({ length: 8 }, () => repo.activeKey(project)), { concurrency: "unbounded" })
        assert.strictEqual(new Set(keys.map((k) => k.kid)).size, 1)
        const key = keys[0]!
        assert.match(key.kid, /^[0-9a-f]{8}$/)
        assert.strictEqual(key.secret.length, 32)
        assert.isTrue(key.active)
        assert.isNull(key.revokedAt)
        const listed = yield* repo.listKeys(project)
        assert.deepStrictEqual(listed.map((k) => [k.kid, k.active]), [[key.kid, true]])
        const found = yield* some(yield* repo.findKey(project, key.kid), "the key")
        assert.deepStrictEqual(Buffer.from(found.secret), Buffer.from(key.secret))
        // Keys belong to their project.
        const other = pid((yield* freshProject).id)
        assert.isTrue(Option.isNone(yield* repo.findKey(other, key.kid)))
      }))

    it.effect("rotate makes a new active key and keeps the old one verifying; revoke refuses the active key", () =>
      Effect.gen(function* () {
        const repo = yield* LinkRepository
        const project = pid((yield* freshProject).id)
        const first = yield* repo.activeKey(project)
        const second = yield* repo.rotate(project, new Date())
        assert.notStrictEqual(second.kid, first.kid)
        assert.strictEqual((yield* repo.activeKey(project)).kid, second.kid)
        const old = yield* some(yield* repo.findKey(project, first.kid), "the old key")
        assert.isFalse(old.active)
        assert.isNull(old.revokedAt)
        assert.instanceOf(yield* flipFailure(repo.revoke(project, second.kid, new Date())), LinkKeyActive)
        assert.instanceOf(yield* flipFailure(repo.revoke(project, "00000000", new Date())), LinkKeyNotFound)
        const at = new Date("2026-01-02T03:04:05.000Z")
        const revoked = yield* repo.revoke(project, first.kid, at)
        assert.strictEqual(revoked.revokedAt?.toISOString(), at.toISOString())
        // Revoking twice keeps the first time.
        const again = yield* repo.revoke(project, first.kid, new Date("2027-01-01T00:00:00.000Z"))
        assert.strictEqual(again.revokedAt?.toISOString(), at.toISOString())
        const read = yield* some(yield* repo.findKey(project, first.kid), "the revoked key")
        assert.strictEqual(read.revokedAt?.toISOString(), at.toISOString())
        assert.deepStrictEqual((yield* repo.listKeys(project)).map((k) => k.kid), [first.kid, second.kid])
      }))

    it.effect("revoke-all: a new active key, every other revoked, counted", () =>
      Effect.gen(function* () {
        const repo = yield* LinkRepository
        const project = pid((yield* freshProject).id)
        const a = yield* repo.activeKey(project)
        const b = yield* repo.rotate(project, new Date())
        yield* repo.revoke(project, a.kid, new Date())
        const at = new Date()
        const { key, revoked } = yield* repo.revokeAll(project, at)
        assert.strictEqual(revoked, 1)
        assert.isTrue(key.active)
        const keys = yield* repo.listKeys(project)
        assert.deepStrictEqual(keys.filter((k) => k.active).map((k) => k.kid), [key.kid])
        assert.isTrue(keys.filter((k) => k.kid !== key.kid).every((k) => k.revokedAt !== null))
        assert.strictEqual((yield* some(yield* repo.findKey(project, b.kid), "b")).revokedAt?.getTime(), at.getTime())
      }))
  })

  describe("scope records", () => {
    it.effect("a pair gets one record, also under concurrent first mints; records read back", () =>
      Effect.gen(function* () {
        const repo = yield* LinkRepository
        const project = pid((yield* freshProject).id)
        const scope = { notiflow_id: "nf_a", channel_type: "email" } as unknown as LinkScope
        const t = tenant()
        const records = yield* Effect.all(Array.from({ length: 8 }, () => repo.ensureScope(project, scope, t)), { concurrency: "unbounded" })
        assert.strictEqual(new Set(records.map((r) => r.id)).size, 1)
        const record = records[0]!
        assert.match(record.id, /^[0-9a-f]{16}$/)
        assert.notStrictEqual(record.id, NO_SCOPE_RECORD)
        assert.deepStrictEqual(yield* some(yield* repo.findScope(project, record.id), "the record"), { id: record.id, scope, tenantId: t })
        const global = yield* repo.ensureScope(project, scope, null)
        assert.notStrictEqual(global.id, record.id)
        const tenantOnly = yield* repo.ensureScope(project, null, t)
        assert.deepStrictEqual(yield* some(yield* repo.findScope(project, tenantOnly.id), "tenant record"), { id: tenantOnly.id, scope: null, tenantId: t })
        assert.isTrue(Option.isNone(yield* repo.findScope(project, "0123456789abcdef")))
        const other = pid((yield* freshProject).id)
        assert.isTrue(Option.isNone(yield* repo.findScope(other, record.id)))
      }))
  })

  describe("users' links", () => {
    it.effect("users by external and internal id; revocation sets links_valid_after; an erased user is gone", () =>
      Effect.gen(function* () {
        const repo = yield* LinkRepository
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project, undefined, { locale: "fr-CA" })
        const found = yield* repo.findUsers(project, [ext(user.external_id), ext("nobody")])
        assert.deepStrictEqual([...found.keys()], [user.external_id])
        const link = found.get(ext(user.external_id))!
        assert.deepStrictEqual(link, { userId: user.id, externalId: user.external_id, locale: "fr-CA", linksValidAfter: null })
        assert.deepStrictEqual(yield* some(yield* repo.findUser(project, user.id), "user"), link)
        const at = new Date("2026-05-06T07:08:09.123Z")
        assert.strictEqual(Option.getOrThrow(yield* repo.revokeUserLinks(project, ext(user.external_id), at)).toISOString(), at.toISOString())
        assert.strictEqual((yield* some(yield* repo.findUser(project, user.id), "user")).linksValidAfter?.toISOString(), at.toISOString())
        // The promise form, where offered (a token's verification without a fiber), answers the same.
        const findUserPromise = repo.findUserPromise
        if (findUserPromise !== undefined) assert.deepStrictEqual(yield* Effect.promise(() => findUserPromise(project, user.id)), yield* repo.findUser(project, user.id))
        assert.isTrue(Option.isNone(yield* repo.revokeUserLinks(project, ext("nobody"), at)))
        yield* deleteUser(project, ext(user.external_id))
        assert.isTrue(Option.isNone(yield* repo.findUser(project, user.id)))
        if (findUserPromise !== undefined) assert.isTrue(Option.isNone(yield* Effect.promise(() => findUserPromise(project, user.id))))
      }))

    it.effect("loadLinkedPromise, where offered, answers findUser's user and load's sets by internal id, in either scope", () =>
      Effect.gen(function* () {
        const links = yield* LinkRepository
        const sets = yield* ScopedPreferenceRepository
        const loadLinked = sets.loadLinkedPromise
        if (loadLinked === undefined) return
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project, undefined, { locale: "fr-CA" })
        const u = ext(user.external_id)
        const t = tenant()
        const write = (scope: Scope, body: unknown) => updateScopedPreferences({ projectId: project, externalId: u, scope, audience: "admin", body, context: admin() })
        yield* write(globalScope, { channel_types: { sms: false } })
        yield* write(scopeOf(t), { channel_types: { email: false } })
        yield* revokeUserLinks(project, u, Date.UTC(2026, 4, 6, 7, 8, 9))
        const check = (userId: typeof user.id) =>
          Effect.gen(function* () {
            for (const scope of [globalScope, scopeOf(t), scopeOf(tenant())]) {
              const linked = yield* Effect.promise(() => loadLinked(project, userId, scope))
              const found = Option.getOrUndefined(yield* links.findUser(project, userId))
              const stored = found === undefined ? undefined : Option.getOrUndefined(yield* sets.load(project, found.externalId, scope))
              assert.deepStrictEqual(linked, found === undefined || stored === undefined ? undefined : { user: found, stored })
            }
          })
        yield* check(user.id)
        const linked = yield* Effect.promise(() => loadLinked(project, user.id, scopeOf(t)))
        assert.deepStrictEqual([linked?.stored.global.version, linked?.stored.scoped.version, linked?.user.locale], [1, 1, "fr-CA"])
        assert.instanceOf(linked?.user.linksValidAfter, Date)
        assert.strictEqual(linked?.user.linksValidAfter?.toISOString(), "2026-05-06T07:08:09.000Z")
        yield* check("00000000-0000-7000-8000-000000000000" as typeof user.id)
        // Another project never reads this user.
        const other = pid((yield* freshProject).id)
        assert.isUndefined(yield* Effect.promise(() => loadLinked(other, user.id, globalScope)))
        yield* deleteUser(project, u)
        yield* check(user.id)
        assert.isUndefined(yield* Effect.promise(() => loadLinked(project, user.id, globalScope)))
      }))
  })

  describe("minting (use cases)", () => {
    it.effect("a grant carries the active key, the user, the shared scope record and the expiry; 404 before 422", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project)
        const nf = yield* createNotiflow(project)
        const now = Date.UTC(2026, 10, 30, 10, 0, 0)
        const body = { purpose: "unsubscribe", scope: { notiflow_id: nf.id, channel_type: "email" }, tenant_id: "acme" }
        const g = yield* mintLink(project, ext(user.external_id), body, now)
        const again = yield* mintLink(project, ext(user.external_id), body, now)
        assert.strictEqual(g.userId, user.id)
        assert.strictEqual(g.key.kid, (yield* Effect.flatMap(LinkRepository, (r) => r.activeKey(project))).kid)
        assert.strictEqual(g.scopeRecordId, again.scopeRecordId)
        assert.strictEqual(g.tenantId, "acme")
        assert.deepStrictEqual(g.scope, { notiflow_id: nf.id, channel_type: "email" })
        assert.strictEqual(g.iat, now / 1000)
        assert.strictEqual(g.exp - g.iat, 90 * 86_400)
        const center = yield* mintLink(project, ext(user.external_id), { purpose: "preference_center", expires_in_days: 1 }, now)
        assert.strictEqual(center.scopeRecordId, NO_SCOPE_RECORD)
        assert.strictEqual(center.exp - center.iat, 86_400)
        assert.instanceOf(yield* flipFailure(mintLink(project, ext("nobody"), {}, now)), UserNotFound)
        const required = yield* createNotiflow(project, undefined, { required: true })
        const bad = yield* flipFailure(
          mintLink(project, ext(user.external_id), { purpose: "unsubscribe", scope: { notiflow_id: required.id }, expires_in_days: 59 }, now)
        )
        assert.deepStrictEqual(fields(bad), ["expires_in_days|out_of_range", "scope.notiflow_id|not_unsubscribable"])
      }))

    it.effect("a revocation covers links issued in its second or before, never links minted after it", () =>
      Effect.gen(function* () {
        const project = pid((yield* freshProject).id)
        const user = yield* createUser(project)
        const t0 = Date.UTC(2026, 10, 30, 10, 0, 0, 200)
        const before = yield* mintLink(project, ext(user.external_id), { purpose: "preference_center" }, t0)
        yield* revokeUserLinks(project, ext(user.external_id), t0 + 300)
        const after = yield* mintLink(project, ext(user.external_id), { purpose: "preference_center" }, t0 + 600)
        const validAfter = (yield* some(yield* Effect.flatMap(LinkRepository, (r) => r.findUser(project, user.id)), "user")).linksValidAfter
        assert.isTrue(revokedForUser(before.iat, validAfter))
        assert.isFalse(revokedForUser(after.iat, validAfter))
        assert.strictEqual(after.iat, Math.floor(t0 / 1000) + 1)
      }))
  })
}

export const linksSuite = (name: string, layer: ModelLayer): void => runModelSuite(name, layer, linksCases)
