/**
 * {@link ProjectRepository} over drizzle: projects with their allowed origins and signing keys
 * (read back in one query), channel defaults at a revision, and API keys stored by hash.
 */
import { and, asc, eq, sql } from "drizzle-orm"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ApiKey, ApiKeyKind, Project, ProjectDefaults, RepositoryError, SecurityMode, SigningKey } from "@notiflows/domain"
import { ApiKeyNotFound, newProject, ProjectNotFound, ProjectRepository, VersionConflict } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { apiKeys, projectAllowedOrigins, projectSigningKeys, projects } from "./schema.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { errorCode } from "./internal/errors.js"
import { Abort, run, runTransaction } from "./internal/promiseToEffect.js"
import { fromJson, hot, isUuid, json } from "./internal/statements.js"

const P = sql.placeholder

/** Project columns plus its origins and signing keys, aggregated in the same query. */
const projectSelection = {
  id: projects.id,
  name: projects.name,
  securityMode: projects.securityMode,
  defaults: projects.defaults,
  defaultsRevision: projects.defaultsRevision,
  createdAt: projects.createdAt,
  allowedOrigins: sql<unknown>`coalesce((select json_agg(o.origin order by o.position) from ${projectAllowedOrigins} o where o.project_id = ${projects.id}), '[]'::json)`,
  signingKeys: sql<unknown>`coalesce((select json_agg(json_build_object('kid', k.kid, 'publicKeyPem', k.public_key_pem) order by k.position) from ${projectSigningKeys} k where k.project_id = ${projects.id}), '[]'::json)`
}

type ProjectRow = {
  readonly id: string
  readonly name: string
  readonly securityMode: string
  readonly defaults: unknown
  readonly defaultsRevision: number
  readonly createdAt: Date
  readonly allowedOrigins: unknown
  readonly signingKeys: unknown
}

const toProject = (r: ProjectRow): Project => {
  const defaults = fromJson<Partial<ProjectDefaults> | null>(r.defaults)
  return {
    id: r.id,
    name: r.name,
    securityMode: r.securityMode as SecurityMode,
    allowedOrigins: fromJson<ReadonlyArray<string>>(r.allowedOrigins),
    signingKeys: fromJson<ReadonlyArray<SigningKey>>(r.signingKeys),
    defaults: { channel_types: defaults?.channel_types ?? {} },
    defaultsRevision: r.defaultsRevision,
    createdAt: r.createdAt
  }
}

type ApiKeyRow = typeof apiKeys.$inferSelect

const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  projectId: r.projectId,
  kind: r.kind as ApiKeyKind,
  prefix: r.prefix,
  createdAt: r.createdAt,
  revokedAt: r.revokedAt
})

