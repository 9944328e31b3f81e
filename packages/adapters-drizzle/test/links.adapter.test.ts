/**
 * The links conformance suite (LINKS.md §1, §2.3) on PGlite and PostgreSQL, plus what only SQL
 * shows: a project gets its link key in its creation transaction, and the schema allows one
 * active key per project.
 */
import { assert, describe, layer } from "@effect/vitest"
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { LinkRepository, ProjectRepository, ScopedPreferenceRepository } from "@notiflows/domain"
import { linksSuite } from "@notiflows/testing"
import { DrizzleDatabase, layerPglite } from "../src/index.js"
import { layerSqlModelInspector } from "./support/SqlModelInspector.js"
import { layerSqlInspector } from "./support/SqlStorageInspector.js"
import { layerServer, postgresAvailable } from "./support/postgres.js"
import { shared } from "./support/shared.js"

const available = await postgresAvailable()
const inspectors = Layer.merge(layerSqlInspector, layerSqlModelInspector)
const pglite = shared(Layer.provideMerge(inspectors, layerPglite("memory://")))

const sqlCases = (name: string, db: typeof pglite) =>
  layer(db, { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => {
    it.effect("a new project has exactly one active link key; a second active one is refused by the schema", () =>
      Effect.gen(function* () {
        const project = yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "links", securityMode: "on" }))
        const { db: d } = yield* DrizzleDatabase
        const rows = yield* Effect.promise(() => d.execute(sql`select kid, active from link_keys where project_id = ${project.id}`))
        const list = (Array.isArray(rows) ? rows : (rows as { rows: Array<unknown> }).rows) as Array<{ kid: string; active: boolean }>
        assert.strictEqual(list.length, 1)
        assert.isTrue(list[0]!.active)
        const second = yield* Effect.either(
          Effect.tryPromise(() =>
            d.execute(sql`insert into link_keys (project_id, kid, secret, active, created_at) values (${project.id}, 'abcdef01', 'x', true, now())`)
          )
        )
        assert.isTrue(second._tag === "Left")
      }))

    it.effect("the drizzle repositories offer the fiberless link reads (the conformance cases on them are not skipped)", () =>
      Effect.gen(function* () {
        assert.isFunction((yield* ScopedPreferenceRepository).loadLinkedPromise)
        assert.isFunction((yield* LinkRepository).findUserPromise)
      }))
  })

linksSuite("pglite links", pglite)
sqlCases("pglite links schema", pglite)

describe.skipIf(!available)("postgres", () => {
  const server = shared(Layer.provideMerge(inspectors, layerServer({ poolSize: 8 })))
  linksSuite("postgres links", server)
  sqlCases("postgres links schema", server)
})
