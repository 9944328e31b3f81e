/**
 * The tenant batch read's plan (issue 11, "evaluation stays fast"): on PGlite, which has no
 * statistics unless someone runs ANALYZE, the user×tenant rows of a batch must be read by the
 * primary key of the users already selected, never by looping over the tenant's index per user
 * (that plan made a batch evaluate in a tenant 6-9x the global one).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ProjectRepository } from "@notiflows/domain"
import { DrizzleDatabase, DrizzleScopedPreferenceRepository, layerPglite } from "../src/index.js"
import { scratchDir } from "./support/childProcess.js"

const scratch = scratchDir()
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const planOf = (query: (text: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<Record<string, unknown>>>, name: string, text: string, args: string) =>
  Effect.promise(async () => {
    await query(`prepare ${name} as ${text}`)
    const rows = await query(`explain (costs off) execute ${name}(${args})`)
    return rows.map((r) => String(r["QUERY PLAN"])).join("\n")
  })

describe("tenant batch read plan (PGlite, no ANALYZE)", () => {
  it.effect("reads the user×tenant rows by their primary key, not the (project_id, tenant_id) index", () =>
    Effect.scoped(
      Effect.provide(
        Effect.gen(function* () {
          const project = yield* Effect.flatMap(ProjectRepository, (p) => p.create({ name: "plan", securityMode: "off" }))
          const database = yield* DrizzleDatabase
          const { query } = database
          yield* Effect.promise(async () => {
            await query(
              `insert into users (project_id, id, external_id, email, custom_fields, revision, created_at, updated_at)
               select $1::uuid, gen_random_uuid(), 'user_' || i, null, '{}'::jsonb, 0, now(), now() from generate_series(1, 3000) i`,
              [project.id]
            )
            await query(
              `insert into preference_sets (project_id, user_id, choices, version, updated_at)
               select project_id, id, '{"channel_types":{},"notiflows":{}}'::jsonb, 0, now() from users where project_id = $1::uuid`,
              [project.id]
            )
            for (const [tenant, every] of [["acme", 3], ["other", 2]] as const)
              await query(
                `insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
                 select project_id, id, $2, '{"channel_types":{"sms":false}}'::jsonb, 1, now()
                 from users where project_id = $1::uuid and substr(external_id, 6)::int % $3::int = 0`,
                [project.id, tenant, every]
              )
          })
          const st = DrizzleScopedPreferenceRepository.makeScopedStatements({ ...database, prepare: false })
          const p = `'${project.id}'`
          const cases = [
            ["nf_plan_many", st.loadManyTenant, { projectId: p, externalIds: `'["user_3","user_4","user_5"]'`, tenantId: "'acme'" }],
            ["nf_plan_one", st.loadTenant, { projectId: p, externalId: "'user_3'", tenantId: "'acme'" }]
          ] as const
          for (const [name, statement, values] of cases) {
            const { params, sql } = (statement as unknown as { toSQL(): { sql: string; params: ReadonlyArray<{ name: string }> } }).toSQL()
            const args = params.map((param) => (values as Record<string, string>)[param.name]).join(", ")
            const plan = yield* planOf(query, name, sql, args)
            assert.include(plan, "tenant_preference_sets_project_id_user_id_tenant_id_pk", plan)
            assert.notInclude(plan, "tenant_preference_sets_tenant_idx", plan)
          }
          // And the read answers the right rows: user_3 holds an acme set, user_4 none.
          const repo = DrizzleScopedPreferenceRepository.make(database)
          const many = yield* repo.loadMany(project.id, ["user_3", "user_4"] as never, { _tag: "Tenant", tenantId: "acme" } as never)
          assert.deepStrictEqual(many.get("user_3" as never)?.scoped.channel_types, { sms: false })
          assert.deepStrictEqual(many.get("user_4" as never)?.scoped.channel_types, {})
        }),
        layerPglite(path.join(scratch, "data"))
      )
    )
  )
})
