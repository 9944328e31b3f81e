/**
 * In-memory {@link BrandingRepository}: one settings record per project with revision checks.
 */
import * as Effect from "effect/Effect"
import type { BrandingRepository, StoredBranding } from "@notiflows/domain"
import { VersionConflict } from "@notiflows/domain"
import type { Store } from "./internal/store.js"
import { requireProject, snapshot } from "./internal/store.js"

const NONE: StoredBranding = { settings: {}, revision: 0 }

/** The port over a shared store. */
export const makeBrandingRepository = (store: Store): BrandingRepository["Type"] => ({
  load: (projectId) => Effect.sync(() => store.projects.get(projectId)?.branding ?? NONE),
  save: (projectId, settings, expectedRevision) =>
    Effect.flatMap(
      Effect.suspend(() => requireProject(store, projectId, "branding.save")),
      (project) => {
        const actual = project.branding?.revision ?? 0
        if (actual !== expectedRevision) return Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
        const next: StoredBranding = snapshot({ settings, revision: actual + 1 })
        project.branding = next
        return Effect.succeed(next)
      }
    )
})
