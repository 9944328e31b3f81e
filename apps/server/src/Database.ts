/**
 * Chooses the storage: PostgreSQL when DATABASE_URL is set, else embedded PGlite.
 */
import type * as Layer from "effect/Layer"
import { layerPglite, layerPostgres } from "@notiflows/adapters-drizzle"
import type { NotiflowCatalogRepository, PreferenceRepository, ProjectRepository, UserRepository } from "@notiflows/domain"
import type { Config } from "./Config.js"

export type Repositories = PreferenceRepository | UserRepository | NotiflowCatalogRepository | ProjectRepository

/** The repository layer for a configuration (migrations run when it is built). */
export const databaseLayer = (config: Config): Layer.Layer<Repositories, unknown> =>
  config.databaseUrl !== undefined
    ? layerPostgres({ url: config.databaseUrl, poolSize: config.databasePoolSize, prepare: config.databasePrepare })
    : layerPglite(config.dataDir)

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
