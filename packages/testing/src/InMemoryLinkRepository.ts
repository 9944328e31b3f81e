/**
 * In-memory {@link LinkRepository}: link keys (one active per project, made at first use),
 * scope records shared per `{scope, tenant_id}` pair, users' `links_valid_after`.
 */
import { randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ExternalUserId, LinkKey, LinkScopeRecord, LinkUser, ProjectId } from "@notiflows/domain"
import { LinkKeyActive, LinkKeyNotFound, scopeRecordKey } from "@notiflows/domain"
import type { LinkRepository } from "@notiflows/domain"
import type { ProjectRecord, Store } from "./internal/store.js"
import { linkUser, requireProject, userById } from "./internal/store.js"

const newKey = (projectId: ProjectId, at: Date): LinkKey => ({
  projectId,
  kid: randomBytes(4).toString("hex"),
  secret: new Uint8Array(randomBytes(32)),
  active: true,
  createdAt: at,
  revokedAt: null
})

const keysOf = (project: ProjectRecord): Array<LinkKey> => (project.linkKeys ??= [])

/** Replaces the key with the same kid. */
const put = (project: ProjectRecord, key: LinkKey): LinkKey => {
  const keys = keysOf(project)
  keys.splice(keys.findIndex((k) => k.kid === key.kid), 1, key)
  return key
}

const scopeId = (taken: ReadonlyMap<string, unknown>): string => {
  for (;;) {
    const id = randomBytes(8).toString("hex")
    if (id !== "0000000000000000" && !taken.has(id)) return id
  }
}

/** The port over a shared store. */
export const makeLinkRepository = (store: Store): LinkRepository["Type"] => ({
  activeKey: (projectId) =>
    Effect.map(requireProject(store, projectId, "links.activeKey"), (project) => {
      const keys = keysOf(project)
      const found = keys.find((k) => k.active)
      if (found !== undefined) return found
      const made = newKey(projectId, new Date())
      keys.push(made)
      return made
    }),
  findKey: (projectId, kid) => Effect.sync(() => Option.fromNullable(store.projects.get(projectId)?.linkKeys?.find((k) => k.kid === kid))),
  listKeys: (projectId) => Effect.sync(() => [...(store.projects.get(projectId)?.linkKeys ?? [])]),
  rotate: (projectId, at) =>
    Effect.map(requireProject(store, projectId, "links.rotate"), (project) => {
      for (const k of keysOf(project)) if (k.active) put(project, { ...k, active: false })
      const made = newKey(projectId, at)
      keysOf(project).push(made)
      return made
    }),
  revoke: (projectId, kid, at) =>
    Effect.suspend((): Effect.Effect<LinkKey, LinkKeyNotFound | LinkKeyActive> => {
      const project = store.projects.get(projectId)
      const key = project?.linkKeys?.find((k) => k.kid === kid)
      if (project === undefined || key === undefined) return Effect.fail(new LinkKeyNotFound({ kid }))
      if (key.active) return Effect.fail(new LinkKeyActive({ kid }))
      return Effect.succeed(put(project, { ...key, revokedAt: key.revokedAt ?? at }))
    }),
  revokeAll: (projectId, at) =>
    Effect.map(requireProject(store, projectId, "links.revokeAll"), (project) => {
      let revoked = 0
      for (const k of [...keysOf(project)]) {
        if (k.revokedAt === null) revoked++
        put(project, { ...k, active: false, revokedAt: k.revokedAt ?? at })
      }
      const made = newKey(projectId, at)
      keysOf(project).push(made)
      return { key: made, revoked }
    }),
  ensureScope: (projectId, scope, tenantId) =>
    Effect.map(requireProject(store, projectId, "links.ensureScope"), (project): LinkScopeRecord => {
      const records = (project.linkScopes ??= new Map())
      const key = scopeRecordKey(scope, tenantId)
      for (const r of records.values()) if (r.key === key) return { id: r.id, scope: r.scope, tenantId: r.tenantId }
      const record = { id: scopeId(records), scope: scope === null ? null : structuredClone(scope), tenantId, key }
      records.set(record.id, record)
      return { id: record.id, scope: record.scope, tenantId }
    }),
  findScope: (projectId, id) =>
    Effect.sync(() =>
      Option.map(Option.fromNullable(store.projects.get(projectId)?.linkScopes?.get(id)), (r): LinkScopeRecord => ({ id: r.id, scope: r.scope, tenantId: r.tenantId }))
    ),
  findUser: (projectId, userId) => Effect.sync(() => Option.map(Option.fromNullable(userById(store, projectId, userId)), linkUser)),
  findUserPromise: async (projectId, userId) => Option.map(Option.fromNullable(userById(store, projectId, userId)), linkUser),
  findUsers: (projectId, externalIds) =>
    Effect.sync(() => {
      const out = new Map<ExternalUserId, LinkUser>()
      const users = store.projects.get(projectId)?.users
      for (const id of externalIds) {
        const r = users?.get(id)
        if (r !== undefined) out.set(id, linkUser(r))
      }
      return out
    }),
  revokeUserLinks: (projectId, externalId, at) =>
    Effect.sync(() => {
      const r = store.projects.get(projectId)?.users.get(externalId)
      if (r === undefined) return Option.none()
      r.linksValidAfter = at
      return Option.some(at)
    })
})
