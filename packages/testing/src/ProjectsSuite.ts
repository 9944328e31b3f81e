/**
 * Conformance: projects, their settings and API keys (stored by hash, revocable, never
 * visible across projects).
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { EnsureProjectWithKeys } from "@notiflows/domain"
import { ApiKeyConflict, ApiKeyNotFound, ProjectNotFound, ProjectRepository } from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { flipFailure, freshHash, freshId, freshProject, some, UUID } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { StorageInspector } from "./StorageInspector.js"
import { randomApiKeyId, randomProjectId } from "./Ids.js"

const pem = (body: string) => `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`

/** An ensure input with fresh key hashes and a fresh name. */
const ensureInput = (): EnsureProjectWithKeys => ({
  name: freshId("ensured"),
  securityMode: "on",
  secretKey: { prefix: "sk_ens", hash: freshHash() },
  publicKey: { prefix: "pk_ens", hash: freshHash() }
})

/** The conflict an effect failed with, or a test failure. */
const conflictOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(flipFailure(effect), (e) => {
    assert.instanceOf(e, ApiKeyConflict)
    const { kind, reason } = e as ApiKeyConflict
    return { kind, reason }
  })

/** Start-up provisioning: one transaction under a lock, so concurrent starts agree on one project. */
const provisioningCases: SuiteCases = (it) => {
  describe("provisioning", () => {
    it.effect("ensureProjectWithKeys creates the project with both keys once, then finds it and applies the settings", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const input = ensureInput()
        const k1 = { kid: "k1", publicKeyPem: pem("AAAA") }
        const first = yield* projects.ensureProjectWithKeys({ ...input, signingKey: k1 })
        assert.isTrue(first.created)
        assert.deepStrictEqual([first.project.name, first.project.securityMode, first.project.signingKeys], [input.name, "on", [k1]])
        const rows = yield* db.apiKeyRows(first.project.id)
        assert.deepStrictEqual(
          rows.map((r) => [r.kind, r.prefix, r.hash, r.revoked]).sort(),
          [["public", "pk_ens", input.publicKey.hash, false], ["secret", "sk_ens", input.secretKey.hash, false]]
        )
        const k1b = { kid: "k1", publicKeyPem: pem("BBBB") }
        const k2 = { kid: "k2", publicKeyPem: pem("CCCC") }
        const again = yield* projects.ensureProjectWithKeys({ ...input, name: "ignored", securityMode: "off", signingKey: k2 })
        const third = yield* projects.ensureProjectWithKeys({ ...input, securityMode: "off", signingKey: k1b })
        const plain = yield* projects.ensureProjectWithKeys({ ...input, securityMode: "off" })
        for (const r of [again, third, plain]) {
          assert.isFalse(r.created)
          assert.strictEqual(r.project.id, first.project.id)
        }
        assert.deepStrictEqual(again.project.signingKeys, [k1, k2])
        // The same kid replaces the stored key (and moves last); no signing key keeps them.
        assert.deepStrictEqual(plain.project.signingKeys, [k2, k1b])
        assert.deepStrictEqual(Option.getOrThrow(yield* projects.get(first.project.id)).signingKeys, [k2, k1b])
        const row = yield* some(yield* db.projectRow(first.project.id), "project row")
        assert.deepStrictEqual([row.name, row.security_mode], [input.name, "off"])
        assert.lengthOf(yield* db.apiKeyRows(first.project.id), 2)
      }))

    it.effect("ensureProjectWithKeys adds a missing public key to the secret key's project", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const input = ensureInput()
        yield* projects.createApiKey({ projectId: project.id, kind: "secret", ...input.secretKey })
        const ensured = yield* projects.ensureProjectWithKeys(input)
        assert.deepStrictEqual([ensured.created, ensured.project.id, ensured.project.name], [false, project.id, project.name])
        const rows = yield* db.apiKeyRows(project.id)
        assert.deepStrictEqual(rows.map((r) => [r.kind, r.hash]).sort(), [["public", input.publicKey.hash], ["secret", input.secretKey.hash]])
      }))

    it.effect("ensureProjectWithKeys refuses keys stored otherwise and changes nothing", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const a = yield* freshProject
        const b = yield* freshProject
        const asPublic = ensureInput()
        yield* projects.createApiKey({ projectId: a.id, kind: "public", ...asPublic.secretKey })
        assert.deepStrictEqual(yield* conflictOf(projects.ensureProjectWithKeys(asPublic)), { kind: "secret", reason: "kind_mismatch" })
        const asSecret = ensureInput()
        yield* projects.createApiKey({ projectId: a.id, kind: "secret", ...asSecret.publicKey })
        assert.deepStrictEqual(yield* conflictOf(projects.ensureProjectWithKeys(asSecret)), { kind: "public", reason: "kind_mismatch" })
        const split = ensureInput()
        yield* projects.createApiKey({ projectId: a.id, kind: "secret", ...split.secretKey })
        yield* projects.createApiKey({ projectId: b.id, kind: "public", ...split.publicKey })
        assert.deepStrictEqual(yield* conflictOf(projects.ensureProjectWithKeys(split)), { kind: "public", reason: "other_project" })
        const orphan = ensureInput()
        yield* projects.createApiKey({ projectId: b.id, kind: "public", ...orphan.publicKey })
        assert.deepStrictEqual(yield* conflictOf(projects.ensureProjectWithKeys(orphan)), { kind: "public", reason: "other_project" })
        assert.isTrue(Option.isNone(yield* projects.findApiKeyByHash(orphan.secretKey.hash)))
        const names = (yield* projects.list()).map((p) => p.name)
        for (const input of [asPublic, asSecret, split, orphan]) assert.notInclude(names, input.name)
        assert.lengthOf(yield* db.apiKeyRows(a.id), 3)
        assert.lengthOf(yield* db.apiKeyRows(b.id), 2)
      }))

    it.effect("concurrent ensureProjectWithKeys with the same keys make exactly one project", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const input = ensureInput()
        const results = yield* Effect.all(
          Array.from({ length: 8 }, () => projects.ensureProjectWithKeys(input)),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual([...new Set(results.map((r) => r.project.id))], [results[0]!.project.id])
        assert.strictEqual(results.filter((r) => r.created).length, 1)
        assert.lengthOf(yield* db.apiKeyRows(results[0]!.project.id), 2)
        assert.lengthOf((yield* projects.list()).filter((p) => p.name === input.name), 1)
      }))

    it.effect("ensureFirstProject answers the oldest project untouched when one exists", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        yield* freshProject
        const oldest = (yield* projects.list())[0]!
        const input = ensureInput()
        const results = yield* Effect.all([projects.ensureFirstProject(input), projects.ensureFirstProject(input)], { concurrency: "unbounded" })
        for (const r of results) {
          assert.isFalse(r.created)
          assert.deepStrictEqual([r.project.id, r.project.securityMode, r.project.name], [oldest.id, oldest.securityMode, oldest.name])
        }
        assert.isTrue(Option.isNone(yield* projects.findApiKeyByHash(input.secretKey.hash)))
        assert.isTrue(Option.isNone(yield* projects.findApiKeyByHash(input.publicKey.hash)))
      }))

    it.effect("a key hash is unique across projects: storing it again is ApiKeyConflict, not a storage failure", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const a = yield* freshProject
        const b = yield* freshProject
        const hash = freshHash()
        const key = yield* projects.createApiKey({ projectId: a.id, kind: "secret", prefix: "sk_one", hash })
        assert.deepStrictEqual(yield* conflictOf(projects.createApiKey({ projectId: b.id, kind: "public", prefix: "pk_two", hash })), {
          kind: "public",
          reason: "hash_taken"
        })
        assert.deepStrictEqual(yield* conflictOf(projects.createApiKey({ projectId: a.id, kind: "secret", prefix: "sk_two", hash })), {
          kind: "secret",
          reason: "hash_taken"
        })
        assert.lengthOf(yield* db.apiKeyRows(b.id), 0)
        assert.deepStrictEqual((yield* db.apiKeyRows(a.id)).map((r) => r.id), [key.id])
        assert.strictEqual(Option.getOrThrow(yield* projects.findApiKeyByHash(hash)).projectId, a.id)
        const taken = ensureInput()
        yield* projects.createApiKey({ projectId: a.id, kind: "secret", prefix: "sk_x", hash: taken.publicKey.hash })
        // The public key's hash is another key's: refused as the other kind, nothing created.
        assert.deepStrictEqual(yield* conflictOf(projects.ensureProjectWithKeys(taken)), { kind: "public", reason: "kind_mismatch" })
      }))
  })
}

