/**
 * Chooses the storage: PostgreSQL when DATABASE_URL is set, else embedded PGlite.
 */
import * as Layer from "effect/Layer"
import type { DrizzleDatabase, Repositories } from "@notiflows/adapters-drizzle"
import { layerPglite, layerPostgres } from "@notiflows/adapters-drizzle"
import { layerProjectViewCache } from "@notiflows/domain"
import type { Config } from "./Config.js"

export type { Repositories }

/**
 * The repository layer for a configuration (migrations run when it is built), with the
 * per-project cache of catalog and settings in front (at most 5 s stale across instances).
 */
export const databaseLayer = (config: Config): Layer.Layer<Repositories | DrizzleDatabase, unknown> => {
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
          reconnectBackoffMaxMs: t.reconnectBackoffMaxMs
        })
      : layerPglite(config.dataDir)
  return Layer.provideMerge(layerProjectViewCache(), storage)
}

/** Where the data lives, for logs (never the password). */
export const describeDatabase = (config: Config): string => {
  if (config.databaseUrl === undefined) return `embedded PGlite at ${config.dataDir}`
  try {
    const url = new URL(config.databaseUrl)
    return `PostgreSQL at ${url.hostname}:${url.port || "5432"}${url.pathname}`
  } catch {
    return "PostgreSQL"
  }
}
