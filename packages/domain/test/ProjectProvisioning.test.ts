import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { ProjectId } from "../src/Preferences.js"
import { ApiKeyConflict, planEnsureWithKeys, withSigningKey } from "../src/ProjectRepository.js"

const P = ProjectId.make("00000000-0000-4000-8000-000000000001")
const Q = ProjectId.make("00000000-0000-4000-8000-000000000002")

const key = (projectId: ProjectId, kind: string) => Option.some({ projectId, kind })
const none = Option.none()
const conflict = (plan: ReturnType<typeof planEnsureWithKeys>) => {
  assert.isTrue(Either.isLeft(plan))
  const e = (plan as Either.Left<ApiKeyConflict, never>).left
  assert.instanceOf(e, ApiKeyConflict)
  return { kind: e.kind, reason: e.reason }
}

describe("planEnsureWithKeys: which project configured keys belong to", () => {
  it("neither key stored: a new project", () => {
    assert.deepStrictEqual(planEnsureWithKeys(none, none), Either.right({ _tag: "Create" as const }))
  })

  it("the secret key's project, given the public key when it has none", () => {
    assert.deepStrictEqual(planEnsureWithKeys(key(P, "secret"), none), Either.right({ _tag: "Reuse" as const, projectId: P, addPublicKey: true }))
    assert.deepStrictEqual(planEnsureWithKeys(key(P, "secret"), key(P, "public")), Either.right({ _tag: "Reuse" as const, projectId: P, addPublicKey: false }))
  })

  it("keys stored as the other kind, or in two projects, are conflicts", () => {
    assert.deepStrictEqual(conflict(planEnsureWithKeys(key(P, "public"), none)), { kind: "secret", reason: "kind_mismatch" })
    assert.deepStrictEqual(conflict(planEnsureWithKeys(key(P, "secret"), key(P, "secret"))), { kind: "public", reason: "kind_mismatch" })
    assert.deepStrictEqual(conflict(planEnsureWithKeys(key(P, "secret"), key(Q, "public"))), { kind: "public", reason: "other_project" })
    // The public key alone: never a second project beside it.
    assert.deepStrictEqual(conflict(planEnsureWithKeys(none, key(Q, "public"))), { kind: "public", reason: "other_project" })
  })
})

describe("withSigningKey", () => {
  it("appends a key, replacing one with the same kid; undefined keeps the list", () => {
    const a = { kid: "a", publicKeyPem: "A" }
    const b = { kid: "b", publicKeyPem: "B" }
    const a2 = { kid: "a", publicKeyPem: "A2" }
    assert.deepStrictEqual(withSigningKey([a, b], a2), [b, a2])
    assert.deepStrictEqual(withSigningKey([a], b), [a, b])
    assert.deepStrictEqual(withSigningKey([a, b], undefined), [a, b])
  })
})
