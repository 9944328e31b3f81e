/**
 * The in-memory adapters' {@link StorageInspector}: reads the store's maps directly, bypassing
 * the ports.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Store } from "./internal/store.js"
import { userById, usersOf } from "./internal/store.js"
import type { StorageInspector } from "./StorageInspector.js"

/** The inspector over a shared store. */
export const makeStorageInspector = (store: Store): StorageInspector["Type"] => ({
  preferenceRow: (projectId, userId) =>
    Effect.sync(() =>
      Option.map(Option.fromNullable(userById(store, projectId, userId)), (r) => ({
        version: r.preferences.version,
        choices: { channel_types: r.preferences.channel_types, notiflows: r.preferences.notiflows }
      }))
    ),
  historyRows: (projectId, userId) =>
    Effect.sync(() =>
      (userById(store, projectId, userId)?.history ?? []).map((e) => ({
        version: e.version,
        actor: e.actor,
        request_id: e.request_id,
        changes: e.changes
      }))
    ),
  userRow: (projectId, externalId) =>
    Effect.sync(() =>
      Option.map(Option.fromNullable(usersOf(store, projectId).get(externalId)), ({ user }) => ({
        id: user.id,
        external_id: user.external_id,
        revision: user.revision,
        email: user.email,
        custom_fields: user.custom_fields
      }))
    ),
  userCount: (projectId) => Effect.sync(() => usersOf(store, projectId).size),
  notiflowRow: (projectId, id) =>
    Effect.sync(() => {
      const n = store.projects.get(projectId)?.notiflows.get(id)
      return n === undefined
        ? Option.none()
        : Option.some({
            id: n.id,
            name: n.name,
            include_in_preferences: n.include_in_preferences,
            required: n.required,
            default_enabled: n.default_enabled,
            default_channel_types: n.default_channel_types,
            deleted: n.deleted,
            revision: n.revision
          })
    }),
  apiKeyRows: (projectId) =>
    Effect.sync(() =>
      [...(store.projects.get(projectId)?.apiKeys.values() ?? [])].map(({ key, hash }) => ({
        id: key.id,
        kind: key.kind,
        prefix: key.prefix,
        hash,
        revoked: key.revokedAt !== null
      }))
    ),
  projectRow: (projectId) =>
    Effect.sync(() =>
      Option.map(Option.fromNullable(store.projects.get(projectId)?.project), (p) => ({
        id: p.id,
        name: p.name,
        security_mode: p.securityMode,
        defaults: p.defaults,
        defaults_revision: p.defaultsRevision
      }))
    )
})
