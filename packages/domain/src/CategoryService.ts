/**
 * Use cases over categories (MODEL.md §1, §5): upsert as a merge patch with the live limit, soft
 * delete, reads; and the notiflow upsert with `categories` (memberships).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { CategoryCatalogEntry, CategoryId, StoredCategory } from "./Categories.js"
import { categoryToJson, decodeCategoryUpsert, isCategoryId, MAX_CATEGORIES, NotiflowCategoriesSchema, nextMemberships, sameCategory, sameIds } from "./Categories.js"
import type { StoredNotiflow } from "./Catalog.js"
import { notiflowToJsonV2, NotiflowUpsertSchema, sameEntry, applyNotiflowUpsert, newNotiflow, notiflowPathIssues } from "./Catalog.js"
import { afterSave, categoryEvent, changedFields, notiflowEvent } from "./CatalogEvents.js"
import { CategoryRepository } from "./CategoryRepository.js"
import type { Attribution } from "./Events.js"
import { SYSTEM_ATTRIBUTION } from "./Events.js"
import { CategoryNotFound, NotiflowNotFound, ValidationFailed } from "./Errors.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, says, unknownKeys, withIssues } from "./Issues.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import type { SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import type { NotiflowCatalogEntry, NotiflowId, ProjectId } from "./Preferences.js"
import { listNotiflows } from "./CatalogService.js"
import { retryOnConflict } from "./internal/retry.js"

const tooMany = new ValidationFailed({ issues: [issue("", "too_many", `at most ${MAX_CATEGORIES} live categories per project`)] })

/** Category upsert (M§5): a merge patch; a deleted id is restored from the defaults plus the body. Writes `category.created`/`.updated`. */
export const upsertCategory = (projectId: ProjectId, id: CategoryId, body: unknown, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const repo = yield* CategoryRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const stored = Option.getOrUndefined(yield* repo.get(projectId, id))
        const live = stored !== undefined && !stored.deleted ? stored : undefined
        const decoded = decodeCategoryUpsert(body, id, live)
        if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
        if (live !== undefined && sameCategory(live, decoded.value)) return { category: live, created: false }
        const at = new Date(yield* Clock.currentTimeMillis)
        const after = afterSave<StoredCategory>(decoded.value, stored, at)
        const event =
          live === undefined
            ? categoryEvent({ type: "category.created", category: after, at, by })
            : categoryEvent({ type: "category.updated", category: after, changedFields: changedFields(categoryToJson(live), categoryToJson(after)), at, by })
        const category = yield* repo
          .save(projectId, decoded.value, stored?.revision ?? null, at, MAX_CATEGORIES, [event])
          .pipe(Effect.catchTag("CategoryLimitReached", () => Effect.fail(tooMany)))
        return { category, created: live === undefined }
      })
    )
  })

const liveCategory = (projectId: ProjectId, id: CategoryId) =>
  Effect.flatMap(CategoryRepository, (repo) =>
    Effect.flatMap(repo.get(projectId, id), (o) =>
      Option.isSome(o) && !o.value.deleted ? Effect.succeed(o.value) : Effect.fail(new CategoryNotFound({ categoryId: id }))
    )
  )

/** A live category; a deleted or unknown one is 404 `category`. */
export const getCategory = (projectId: ProjectId, id: CategoryId) => liveCategory(projectId, id)

/** Live categories in id order, paginated. */
export const listCategories = (projectId: ProjectId, query: SliceQuery<CategoryId>) =>
  Effect.map(
    Effect.flatMap(CategoryRepository, (repo) => repo.page(projectId, query)),
    (slice) => toPage<StoredCategory, CategoryId>(slice, query, (c) => c.id)
  )

/** Soft delete: hidden everywhere; choices, defaults, locks and memberships are kept. Writes `category.deleted`. */
export const deleteCategory = (projectId: ProjectId, id: CategoryId, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const repo = yield* CategoryRepository
    yield* retryOnConflict(
      Effect.gen(function* () {
        const entry = yield* liveCategory(projectId, id)
        const at = new Date(yield* Clock.currentTimeMillis)
        const { revision: _r, created_at: _c, updated_at: _u, ...rest } = entry
        const deleted: CategoryCatalogEntry = { ...rest, deleted: true }
        const event = categoryEvent({ type: "category.deleted", category: { ...entry, revision: entry.revision + 1, updated_at: at }, at, by })
        yield* repo.save(projectId, deleted, entry.revision, at, MAX_CATEGORIES, [event]).pipe(Effect.catchTag("CategoryLimitReached", () => Effect.fail(tooMany)))
      })
    )
  })

// --- notiflows with categories ---------------------------------------------------------------

