/**
 * {@link ProjectRepository} over drizzle: projects with their allowed origins and signing keys
 * (read back in one query), channel defaults at a revision, and API keys stored by hash.
 */
import { and, asc, eq, sql } from "drizzle-orm"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ApiKey, ApiKeyConflict, EnsuredProject, Project, ProjectId, RepositoryError, SigningKey } from "@notiflows/domain"
import { ApiKeyNotFound, newProject, ProjectNotFound, ProjectRepository, VersionConflict } from "@notiflows/domain"
import { apiKeys, projectAllowedOrigins, projectSigningKeys, projects } from "./schema.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { errorCode } from "./internal/errors.js"
import { newProjectId } from "./internal/ids.js"
import { insertActiveLinkKey } from "./internal/linkKeys.js"
import { projectSelection, toApiKey, toProject } from "./internal/projectRows.js"
import { ensureFirst, ensureWithKeys, insertKey } from "./internal/provisioning.js"
import { Abort, run, runTransaction } from "./internal/promiseToEffect.js"
import { withEvents } from "./internal/outbox.js"
import { hot, json } from "./internal/statements.js"

const P = sql.placeholder

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

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

  const get = (projectId: ProjectId): Effect.Effect<Option.Option<Project>, RepositoryError> =>
    Effect.map(run("projects.get", () => getStatement.execute({ projectId })), (rows) =>
      Option.map(Option.fromNullable(rows[0]), toProject)
    )

  const mustGet = (projectId: ProjectId, operation: string): Effect.Effect<Project, ProjectNotFound | RepositoryError> =>
    Effect.flatMap(get(projectId), (o) =>
      Option.match(o, {
        onNone: () => Effect.fail(new ProjectNotFound({ projectId })),
        onSome: Effect.succeed
      })
    ).pipe(Effect.withSpan(operation))

  const replaceLists = async (
    tx: NotiflowsDatabase,
    projectId: ProjectId,
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
        Effect.map(Clock.currentTimeMillis, (ms) => ({ id: newProjectId(), at: new Date(ms) })),
        ({ id, at }) =>
          Effect.as(
            run("projects.create", () =>
              db.transaction(async (tx) => {
                await tx.insert(projects).values({ id, name: input.name, securityMode: input.securityMode, createdAt: at, updatedAt: at })
                // LINKS.md §2.3: the first link key is made in the project's creation transaction.
                await insertActiveLinkKey(tx, id, at)
              })
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
      Effect.zipRight(
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
    saveDefaults: (projectId, defaults, expectedRevision, events) =>
      Effect.flatMap(
        run("projects.saveDefaults", () =>
          withEvents(db, projectId, events, (tx) =>
          tx
            .update(projects)
            .set({
              defaults: sql`${json({ channel_types: defaults.channel_types })}::jsonb`,
              defaultsRevision: sql`${projects.defaultsRevision} + 1`,
              updatedAt: new Date()
            })
            .where(and(eq(projects.id, projectId), eq(projects.defaultsRevision, expectedRevision)))
            .returning({ id: projects.id })
        )),
        (rows): Effect.Effect<Project, VersionConflict | ProjectNotFound | RepositoryError> =>
          rows.length > 0
            ? mustGet(projectId, "projects.saveDefaults")
            : Effect.flatMap(mustGet(projectId, "projects.saveDefaults"), (project) =>
                Effect.fail(new VersionConflict({ expected: expectedRevision, actual: project.defaultsRevision }))
              )
      ),
    createApiKey: (key) =>
      Effect.flatMap(now, (at) =>
        runTransaction<ApiKey, ProjectNotFound | ApiKeyConflict>("apiKeys.create", async () => {
          try {
            const [row] = await insertKey(db, key.projectId, key.kind, key, at)
            if (row === undefined) throw new Error("insert returned no row")
            return toApiKey(row)
          } catch (e) {
            // 23503: the project's foreign key.
            if (errorCode(e) === "23503") throw new Abort(new ProjectNotFound({ projectId: key.projectId }))
            throw e
          }
        })
      ),
    findApiKeyByHash: (hash) =>
      Effect.map(run("apiKeys.findByHash", () => keyByHash.execute({ hash })), (rows) =>
        Option.map(Option.fromNullable(rows[0]), toApiKey)
      ),
    listApiKeys: (projectId) =>
      Effect.map(
        run("apiKeys.list", () =>
          db.select().from(apiKeys).where(eq(apiKeys.projectId, projectId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
        ),
        (rows) => rows.map(toApiKey)
      ),
    revokeApiKey: (projectId, keyId, at) =>
      Effect.flatMap(
        run("apiKeys.revoke", () =>
          db
            .update(apiKeys)
            // Revoking twice keeps the first revocation time.
            .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${at.toISOString()}::timestamptz)` })
            .where(and(eq(apiKeys.projectId, projectId), eq(apiKeys.id, keyId)))
            .returning()
        ),
        (rows) => (rows[0] !== undefined ? Effect.succeed(toApiKey(rows[0])) : Effect.fail(new ApiKeyNotFound({ keyId })))
      ),
    ensureProjectWithKeys: (input) =>
      Effect.flatMap(now, (at) => runTransaction<EnsuredProject, ApiKeyConflict>("projects.ensureWithKeys", () => ensureWithKeys(db, input, at))),
    ensureFirstProject: (input) =>
      Effect.flatMap(now, (at) => runTransaction<EnsuredProject, ApiKeyConflict>("projects.ensureFirst", () => ensureFirst(db, input, at)))
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<ProjectRepository, never, DrizzleDatabase> = Layer.effect(ProjectRepository, Effect.map(DrizzleDatabase, make))
