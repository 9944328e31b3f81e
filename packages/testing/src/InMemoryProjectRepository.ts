/**
 * In-memory {@link ProjectRepository}: projects, their settings and defaults (with a revision
 * check) and API keys stored by hash.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { ApiKey, ApiKeyKind, ApiKeyMaterial, EnsuredProject, EnsureProject, Project, ProjectId, ProjectRepository } from "@notiflows/domain"
import {
  ApiKeyConflict,
  ApiKeyNotFound,
  newProject,
  planEnsureWithKeys,
  ProjectNotFound,
  VersionConflict,
  withSigningKey
} from "@notiflows/domain"
import { randomApiKeyId, randomProjectId } from "./Ids.js"
import type { Store } from "./internal/store.js"
import { appendEvents, snapshot } from "./internal/store.js"

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
  const addProject = (input: { readonly name: string; readonly securityMode: Project["securityMode"] }, createdAt: Date): Project => {
    const project: Project = snapshot(newProject(randomProjectId(), input, createdAt))
    store.projects.set(project.id, { project, users: new Map(), userIds: new Map(), notiflows: new Map(), apiKeys: new Map() })
    return project
  }
  /** Stores a key whose project exists and whose hash is free (the caller checked both). */
  const addKey = (projectId: ProjectId, kind: ApiKeyKind, material: ApiKeyMaterial, createdAt: Date): ApiKey => {
    const key: ApiKey = snapshot({ id: randomApiKeyId(), projectId, kind, prefix: material.prefix, createdAt, revokedAt: null })
    store.projects.get(projectId)?.apiKeys.set(key.id, { key, hash: material.hash })
    store.keysByHash.set(material.hash, [projectId, key.id])
    return key
  }
  const keyByHash = (hash: string): Option.Option<ApiKey> => {
    const ref = store.keysByHash.get(hash)
    return Option.fromNullable(ref === undefined ? undefined : store.projects.get(ref[0])?.apiKeys.get(ref[1])?.key)
  }
  /** A new project with both keys, in one synchronous section (so atomic, like the SQL transaction). */
  const createWithKeys = (input: EnsureProject, createdAt: Date): Either.Either<Project, ApiKeyConflict> => {
    if (store.keysByHash.has(input.secretKey.hash)) return Either.left(new ApiKeyConflict({ kind: "secret", reason: "hash_taken" }))
    if (store.keysByHash.has(input.publicKey.hash) || input.publicKey.hash === input.secretKey.hash) {
      return Either.left(new ApiKeyConflict({ kind: "public", reason: "hash_taken" }))
    }
    const project = addProject(input, createdAt)
    addKey(project.id, "secret", input.secretKey, createdAt)
    addKey(project.id, "public", input.publicKey, createdAt)
    return Either.right(project)
  }
  return {
    create: (input) => Effect.map(now, (createdAt) => addProject(input, createdAt)),
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
    saveDefaults: (projectId, defaults, expectedRevision, events) =>
      withProject(projectId, (project) => {
        if (project.defaultsRevision !== expectedRevision) {
          return Effect.fail(new VersionConflict({ expected: expectedRevision, actual: project.defaultsRevision }))
        }
        const saved = setProject({ ...project, defaults, defaultsRevision: project.defaultsRevision + 1 })
        appendEvents(store, project.id, events)
        return Effect.succeed(saved)
      }),
    createApiKey: (input) =>
      Effect.flatMap(now, (createdAt) =>
        Effect.suspend((): Effect.Effect<ApiKey, ProjectNotFound | ApiKeyConflict> => {
          if (!store.projects.has(input.projectId)) return Effect.fail(new ProjectNotFound({ projectId: input.projectId }))
          // A unique index on the hash in SQL: a key alone identifies its project.
          if (store.keysByHash.has(input.hash)) return Effect.fail(new ApiKeyConflict({ kind: input.kind, reason: "hash_taken" }))
          return Effect.succeed(addKey(input.projectId, input.kind, input, createdAt))
        })
      ),
    findApiKeyByHash: (hash) => Effect.sync(() => keyByHash(hash)),
    listApiKeys: (projectId) => Effect.sync(() => [...(store.projects.get(projectId)?.apiKeys.values() ?? [])].map((k) => k.key)),
    revokeApiKey: (projectId, keyId, at) =>
      Effect.suspend((): Effect.Effect<ApiKey, ApiKeyNotFound> => {
        const stored = store.projects.get(projectId)?.apiKeys.get(keyId)
        if (stored === undefined) return Effect.fail(new ApiKeyNotFound({ keyId }))
        // Revoking twice keeps the first revocation time.
        if (stored.key.revokedAt === null) stored.key = snapshot({ ...stored.key, revokedAt: at })
        return Effect.succeed(stored.key)
      }),
    ensureProjectWithKeys: (input) =>
      Effect.flatMap(now, (at) =>
        Effect.suspend((): Effect.Effect<EnsuredProject, ApiKeyConflict> => {
          const plan = planEnsureWithKeys(keyByHash(input.secretKey.hash), keyByHash(input.publicKey.hash))
          if (Either.isLeft(plan)) return Effect.fail(plan.left)
          let created = false
          let projectId: ProjectId
          if (plan.right._tag === "Create") {
            const made = createWithKeys(input, at)
            if (Either.isLeft(made)) return Effect.fail(made.left)
            projectId = made.right.id
            created = true
          } else {
            projectId = plan.right.projectId
            if (plan.right.addPublicKey) addKey(projectId, "public", input.publicKey, at)
          }
          const project = store.projects.get(projectId)!.project
          const updated = setProject({ ...project, securityMode: input.securityMode, signingKeys: withSigningKey(project.signingKeys, input.signingKey) })
          return Effect.succeed({ project: updated, created })
        })
      ),
    ensureFirstProject: (input) =>
      Effect.flatMap(now, (at) =>
        Effect.suspend((): Effect.Effect<EnsuredProject, ApiKeyConflict> => {
          const first = store.projects.values().next()
          if (first.done !== true) return Effect.succeed({ project: first.value.project, created: false })
          return Either.match(createWithKeys(input, at), {
            onLeft: Effect.fail,
            onRight: (project) => Effect.succeed({ project, created: true })
          })
        })
      )
  }
}
