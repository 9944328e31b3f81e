/**
 * In-memory `listSets` of {@link ScopedPreferenceRepository}: every user's global set and every
 * user×tenant set of a project, sorted by the domain's listing order, read in one synchronous
 * section (a consistent snapshot of the store; stored sets are frozen, so items share them).
 */
import * as Effect from "effect/Effect"
import type { PreferenceSetItem, ProjectId, ScopedPreferenceRepository, SetsQuery, Slice } from "@notiflows/domain"
import { compareSetKeys, keyOfItem } from "@notiflows/domain"
import type { Store } from "./internal/store.js"
import { usersOf } from "./internal/store.js"

const itemsOf = (store: Store, projectId: ProjectId): Array<PreferenceSetItem> => {
  const items: Array<PreferenceSetItem> = []
  for (const record of usersOf(store, projectId).values()) {
    const base = { user_id: record.user.external_id, id: record.user.id }
    const { version, channel_types, notiflows } = record.preferences
    items.push({ ...base, tenant_id: null, version, preferences: { channel_types, categories: record.categories ?? {}, notiflows } } as PreferenceSetItem)
    for (const [tenantId, { set }] of record.tenantSets ?? []) {
      const { version: v, ...choices } = set
      items.push({ ...base, tenant_id: tenantId, version: v, preferences: choices } as PreferenceSetItem)
    }
  }
  return items
}

/** The listing over a shared store. */
export const makeListSets =
  (store: Store): ScopedPreferenceRepository["Type"]["listSets"] =>
  (projectId: ProjectId, query: SetsQuery) =>
    Effect.sync((): Slice<PreferenceSetItem> => {
      const { after, limit } = query
      const sorted = itemsOf(store, projectId)
        .filter((item) => after === null || compareSetKeys(keyOfItem(item), after) > 0)
        .sort((a, b) => compareSetKeys(keyOfItem(a), keyOfItem(b)))
      return { items: sorted.slice(0, limit), hasMore: sorted.length > limit }
    })