/** The project cases, for an `it` that provides the adapter. */
export const projectsCases: SuiteCases = (it, options) => {
  describe("projects", () => {
    it.effect("creates projects with empty settings and lists them oldest first", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const name = freshId("project")
        const a = yield* projects.create({ name, securityMode: "off" })
        const b = yield* projects.create({ name: freshId("project"), securityMode: "on" })
        assert.match(a.id, UUID)
        assert.strictEqual(a.name, name)
        assert.strictEqual(a.securityMode, "off")
        assert.deepStrictEqual([a.allowedOrigins, a.signingKeys, a.defaults], [[], [], { channel_types: {} }])
        const read = Option.getOrThrow(yield* projects.get(a.id))
        assert.deepStrictEqual({ ...read, createdAt: read.createdAt.getTime() }, { ...a, createdAt: a.createdAt.getTime() })
        const row = yield* some(yield* db.projectRow(a.id), "project row")
        assert.deepStrictEqual(row, { id: a.id, name, security_mode: "off", defaults: { channel_types: {} }, defaults_revision: a.defaultsRevision })
        const ids = (yield* projects.list()).map((p) => p.id).filter((id) => id === a.id || id === b.id)
        assert.deepStrictEqual(ids, [a.id, b.id])
        assert.isTrue(Option.isNone(yield* projects.get(randomProjectId())))
      }))

    it.effect("updates only the settings it is given", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const signingKeys = [{ kid: "k1", publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }]
        const updated = yield* projects.update(project.id, { securityMode: "off", allowedOrigins: ["https://app.example.com"], signingKeys })
        assert.strictEqual(updated.name, project.name)
        assert.strictEqual(updated.securityMode, "off")
        assert.deepStrictEqual(updated.allowedOrigins, ["https://app.example.com"])
        assert.deepStrictEqual(updated.signingKeys, signingKeys)
        const renamed = yield* projects.update(project.id, { name: "Renamed" })
        assert.deepStrictEqual(renamed.allowedOrigins, ["https://app.example.com"])
        const stored = Option.getOrThrow(yield* projects.get(project.id))
        assert.deepStrictEqual(
          [stored.name, stored.securityMode, stored.allowedOrigins, stored.signingKeys],
          ["Renamed", "off", ["https://app.example.com"], signingKeys]
        )
        assert.strictEqual((yield* some(yield* db.projectRow(project.id), "project row")).name, "Renamed")
        assert.instanceOf(yield* flipFailure(projects.update(randomProjectId(), { name: "x" })), ProjectNotFound)
      }))
  })

  describe("api keys", () => {
    it.effect("stores keys by hash, finds them and lists them per project", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const other = yield* freshProject
        const secretHash = freshHash()
        const publicHash = freshHash()
        const secret = yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: "sk_test_ab", hash: secretHash })
        const pub = yield* projects.createApiKey({ projectId: project.id, kind: "public", prefix: "pk_test_cd", hash: publicHash })
        yield* projects.createApiKey({ projectId: other.id, kind: "secret", prefix: "sk_other", hash: freshHash() })
        assert.match(secret.id, UUID)
        assert.deepStrictEqual([secret.projectId, secret.kind, secret.prefix, secret.revokedAt], [project.id, "secret", "sk_test_ab", null])
        const found = Option.getOrThrow(yield* projects.findApiKeyByHash(secretHash))
        assert.deepStrictEqual(
          [found.id, found.projectId, found.kind, found.prefix, found.revokedAt, found.createdAt.getTime()],
          [secret.id, project.id, "secret", "sk_test_ab", null, secret.createdAt.getTime()]
        )
        assert.strictEqual(Option.getOrThrow(yield* projects.findApiKeyByHash(publicHash)).id, pub.id)
        assert.isTrue(Option.isNone(yield* projects.findApiKeyByHash(freshHash())))
        const listed = yield* projects.listApiKeys(project.id)
        assert.deepStrictEqual(listed.map((k) => k.id).sort(), [secret.id, pub.id].sort())
        const rows = yield* db.apiKeyRows(project.id)
        assert.deepStrictEqual(
          rows.map((r) => [r.id, r.kind, r.prefix, r.hash, r.revoked]).sort(),
          [
            [secret.id, "secret", "sk_test_ab", secretHash, false],
            [pub.id, "public", "pk_test_cd", publicHash, false]
          ].sort()
        )
        assert.lengthOf(yield* db.apiKeyRows(other.id), 1)
        assert.instanceOf(
          yield* flipFailure(projects.createApiKey({ projectId: randomProjectId(), kind: "secret", prefix: "sk_x", hash: freshHash() })),
          ProjectNotFound
        )
      }))

    it.effect("revokes a key of its own project only; revoked keys are still found", () =>
      Effect.gen(function* () {
        const projects = yield* ProjectRepository
        const db = yield* StorageInspector
        const project = yield* freshProject
        const other = yield* freshProject
        const hash = freshHash()
        const key = yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: "sk_test_zz", hash })
        const keep = yield* projects.createApiKey({ projectId: project.id, kind: "public", prefix: "pk_test_zz", hash: freshHash() })
        assert.instanceOf(yield* flipFailure(projects.revokeApiKey(other.id, key.id, new Date())), ApiKeyNotFound)
        assert.isNull(Option.getOrThrow(yield* projects.findApiKeyByHash(hash)).revokedAt)
        const at = new Date(Date.UTC(2030, 0, 1))
        const revoked = yield* projects.revokeApiKey(project.id, key.id, at)
        assert.strictEqual(revoked.id, key.id)
        assert.strictEqual(revoked.revokedAt?.getTime(), at.getTime())
        const found = Option.getOrThrow(yield* projects.findApiKeyByHash(hash))
        assert.strictEqual(found.revokedAt?.getTime(), at.getTime())
        const rows = yield* db.apiKeyRows(project.id)
        assert.deepStrictEqual(rows.map((r) => [r.id, r.revoked]).sort(), [[key.id, true], [keep.id, false]].sort())
        const listed = yield* projects.listApiKeys(project.id)
        assert.isNotNull(listed.find((k) => k.id === key.id)?.revokedAt ?? null)
        assert.isNull(listed.find((k) => k.id === keep.id)?.revokedAt)
        assert.instanceOf(yield* flipFailure(projects.revokeApiKey(project.id, randomApiKeyId(), at)), ApiKeyNotFound)
      }))
  })

  provisioningCases(it, options)
}

/** Projects and API keys conformance: run against an adapter layer (built once for the suite). */
export const projectsSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, projectsCases)