/** The notiflow upsert in v2: `categories` replaces the live memberships (`null` = `[]`). */
export const NotiflowUpsertV2Schema = Schema.Struct({
  ...NotiflowUpsertSchema.fields,
  categories: Schema.optionalWith(NotiflowCategoriesSchema, { exact: true })
}).annotations({ identifier: "NotiflowUpsertV2", ...says("the body must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })

const decodeUpsertV2 = decoderFor(NotiflowUpsertV2Schema)

/** Unknown or deleted category ids of a well-formed list: `unknown_category` at `categories.<index>`. */
const membershipIssues = (input: unknown, live: (id: string) => boolean): ReadonlyArray<FieldIssue> => {
  const list = isJsonObject(input) && Object.hasOwn(input, "categories") ? input["categories"] : undefined
  if (!Array.isArray(list)) return []
  const out: Array<FieldIssue> = []
  list.forEach((id, i) => {
    if (typeof id === "string" && isCategoryId(id) && !live(id)) {
      out.push(issue(`categories.${i}`, "unknown_category", "unknown category"))
    }
  })
  return out
}

/** A decoded v2 notiflow upsert: the entry and, when sent, the new live category list. */
export interface NotiflowUpsertV2 {
  readonly entry: NotiflowCatalogEntry
  readonly categories: ReadonlyArray<CategoryId> | undefined
}

export const decodeNotiflowUpsertV2 = (
  input: unknown,
  id: NotiflowId,
  existing: NotiflowCatalogEntry | undefined,
  isLiveCategory: (id: string) => boolean
): Decoded<NotiflowUpsertV2> => {
  const checked = withIssues(decodeUpsertV2(input), [...notiflowPathIssues(input, id, existing), ...membershipIssues(input, isLiveCategory)])
  if (!checked.ok) return checked
  const { categories, ...upsert } = checked.value
  return {
    ok: true,
    value: { entry: applyNotiflowUpsert(upsert, existing ?? newNotiflow(id, "")), categories: categories === null ? [] : categories }
  }
}

/**
 * `PUT /notiflows/{id}` in v2: the v1 upsert plus `categories`. A PUT of `categories` replaces the
 * live memberships (deleted categories' memberships stay after them); a created or restored
 * notiflow starts from `[]`. Answers the notiflow with its live categories. A change of the
 * notiflow object (its live categories included) bumps its revision and writes `notiflow.created`
 * or `.updated` with the entry's save; the membership list is written in the same transaction,
 * as a compare-and-set on the list the upsert read.
 */
export const upsertNotiflowV2 = (projectId: ProjectId, id: NotiflowId, body: unknown, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const catalog = yield* NotiflowCatalogRepository
    const categories = yield* CategoryRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const stored = Option.getOrUndefined(yield* catalog.get(projectId, id))
        const live = stored !== undefined && !stored.deleted ? stored : undefined
        const all = yield* categories.list(projectId)
        const byId = new Map(all.map((c) => [c.id as string, c]))
        const decoded = decodeNotiflowUpsertV2(body, id, live, (c) => byId.get(c)?.deleted === false)
        if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
        // The stored list (a deleted notiflow keeps its own); what the GET object shows starts from it.
        const storedList = stored === undefined ? [] : yield* categories.membershipsOf(projectId, id)
        const current = live === undefined ? [] : storedList
        const given = decoded.value.categories
        const memberships =
          live === undefined ? (given ?? []) : given === undefined ? current : nextMemberships(given, current, (c) => byId.get(c)?.deleted !== false)
        const isLive = (c: string) => byId.get(c)?.deleted === false
        const liveIds: ReadonlyArray<string> = memberships.filter(isLive)
        const liveBefore: ReadonlyArray<string> = current.filter(isLive)
        // Written as a compare-and-set on the list read above, with the save when there is one:
        // a writer whose read is stale (notiflow or list) conflicts and retries from a fresh read.
        const change = { expected: storedList, next: memberships }
        const listChanged = !sameIds(memberships, storedList)
        let notiflow: StoredNotiflow | undefined = live
        if (live === undefined || !sameEntry(live, decoded.value.entry) || !sameIds(liveIds, liveBefore)) {
          const at = new Date(yield* Clock.currentTimeMillis)
          const after = afterSave<StoredNotiflow>(decoded.value.entry, stored, at)
          const event =
            live === undefined
              ? notiflowEvent({ type: "notiflow.created", notiflow: after, categories: liveIds, at, by })
              : notiflowEvent({
                  type: "notiflow.updated",
                  notiflow: after,
                  categories: liveIds,
                  changedFields: changedFields(notiflowToJsonV2(live, liveBefore), notiflowToJsonV2(after, liveIds)),
                  at,
                  by
                })
          notiflow = yield* catalog.save(projectId, decoded.value.entry, stored?.revision ?? null, at, [event], listChanged ? change : undefined)
        } else if (listChanged) {
          yield* categories.setMemberships(projectId, id, change)
        }
        return { notiflow: notiflow!, created: live === undefined, categories: liveIds as ReadonlyArray<string> }
      })
    )
  })

/** A live notiflow with its live categories (404 `notiflow` otherwise). */
export const getNotiflowV2 = (projectId: ProjectId, id: NotiflowId) =>
  Effect.gen(function* () {
    const stored = yield* Effect.flatMap(NotiflowCatalogRepository, (c) => c.get(projectId, id))
    if (Option.isNone(stored) || stored.value.deleted) return yield* Effect.fail(new NotiflowNotFound({ notiflowId: id }))
    const repo = yield* CategoryRepository
    const [all, memberships] = yield* Effect.all([repo.list(projectId), repo.membershipsOf(projectId, id)])
    const live = new Set(all.filter((c) => !c.deleted).map((c) => c.id as string))
    return { notiflow: stored.value, categories: memberships.filter((c) => live.has(c)) as ReadonlyArray<string> }
  })

/** `GET /notiflows` in v2: live notiflows by id, paginated, each with its live categories in stored order. */
export const listNotiflowsV2 = (projectId: ProjectId, query: SliceQuery<string>) =>
  Effect.gen(function* () {
    const page = yield* listNotiflows(projectId, query)
    const repo = yield* CategoryRepository
    const [all, memberships] = yield* Effect.all([repo.list(projectId), repo.memberships(projectId)])
    const live = new Set(all.filter((c) => !c.deleted).map((c) => c.id as string))
    const items = page.items.map((notiflow) => ({
      notiflow,
      categories: (memberships.get(notiflow.id) ?? []).filter((c) => live.has(c)) as ReadonlyArray<string>
    }))
    return { items, page: page.page }
  })
