/**
 * PGlite-specific cases on one file-backed data directory: re-opening (migrations apply again
 * without error, data persists), the one-process lock (in-process and from a child process, and
 * stale-lock takeover), cross-project isolation.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ProjectRepository } from "@notiflows/domain"
import { DrizzleDatabase, LOCK_FILE, PgliteLockedError, acquirePgliteLock, layerPglite, migratePglite } from "../src/index.js"
import { runNode, scratchDir, transpile } from "./support/childProcess.js"
import { isolationCase } from "./support/isolation.js"

const scratch = scratchDir()
const dataDir = path.join(scratch, "data")
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** A child process that takes the lock the way the layer does, then opens PGlite. */
const childScript = (): string => {
  transpile(scratch, "PgliteLock.ts")
  const file = path.join(scratch, "open-child.mjs")
  fs.writeFileSync(
    file,
    `import { acquirePgliteLock } from "./PgliteLock.mjs"
import { PGlite } from "@electric-sql/pglite"
const dir = process.argv[2]
try {
  const lock = acquirePgliteLock(dir)
  const db = await PGlite.create(dir)
  await db.query("select 1")
  await db.close()
  lock.release()
  console.log(JSON.stringify({ opened: true }))
} catch (e) {
  console.log(JSON.stringify({ opened: false, name: e.name, pid: e.pid, message: e.message }))
}
`
  )
  return file
}

describe("pglite data directory", () => {
  it.effect("re-opening applies the migrations again without error and keeps the data; the lock is released on close", () =>
    Effect.gen(function* () {
      const createProject = Effect.flatMap(ProjectRepository, (p) => p.create({ name: "persisted", securityMode: "off" }))
      const project = yield* Effect.scoped(Effect.provide(createProject, layerPglite(dataDir)))
      assert.isFalse(fs.existsSync(path.join(dataDir, LOCK_FILE)))
      const again = yield* Effect.scoped(
        Effect.provide(
          Effect.gen(function* () {
            // Twice more on the open database: nothing to apply, no error.
            const { db } = yield* DrizzleDatabase
            yield* migratePglite(db as never)
            yield* migratePglite(db as never)
            return yield* Effect.flatMap(ProjectRepository, (p) => p.get(project.id))
          }),
          layerPglite(dataDir)
        )
      )
      assert.strictEqual(Option.getOrThrow(again).name, "persisted")
    }), 120_000)

  it.effect("a second opener gets PgliteLockedError (same process and a child process); the directory stays usable", () =>
    Effect.gen(function* () {
      const script = childScript()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(layerPglite(dataDir))
          const projects = Effect.provide(ProjectRepository, context)
          // In this process.
          const second = yield* Effect.exit(Effect.scoped(Layer.build(layerPglite(dataDir))))
          assert.isTrue(Exit.isFailure(second))
          const error = Exit.isFailure(second) ? second.cause : undefined
          assert.include(String(error), "PgliteLockedError")
          // From another process.
          const child = yield* Effect.promise(() => runNode(script, [dataDir]))
          const answer = JSON.parse(child.stdout.trim()) as { opened: boolean; name: string; pid: number; message: string }
          assert.isFalse(answer.opened)
          assert.strictEqual(answer.name, "PgliteLockedError")
          assert.strictEqual(answer.pid, process.pid)
          assert.include(answer.message, dataDir)
          // The owner is unharmed.
          const repo = yield* projects
          const created = yield* repo.create({ name: "after", securityMode: "on" })
          assert.isTrue(Option.isSome(yield* repo.get(created.id)))
        })
      )
      // Closed: the child can now open it.
      const child = yield* Effect.promise(() => runNode(script, [dataDir]))
      assert.deepStrictEqual(JSON.parse(child.stdout.trim()), { opened: true })
    }), 120_000)

  it("a stale lock (its process is gone) is taken over", async () => {
    const dir = path.join(scratch, "stale")
    fs.mkdirSync(dir, { recursive: true })
    const gone = await runNode("-e", ["console.log(process.pid)"]).then((r) => Number(r.stdout.trim()))
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${gone}\n`)
    const lock = acquirePgliteLock(dir)
    assert.strictEqual(fs.readFileSync(lock.file, "utf8").trim(), String(process.pid))
    assert.throws(() => acquirePgliteLock(dir), PgliteLockedError)
    lock.release()
    assert.isFalse(fs.existsSync(lock.file))
  })

  it.effect("cross-project isolation", () => Effect.scoped(Effect.provide(isolationCase, layerPglite("memory://"))), 120_000)
})
