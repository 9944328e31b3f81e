/**
 * `GET /notiflows` in v2 (MODEL.md §1, §7): the v1 page, each notiflow with its live categories
 * in stored order (`[]` when none). Written by the HTTP helper (H) beside F's CategoryService.
 */
import * as Effect from "effect/Effect"
import type { StoredNotiflow } from "./Catalog.js"
import { listNotiflows } from "./CatalogService.js"
import { CategoryRepository } from "./CategoryRepository.js"
import type { Page, SliceQuery } from "./Pagination.js"
import type { ProjectId } from "./Preferences.js"

/** A notiflow with its live category ids. */
export interface NotiflowWithCategories {
  readonly notiflow: StoredNotiflow
  readonly categories: ReadonlyArray<string>
}

/** Live notiflows by id, paginated, each with its live categories. */
export const listNotiflowsV2 = (projectId: ProjectId, query: SliceQuery<string>) =>
  Effect.gen(function* () {
    const page = yield* listNotiflows(projectId, query)
    const repo = yield* CategoryRepository
    const categories = yield* repo.list(projectId)
    const live = new Set(categories.filter((c) => !c.deleted).map((c) => c.id as string))
    const memberships = live.size === 0 ? new Map<string, ReadonlyArray<string>>() : yield* repo.memberships(projectId)
    const items = page.items.map(
      (notiflow): NotiflowWithCategories => ({ notiflow, categories: (memberships.get(notiflow.id) ?? []).filter((c) => live.has(c)) })
    )
    return { items, page: page.page } satisfies Page<NotiflowWithCategories>
  })
