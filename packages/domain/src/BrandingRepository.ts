/**
 * Port: a project's branding settings (LINKS.md §2.4), one record per project with a revision.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { BrandingSettings } from "./Branding.js"
import type { RepositoryError, VersionConflict } from "./Errors.js"
import type { ProjectId } from "./Preferences.js"

/** Stored settings; `{}` at revision 0 when the project never set any. */
export interface StoredBranding {
  readonly settings: BrandingSettings
  readonly revision: number
}

export class BrandingRepository extends Context.Tag("@notiflows/domain/BrandingRepository")<
  BrandingRepository,
  {
    readonly load: (projectId: ProjectId) => Effect.Effect<StoredBranding, RepositoryError>
    /**
     * Compare-and-set: stores `settings` at `expectedRevision + 1` only if the stored revision is
     * `expectedRevision` (0 = none stored), else `VersionConflict` with the actual revision.
     */
    readonly save: (
      projectId: ProjectId,
      settings: BrandingSettings,
      expectedRevision: number
    ) => Effect.Effect<StoredBranding, VersionConflict | RepositoryError>
  }
>() {}
