/**
 * The use case of `GET /admin/preferences/sets` (EVENTS.md §5): a page of every set of a project.
 */
import * as Effect from "effect/Effect"
import type { RepositoryError } from "./Errors.js"
import type { ProjectId } from "./Preferences.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import type { PreferenceSetsPage, SetsQuery } from "./SetListing.js"
import { encodeSetCursor, keyOfItem } from "./SetListing.js"

/** A page of every set of a project (EVENTS.md §5). */
export const listPreferenceSets = (projectId: ProjectId, query: SetsQuery): Effect.Effect<PreferenceSetsPage, RepositoryError, ScopedPreferenceRepository> =>
  Effect.map(
    Effect.flatMap(ScopedPreferenceRepository, (r) => r.listSets(projectId, query)),
    (slice) => {
      const last = slice.items[slice.items.length - 1]
      return {
        items: slice.items,
        page: {
          after: encodeSetCursor(last !== undefined ? keyOfItem(last) : query.after),
          has_more_after: slice.hasMore,
          limit: query.limit
        }
      }
    }
  )
