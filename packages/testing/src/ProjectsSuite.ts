/**
 * Conformance: projects, their settings and API keys (stored by hash, revocable, never
 * visible across projects).
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ApiKeyNotFound, ProjectNotFound, ProjectRepository } from "@notiflows/domain"
import type { SuiteOptions } from "./internal/fixtures.js"
import { flipFailure, freshHash, freshId, freshProject, some, UUID } from "./internal/fixtures.js"
import type { SuiteCases, SuiteLayer } from "./internal/harness.js"
import { runSuite } from "./internal/harness.js"
import { StorageInspector } from "./StorageInspector.js"

/** The project cases, for an `it` that provides the adapter. */
export const projectsCases: SuiteCases = (it) => {
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
        assert.isTrue(Option.isNone(yield* projects.get(crypto.randomUUID())))
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
        assert.instanceOf(yield* flipFailure(projects.update(crypto.randomUUID(), { name: "x" })), ProjectNotFound)
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
          yield* flipFailure(projects.createApiKey({ projectId: crypto.randomUUID(), kind: "secret", prefix: "sk_x", hash: freshHash() })),
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
        assert.instanceOf(yield* flipFailure(projects.revokeApiKey(project.id, crypto.randomUUID(), at)), ApiKeyNotFound)
      }))
  })
}

/** Projects and API keys conformance: run against an adapter layer (built once for the suite). */
export const projectsSuite = (name: string, layer: SuiteLayer, options?: SuiteOptions): void =>
  runSuite(name, layer, options, projectsCases)