/** The port over a database. */
export const make = ({ db, prepare }: Database): ProjectRepository["Type"] => {
  const getStatement = hot(
    db.select(projectSelection).from(projects).where(eq(projects.id, P("projectId"))),
    "nf_projects_get",
    prepare
  )
  const keyByHash = hot(
    db.select().from(apiKeys).where(eq(apiKeys.hash, P("hash"))).orderBy(asc(apiKeys.createdAt)).limit(1),
    "nf_api_keys_by_hash",
    prepare
  )

  const get = (projectId: string): Effect.Effect<Option.Option<Project>, RepositoryError> =>
    !isUuid(projectId)
      ? Effect.succeed(Option.none())
      : Effect.map(run("projects.get", () => getStatement.execute({ projectId })), (rows) =>
          Option.map(Option.fromNullable(rows[0]), toProject)
        )

  const mustGet = (projectId: string, operation: string): Effect.Effect<Project, ProjectNotFound | RepositoryError> =>
    Effect.flatMap(get(projectId), (o) =>
      Option.match(o, {
        onNone: () => Effect.fail(new ProjectNotFound({ projectId })),
        onSome: Effect.succeed
      })
    ).pipe(Effect.withSpan(operation))

  const replaceLists = async (
    tx: NotiflowsDatabase,
    projectId: string,
    origins: ReadonlyArray<string> | undefined,
    keys: ReadonlyArray<SigningKey> | undefined
  ) => {
    if (origins !== undefined) {
      await tx.delete(projectAllowedOrigins).where(eq(projectAllowedOrigins.projectId, projectId))
      const unique = [...new Set(origins)]
      if (unique.length > 0) {
        await tx.insert(projectAllowedOrigins).values(unique.map((origin, position) => ({ projectId, origin, position })))
      }
    }
    if (keys !== undefined) {
      await tx.delete(projectSigningKeys).where(eq(projectSigningKeys.projectId, projectId))
      // One key per kid: the last one given wins.
      const byKid = new Map(keys.map((k) => [k.kid, k]))
      if (byKid.size > 0) {
        await tx
          .insert(projectSigningKeys)
          .values([...byKid.values()].map((k, position) => ({ projectId, kid: k.kid, publicKeyPem: k.publicKeyPem, position })))
      }
    }
  }

  return {
    create: (input) =>
      Effect.flatMap(
        Effect.map(Clock.currentTimeMillis, (ms) => ({ id: uuidv7(), at: new Date(ms) })),
        ({ id, at }) =>
          Effect.as(
            run("projects.create", () =>
              db.insert(projects).values({ id, name: input.name, securityMode: input.securityMode, createdAt: at, updatedAt: at })
            ),
            newProject(id, input, at)
          )
      ),
    get,
    list: () =>
      Effect.map(
        run("projects.list", () => db.select(projectSelection).from(projects).orderBy(asc(projects.createdAt), asc(projects.id))),
        (rows) => rows.map(toProject)
      ),
    update: (projectId, change) =>
      !isUuid(projectId)
        ? Effect.fail(new ProjectNotFound({ projectId }))
        : Effect.zipRight(
            runTransaction<void, ProjectNotFound>("projects.update", () =>
              db.transaction(async (tx) => {
                const found = await tx
                  .update(projects)
                  .set({
                    ...(change.name !== undefined ? { name: change.name } : {}),
                    ...(change.securityMode !== undefined ? { securityMode: change.securityMode } : {}),
                    updatedAt: new Date()
                  })
                  .where(eq(projects.id, projectId))
                  .returning({ id: projects.id })
                if (found.length === 0) throw new Abort(new ProjectNotFound({ projectId }))
                await replaceLists(tx, projectId, change.allowedOrigins, change.signingKeys)
              })
            ),
            mustGet(projectId, "projects.update")
          ),
    saveDefaults: (projectId, defaults, expectedRevision) =>
      !isUuid(projectId)
        ? Effect.fail(new ProjectNotFound({ projectId }))
        : Effect.flatMap(
            run("projects.saveDefaults", () =>
              db
                .update(projects)
                .set({
                  defaults: sql`${json({ channel_types: defaults.channel_types })}::jsonb`,
                  defaultsRevision: sql`${projects.defaultsRevision} + 1`,
                  updatedAt: new Date()
                })
                .where(and(eq(projects.id, projectId), eq(projects.defaultsRevision, expectedRevision)))
                .returning({ id: projects.id })
            ),
            (rows): Effect.Effect<Project, VersionConflict | ProjectNotFound | RepositoryError> =>
              rows.length > 0
                ? mustGet(projectId, "projects.saveDefaults")
                : Effect.flatMap(mustGet(projectId, "projects.saveDefaults"), (project) =>
                    Effect.fail(new VersionConflict({ expected: expectedRevision, actual: project.defaultsRevision }))
                  )
          ),
    createApiKey: (key) =>
      !isUuid(key.projectId)
        ? Effect.fail(new ProjectNotFound({ projectId: key.projectId }))
        : Effect.flatMap(
            Effect.map(Clock.currentTimeMillis, (ms) => ({ id: uuidv7(), at: new Date(ms) })),
            ({ id, at }) =>
              Effect.tryPromise({
                try: () =>
                  db
                    .insert(apiKeys)
                    .values({ projectId: key.projectId, id, kind: key.kind, prefix: key.prefix, hash: key.hash, createdAt: at, revokedAt: null })
                    .returning(),
                catch: (e) => e
              }).pipe(
                Effect.flatMap((rows) =>
                  rows[0] !== undefined
                    ? Effect.succeed(toApiKey(rows[0]))
                    : Effect.die(new Error("insert returned no row"))
                ),
                Effect.catchAll((e): Effect.Effect<never, ProjectNotFound | RepositoryError> =>
                  // 23503: the project's foreign key.
                  errorCode(e) === "23503"
                    ? Effect.fail(new ProjectNotFound({ projectId: key.projectId }))
                    : run("apiKeys.create", () => Promise.reject(e))
                )
              )
          ),
    findApiKeyByHash: (hash) =>
      Effect.map(run("apiKeys.findByHash", () => keyByHash.execute({ hash })), (rows) =>
        Option.map(Option.fromNullable(rows[0]), toApiKey)
      ),
    listApiKeys: (projectId) =>
      !isUuid(projectId)
        ? Effect.succeed([])
        : Effect.map(
            run("apiKeys.list", () =>
              db.select().from(apiKeys).where(eq(apiKeys.projectId, projectId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
            ),
            (rows) => rows.map(toApiKey)
          ),
    revokeApiKey: (projectId, keyId, at) =>
      !isUuid(projectId) || !isUuid(keyId)
        ? Effect.fail(new ApiKeyNotFound({ keyId }))
        : Effect.flatMap(
            run("apiKeys.revoke", () =>
              db
                .update(apiKeys)
                // Revoking twice keeps the first revocation time.
                .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at.toISOString()}::timestamptz)` })
                .where(and(eq(apiKeys.projectId, projectId), eq(apiKeys.id, keyId)))
                .returning()
            ),
            (rows) => (rows[0] !== undefined ? Effect.succeed(toApiKey(rows[0])) : Effect.fail(new ApiKeyNotFound({ keyId })))
          )
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<ProjectRepository, never, DrizzleDatabase> = Layer.effect(ProjectRepository, Effect.map(DrizzleDatabase, make))
