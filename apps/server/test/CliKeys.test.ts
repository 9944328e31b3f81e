/**
 * The CLI's key conflicts as messages: `ApiKeyConflict` from the port becomes a `CommandFailed`
 * naming the key kind (never the key or its hash), which `main` prints with exit code 1.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mintApiKey, ProjectRepository } from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"
import { CommandFailed, withKeyConflictMessage } from "../src/Cli.js"
import { createProjectWithKeys } from "../src/Bootstrap.js"

describe("CLI key conflicts", () => {
  it.effect("a hash stored already is a CommandFailed with a clear message, not the raw error", () =>
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const { project } = yield* createProjectWithKeys("Acme", "on")
      const minted = yield* mintApiKey("secret")
      const key = { projectId: project.id, kind: "secret" as const, prefix: minted.prefix, hash: minted.hash }
      yield* projects.createApiKey(key)
      const error = yield* Effect.flip(withKeyConflictMessage(projects.createApiKey(key)))
      expect(error).toBeInstanceOf(CommandFailed)
      expect(error.message).toContain("the new secret key could not be stored")
      expect(error.message).not.toContain(minted.hash)
      expect(error.message).not.toContain(minted.key)
      // Other failures pass through unchanged.
      const other = yield* Effect.flip(withKeyConflictMessage(Effect.fail("boom" as const)))
      expect(other).toBe("boom")
    }).pipe(Effect.provide(InMemory.layer)))

  it.effect("project create stores the project and both keys together", () =>
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const created = yield* createProjectWithKeys("Both", "off")
      expect(created.project.securityMode).toBe("off")
      const keys = yield* projects.listApiKeys(created.project.id)
      expect(keys.map((k) => k.kind).sort()).toEqual(["public", "secret"])
    }).pipe(Effect.provide(InMemory.layer)))
})
