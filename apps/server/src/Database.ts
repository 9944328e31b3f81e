/**
 * Chooses the storage: PostgreSQL when DATABASE_URL is set, else embedded PGlite.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { DrizzleDatabase, DuplicateApiKeysError, PgliteLockedError, PgliteOpenError, Repositories } from "@notiflows/adapters-drizzle"
import { layerPglite, layerPostgres } from "@notiflows/adapters-drizzle"
import type { RepositoryError } from "@notiflows/domain"
import { layerLinkCache, layerModelCache, layerProjectViewCache } from "@notiflows/domain"
import { isClusterWorker } from "./ClusterWorker.js"
import type { AppConfig } from "./Config.js"
import { Configuration } from "./Config.js"

export type { Repositories }

export type DatabaseError = RepositoryError | PgliteLockedError | PgliteOpenError | DuplicateApiKeysError

/**
 * The repository layer for a configuration (migrations run when it is built), with the
 * per-project caches in front (at most 5 s stale across instances, API.md §6, MODEL.md §6): the
 * catalog and settings, the v2 model (categories, memberships, tenant defaults), and the link keys
 * and scope records a token's verification reads (LINKS.md §2.3: key changes apply within 5 s).
 */
export const databaseLayer = (config: AppConfig): Layer.Layer<Repositories | DrizzleDatabase, DatabaseError> => {
  const t = config.databaseTimeouts
  const storage =
    config.databaseUrl !== undefined
      ? layerPostgres({
          url: config.databaseUrl,
          poolSize: config.databasePoolSize,
          prepare: config.databasePrepare,
          operationTimeoutMs: t.operationMs,
          connectTimeoutMs: t.connectMs,
          idleTimeoutMs: t.idleMs,
          maxLifetimeMs: t.maxLifetimeMs,
          keepAliveMs: t.keepAliveMs,
          reconnectBackoffMaxMs: t.reconnectBackoffMaxMs,
          // `serve --workers N`: the primary migrated before forking.
          migrate: !isClusterWorker()
        })
      : layerPglite(config.dataDir, config.pgliteSharedBuffersMb > 0 ? { sharedBuffersMb: config.pgliteSharedBuffersMb } : {})
  return Layer.provideMerge(layerLinkCache(), Layer.provideMerge(layerModelCache(), Layer.provideMerge(layerProjectViewCache(), storage)))
}

/** {@link databaseLayer} for the {@link Configuration} of the context. */
export const layerDatabase: Layer.Layer<Repositories | DrizzleDatabase, DatabaseError, Configuration> = Layer.unwrapEffect(
  Effect.map(Configuration, databaseLayer)
)

/** Where the data lives, for logs and messages (never the password). */
export const describeDatabase = (config: AppConfig): string => {
  if (config.databaseUrl === undefined) return `embedded PGlite at ${config.dataDir}`
  try {
    const url = new URL(config.databaseUrl)
    return `PostgreSQL at ${url.hostname}:${url.port || "5432"}${url.pathname}`
  } catch {
    return "PostgreSQL"
  }
}
