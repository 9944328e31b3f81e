/**
 * In-memory {@link ProjectRepository}: projects, their settings and defaults (with a revision
 * check) and API keys stored by hash.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ApiKey, Project, ProjectRepository } from "@notiflows/domain"
import { ApiKeyNotFound, newProject, ProjectNotFound, RepositoryError, VersionConflict } from "@notiflows/domain"
import { uuidv4 } from "./internal/ids.js"
import type { Store } from "./internal/store.js"
import { snapshot } from "./internal/store.js"

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

/** The port over a shared store. */
export const makeProjectRepository = (store: Store): ProjectRepository["Type"] => {
  const withProject = <A, E>(projectId: string, f: (project: Project) => Effect.Effect<A, E>) =>
    Effect.suspend((): Effect.Effect<A, E | ProjectNotFound> => {
      const record = store.projects.get(projectId)
      return record === undefined ? Effect.fail(new ProjectNotFound({ projectId })) : f(record.project)
    })
  const setProject = (project: Project): Project => {
    const record = store.projects.get(project.id)
    const stored = snapshot(project)
    if (record !== undefined) record.project = stored
    return stored
  }
  return {
    create: (input) =>
      Effect.map(now, (createdAt) => {
        const project: Project = snapshot(newProject(uuidv4(), input, createdAt))
        store.projects.set(project.id, { project, users: new Map(), userIds: new Map(), notiflows: new Map(), apiKeys: new Map() })
        return project
      }),
    get: (projectId) => Effect.sync(() => Option.fromNullable(store.projects.get(projectId)?.project)),
    list: () => Effect.sync(() => [...store.projects.values()].map((r) => r.project)),
    update: (projectId, change) =>
      withProject(projectId, (project) =>
        Effect.succeed(
          setProject({
            ...project,
            ...(change.name !== undefined ? { name: change.name } : {}),
            ...(change.securityMode !== undefined ? { securityMode: change.securityMode } : {}),
            ...(change.allowedOrigins !== undefined ? { allowedOrigins: change.allowedOrigins } : {}),
            ...(change.signingKeys !== undefined ? { signingKeys: change.signingKeys } : {})
          })
        )
      ),
    saveDefaults: (projectId, defaults, expectedRevision) =>
      withProject(projectId, (project) =>
        project.defaultsRevision !== expectedRevision
          ? Effect.fail(new VersionConflict({ expected: expectedRevision, actual: project.defaultsRevision }))
          : Effect.succeed(setProject({ ...project, defaults, defaultsRevision: project.defaultsRevision + 1 }))
      ),
    createApiKey: (input) =>
      Effect.flatMap(now, (createdAt) =>
        Effect.suspend((): Effect.Effect<ApiKey, ProjectNotFound | RepositoryError> => {
          const record = store.projects.get(input.projectId)
          if (record === undefined) return Effect.fail(new ProjectNotFound({ projectId: input.projectId }))
          if (store.keysByHash.has(input.hash)) {
            // A unique index in SQL; a collision of SHA-256 hashes means the same key twice.
            return Effect.fail(new RepositoryError({ operation: "apiKeys.create", unavailable: false, cause: new Error("duplicate key hash") }))
          }
          const key: ApiKey = snapshot({ id: uuidv4(), projectId: input.projectId, kind: input.kind, prefix: input.prefix, createdAt, revokedAt: null })
          record.apiKeys.set(key.id, { key, hash: input.hash })
          store.keysByHash.set(input.hash, [input.projectId, key.id])
          return Effect.succeed(key)
        })
      ),
    findApiKeyByHash: (hash) =>
      Effect.sync(() => {
        const ref = store.keysByHash.get(hash)
        return Option.fromNullable(ref === undefined ? undefined : store.projects.get(ref[0])?.apiKeys.get(ref[1])?.key)
      }),
    listApiKeys: (projectId) => Effect.sync(() => [...(store.projects.get(projectId)?.apiKeys.values() ?? [])].map((k) => k.key)),
    revokeApiKey: (projectId, keyId, at) =>
      Effect.suspend((): Effect.Effect<ApiKey, ApiKeyNotFound> => {
        const stored = store.projects.get(projectId)?.apiKeys.get(keyId)
        if (stored === undefined) return Effect.fail(new ApiKeyNotFound({ keyId }))
        // Revoking twice keeps the first revocation time.
        if (stored.key.revokedAt === null) stored.key = snapshot({ ...stored.key, revokedAt: at })
        return Effect.succeed(stored.key)
      })
  }
}
