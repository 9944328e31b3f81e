/**
 * `GET, PUT /admin/branding` (LINKS.md §2.4): every field answered with its default filled; PUT is a
 * merge patch (422 before 412), a no-op patch writes nothing.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { BrandingJson, BrandingSettings } from "./Branding.js"
import { applyBrandingPatch, BRANDING_FIELDS, brandingBody, BrandingPatchSchema } from "./Branding.js"
import { BrandingRepository } from "./BrandingRepository.js"
import { PreconditionFailed, ValidationFailed } from "./Errors.js"
import { decoderFor } from "./Issues.js"
import type { ProjectId } from "./Preferences.js"
import { ProjectRepository } from "./ProjectRepository.js"
import { retryOnConflict } from "./internal/retry.js"

/** A precondition on the current GET body (`If-Match`): `undefined` when it holds, else the current tag. */
export type BrandingPrecondition = (body: BrandingJson) => string | undefined

const decodePatch = decoderFor(BrandingPatchSchema)

const projectName = (projectId: ProjectId) =>
  Effect.map(
    Effect.flatMap(ProjectRepository, (p) => p.get(projectId)),
    (project) => Option.match(project, { onNone: () => "", onSome: (p) => p.name })
  )

/** `GET /admin/branding`. */
export const getBranding = (projectId: ProjectId) =>
  Effect.gen(function* () {
    const stored = yield* Effect.flatMap(BrandingRepository, (r) => r.load(projectId))
    return brandingBody(stored.settings, yield* projectName(projectId))
  })

const sameSettings = (a: BrandingSettings, b: BrandingSettings): boolean =>
  BRANDING_FIELDS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]))

/** `PUT /admin/branding`: merge patch; body problems (422) before `If-Match` (412). */
export const updateBranding = (projectId: ProjectId, body: unknown, precondition?: BrandingPrecondition) =>
  Effect.gen(function* () {
    const repo = yield* BrandingRepository
    const decoded = decodePatch(body)
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const name = yield* projectName(projectId)
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const stored = yield* repo.load(projectId)
        const current = brandingBody(stored.settings, name)
        const tag = precondition?.(current)
        if (tag !== undefined) return yield* Effect.fail(new PreconditionFailed({ current: tag }))
        const next = applyBrandingPatch(stored.settings, decoded.value)
        if (sameSettings(next, stored.settings)) return current
        const saved = yield* repo.save(projectId, next, stored.revision)
        return brandingBody(saved.settings, name)
      })
    )
  })
