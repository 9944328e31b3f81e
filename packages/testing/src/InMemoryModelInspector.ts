/**
 * The in-memory {@link ModelInspector}: reads the store's maps directly.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ModelInspector } from "./ModelInspector.js"
import type { Store } from "./internal/store.js"
import { userById } from "./internal/store.js"

export const makeModelInspector = (store: Store): ModelInspector["Type"] => ({
  categoryRow: (projectId, id) =>
    Effect.sync(() => {
      const c = store.projects.get(projectId)?.categories?.get(id)
      if (c === undefined) return Option.none()
      const { created_at: _c, updated_at: _u, ...row } = c
      return Option.some(row)
    }),
  membershipRows: (projectId, notiflowId) => Effect.sync(() => [...(store.projects.get(projectId)?.memberships?.get(notiflowId) ?? [])]),
  globalCategoryRows: (projectId, userId) => Effect.sync(() => userById(store, projectId, userId)?.categories ?? {}),
  tenantSetRow: (projectId, userId, tenantId) =>
    Effect.sync(() => {
      const record = userById(store, projectId, userId)?.tenantSets?.get(tenantId)
      if (record === undefined) return Option.none()
      const { version, ...choices } = record.set
      return Option.some({ version, choices })
    }),
  tenantHistoryRows: (projectId, userId, tenantId) =>
    Effect.sync(() =>
      (userById(store, projectId, userId)?.tenantSets?.get(tenantId)?.history ?? []).map((e) => ({
        version: e.version,
        actor: e.actor,
        request_id: e.request_id,
        changes: e.changes
      }))
    ),
  tenantDefaultsRow: (projectId, tenantId) => Effect.sync(() => Option.fromNullable(store.projects.get(projectId)?.tenantDefaults?.get(tenantId)))
})
