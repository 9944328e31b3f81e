/**
 * {@link BrandingRepository} over drizzle: one row per project, written by ONE compare-and-set
 * statement (insert on conflict do nothing at revision 0, else update at the expected revision).
 */
import { eq, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { BrandingSettings, ProjectId, RepositoryError, StoredBranding } from "@notiflows/domain"
import { BrandingRepository, brandingSettingsOf, VersionConflict } from "@notiflows/domain"
import { projectBranding } from "./schema.js"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { fromJson, json, rowsOf } from "./internal/statements.js"

const NONE: StoredBranding = { settings: {}, revision: 0 }

/** The port over a database. */
export const make = ({ db }: Database): BrandingRepository["Type"] => {
  const load = (projectId: ProjectId, operation: string): Effect.Effect<StoredBranding, RepositoryError> =>
    Effect.map(
      run(operation, () =>
        db.select({ settings: projectBranding.settings, revision: projectBranding.revision }).from(projectBranding).where(eq(projectBranding.projectId, projectId))
      ),
      (rows) => {
        const row = rows[0]
        return row === undefined ? NONE : { settings: brandingSettingsOf(fromJson<unknown>(row.settings)), revision: row.revision }
      }
    )

  const save = (projectId: ProjectId, settings: BrandingSettings, expectedRevision: number): Effect.Effect<StoredBranding, VersionConflict | RepositoryError> => {
    const value = json(settings)
    const at = new Date().toISOString()
    const statement =
      expectedRevision === 0
        ? sql`
          insert into project_branding (project_id, settings, revision, updated_at)
          values (${projectId}::uuid, ${value}::jsonb, 1, ${at}::timestamptz)
          on conflict (project_id) do nothing
          returning revision`
        : sql`
          update project_branding set settings = ${value}::jsonb, revision = revision + 1, updated_at = ${at}::timestamptz
          where project_id = ${projectId}::uuid and revision = ${expectedRevision}::int
          returning revision`
    return Effect.flatMap(run("branding.save", () => db.execute(statement)), (result) => {
      const row = rowsOf(result)[0]
      return row !== undefined
        ? Effect.succeed<StoredBranding>({ settings, revision: Number(row.revision) })
        : Effect.flatMap(load(projectId, "branding.save"), (actual) =>
            Effect.fail(new VersionConflict({ expected: expectedRevision, actual: actual.revision }))
          )
    })
  }

  return { load: (projectId) => load(projectId, "branding.load"), save }
}

export const layer: Layer.Layer<BrandingRepository, never, DrizzleDatabase> = Layer.effect(BrandingRepository, Effect.map(DrizzleDatabase, make))
