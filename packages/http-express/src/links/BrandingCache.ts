/**
 * The branding the pages use (LINKS.md §2.4: "pages see changes within 5 s"): `getBranding` per
 * project, kept at most {@link BRANDING_TTL_MS} per router, bounded in size. Concurrent misses for
 * one project share one read.
 */
import type { ProjectId } from "@notiflows/domain"
import { getBranding } from "@notiflows/domain"
import type { Branding } from "@notiflows/pages"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import { run } from "../internal/effectToPromise.js"

export const BRANDING_TTL_MS = 5_000
const MAX_ENTRIES = 10_000

export type BrandingLookup = (projectId: ProjectId) => Promise<Branding>

export const makeBrandingCache = (runtime: RouterRuntime, now: () => number): BrandingLookup => {
  const entries = new Map<string, { readonly at: number; readonly value: Promise<Branding> }>()
  return (projectId) => {
    const t = now()
    const hit = entries.get(projectId)
    if (hit !== undefined && t - hit.at < BRANDING_TTL_MS && t >= hit.at) return hit.value
    if (entries.size >= MAX_ENTRIES) entries.clear()
    const value = run(runtime, getBranding(projectId))
    entries.set(projectId, { at: t, value })
    // A failed read is not kept: the next request tries again.
    value.catch(() => {
      if (entries.get(projectId)?.value === value) entries.delete(projectId)
    })
    return value
  }
}
