/**
 * The two drivers: PostgreSQL through postgres.js (production) and PGlite embedded in-process
 * (the zero-setup default). Each layer connects, runs the migrations, and provides the four
 * repository ports (v1 and the model v2's categories, tenants and scoped sets) plus the {@link DrizzleDatabase} they run on.
 */
import { drizzle as drizzlePglite } from "drizzle-orm/pglite"
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import type { RepositoryError } from "@notiflows/domain"
import * as DrizzleCategoryRepository from "./DrizzleCategoryRepository.js"
import * as DrizzleEventRepository from "./DrizzleEventRepository.js"
import * as DrizzleIdempotencyRepository from "./DrizzleIdempotencyRepository.js"
import * as DrizzleJobRepository from "./DrizzleJobRepository.js"
import * as DrizzleBrandingRepository from "./DrizzleBrandingRepository.js"
import * as DrizzleWebhookRepository from "./DrizzleWebhookRepository.js"
import * as DrizzleWebhookDeliveryRepository from "./DrizzleWebhookDeliveryRepository.js"
import * as DrizzleLinkRepository from "./DrizzleLinkRepository.js"
import * as DrizzleNotiflowCatalogRepository from "./DrizzleNotiflowCatalogRepository.js"
import * as DrizzlePreferenceRepository from "./DrizzlePreferenceRepository.js"
import * as DrizzleProjectRepository from "./DrizzleProjectRepository.js"
import * as DrizzleScopedPreferenceRepository from "./DrizzleScopedPreferenceRepository.js"
import * as DrizzleTenantRepository from "./DrizzleTenantRepository.js"
import * as DrizzleUserRepository from "./DrizzleUserRepository.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { toRepositoryError } from "./internal/errors.js"
import { openPglite } from "./internal/pgliteOpen.js"
import type { Repositories } from "./internal/timeouts.js"
import { bounded, boundRepositories, driverCall } from "./internal/timeouts.js"
import type { MigrateOptions } from "./Migrate.js"
import { DuplicateApiKeysError, migratePglite, migratePostgres } from "./Migrate.js"
import { PgliteLockedError, acquirePgliteLock } from "./PgliteLock.js"

export type { Repositories } from "./internal/timeouts.js"

export interface PostgresConfig {
  readonly url: string
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /**
   * Named prepared statements (default true). `false` (`DATABASE_PREPARE=false`) for a
   * transaction-mode pooler such as pgbouncer: postgres.js sends unnamed statements and the hot
   * statements are not drizzle-prepared.
   */
  readonly prepare?: boolean
  /** Run the migrations on start-up (default true). */
  readonly migrate?: boolean
  readonly migrations?: MigrateOptions
  /**
   * Time bound of every repository operation in ms (default {@link POSTGRES_DEFAULTS}: 4000; 0
   * disables). Past it the operation fails with `RepositoryError { unavailable: true }` (HTTP 503);
   * the statement already sent is not cancelled (see `internal/timeouts.ts`).
   */
  readonly operationTimeoutMs?: number
  /** Time to establish a connection, TCP to the first ReadyForQuery, in ms (default 3000). */
  readonly connectTimeoutMs?: number
  /** Close a connection idle this long, in ms (default 30 s; 0 never). */
  readonly idleTimeoutMs?: number
  /** Replace a connection after this long, in ms (default 15 min; 0 never). */
  readonly maxLifetimeMs?: number
  /** TCP keepalive: first probe after this much idleness, in ms (default 10 s; 0 off). */
  readonly keepAliveMs?: number
  /**
   * Cap of the reconnect back-off after failed connects, in ms (default 1000). postgres.js grows
   * it exponentially to 20 s, which would keep the service answering 503 for up to 20 s after the
   * database is back.
   */
  readonly reconnectBackoffMaxMs?: number
}

/** The postgres.js defaults of {@link layerPostgres}: fail within 5 s, recover within ~1 s. */
export const POSTGRES_DEFAULTS = {
  poolSize: 10,
  operationTimeoutMs: 4_000,
  connectTimeoutMs: 3_000,
  idleTimeoutMs: 30_000,
  maxLifetimeMs: 15 * 60_000,
  keepAliveMs: 10_000,
  reconnectBackoffMaxMs: 1_000
} as const

export interface PgliteOptions {
  /** Drizzle-prepare the hot statements (default true). */
  readonly prepare?: boolean
  readonly migrations?: MigrateOptions
  /**
   * Time bound of every repository operation in ms (default none: PGlite runs in-process, there is
   * no network to lose, and under load its queue is long rather than broken).
   */
  readonly operationTimeoutMs?: number
  /**
   * PostgreSQL's `shared_buffers` of the embedded server, in MiB (default: leave the data directory's setting, PGlite's 128 MiB unless set before). It is
   * most of an idle service's memory: on an existing data directory 16 MiB measured ~170 MiB RSS
   * against ~310 MiB with PGlite's defaults (docs/pglite-memory.md).
   */
  readonly sharedBuffersMb?: number
}

/** A PGlite data directory that cannot be opened (or migrated): the start is refused, naming it. */
export class PgliteOpenError extends Error {
  readonly _tag = "PgliteOpenError"
  override readonly name = "PgliteOpenError"
  constructor(
    readonly dataDir: string,
    override readonly cause: unknown
  ) {
    super(
      `Cannot open the PGlite data directory ${dataDir}: ${(cause instanceof Error ? cause.message : String(cause)).replace(/\.+$/, "")}. ` +
        `It may be damaged (for example by a crash or a full disk) or written by another PGlite version. Nothing was changed: ` +
        `restore it from a backup, or move it away to start with an empty database.`
    )
  }
}

/** Every repository port on the {@link DrizzleDatabase} of the context. */
export const layerRepositories: Layer.Layer<Repositories, never, DrizzleDatabase> = Layer.mergeAll(
  DrizzlePreferenceRepository.layer,
  DrizzleUserRepository.layer,
  DrizzleNotiflowCatalogRepository.layer,
  DrizzleProjectRepository.layer,
  DrizzleIdempotencyRepository.layer,
  DrizzleCategoryRepository.layer,
  DrizzleTenantRepository.layer,
  DrizzleScopedPreferenceRepository.layer,
  DrizzleEventRepository.layer,
  DrizzleLinkRepository.layer,
  DrizzleBrandingRepository.layer,
  DrizzleWebhookRepository.layer,
  DrizzleWebhookDeliveryRepository.layer,
  DrizzleJobRepository.layer
)

/** A postgres.js pool as a {@link DrizzleDatabase}, migrated; the pool is closed by the finalizer. */
export const layerPostgresDatabase = (config: PostgresConfig): Layer.Layer<DrizzleDatabase, RepositoryError | DuplicateApiKeysError> =>
  Layer.scoped(
    DrizzleDatabase,
    Effect.gen(function* () {
      const prepare = config.prepare ?? true
      if (config.migrate ?? true) yield* migratePostgres(config.url, config.migrations)
      const d = POSTGRES_DEFAULTS
      const seconds = (ms: number) => ms / 1000
      const backoffCap = seconds(config.reconnectBackoffMaxMs ?? d.reconnectBackoffMaxMs)
      const client = yield* Effect.acquireRelease(
        Effect.sync(() =>
          postgres(config.url, {
            max: config.poolSize ?? d.poolSize,
            prepare,
            onnotice: () => {},
            // postgres.js takes seconds (fractions allowed); 0 disables a timer.
            connect_timeout: seconds(config.connectTimeoutMs ?? d.connectTimeoutMs),
            idle_timeout: seconds(config.idleTimeoutMs ?? d.idleTimeoutMs),
            max_lifetime: seconds(config.maxLifetimeMs ?? d.maxLifetimeMs),
            keep_alive: seconds(config.keepAliveMs ?? d.keepAliveMs),
            // postgres.js' own curve (jittered 3^n / 100 s), capped.
            backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, backoffCap)
          })
        ),
        (c) => Effect.promise(() => c.end({ timeout: 5 }))
      )
      const db = drizzlePostgres(client) as unknown as NotiflowsDatabase
      const database: Database = {
        db,
        driver: "postgres",
        prepare,
        query: async (text, params = []) => [...(await client.unsafe(text, params as Array<postgres.ParameterOrJSON<never>>))]
      }
      return database
    })
  )

/**
 * PGlite at `dataDir` (or in memory) as a {@link DrizzleDatabase}, migrated. A directory is
 * locked to this process ({@link PgliteLockedError} otherwise) until the finalizer closes it.
 */
export const layerPgliteDatabase = (
  dataDir: string,
  options?: PgliteOptions
): Layer.Layer<DrizzleDatabase, RepositoryError | DuplicateApiKeysError | PgliteLockedError | PgliteOpenError> =>
  Layer.scoped(
    DrizzleDatabase,
    Effect.gen(function* () {
      const inMemory = dataDir === "memory://" || dataDir === ""
      if (!inMemory) {
        yield* Effect.acquireRelease(
          Effect.try({
            try: () => acquirePgliteLock(dataDir),
            catch: (e) => (e instanceof PgliteLockedError ? e : toRepositoryError("pglite.open")(e))
          }),
          (lock) => Effect.sync(() => lock.release())
        )
      }
      // A directory PGlite cannot open or migrate (damaged, e.g. after a crash mid-write, or of
      // another PostgreSQL version) fails the start with a message naming it, never silently.
      const refuse = (cause: unknown) => (inMemory ? toRepositoryError("pglite.open")(cause) : new PgliteOpenError(dataDir, cause))
      const client = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => openPglite(inMemory ? "memory://" : dataDir, options?.sharedBuffersMb), catch: refuse }),
        (c) => Effect.promise(() => c.close()).pipe(Effect.ignore)
      )
      const pglite = drizzlePglite({ client })
      // Duplicate key hashes are not damage: their own message says what to repair.
      yield* Effect.mapError(migratePglite(pglite, options?.migrations), (e) =>
        e instanceof DuplicateApiKeysError || inMemory || e.unavailable ? e : refuse(e)
      )
      const database: Database = {
        db: pglite as unknown as NotiflowsDatabase,
        driver: "pglite",
        prepare: options?.prepare ?? true,
        query: async (text, params = []) => (await client.query<Record<string, unknown>>(text, [...params])).rows
      }
      return database
    })
  )

/**
 * Every port of the domain on PostgreSQL (postgres.js), migrated on start-up. Also provides the
 * {@link DrizzleDatabase} for tools and tests.
 */
export const layerPostgres = (config: PostgresConfig | string): Layer.Layer<Repositories | DrizzleDatabase, RepositoryError | DuplicateApiKeysError> => {
  const c = typeof config === "string" ? { url: config } : config
  return Layer.provideMerge(
    boundRepositories(layerRepositories, c.operationTimeoutMs ?? POSTGRES_DEFAULTS.operationTimeoutMs),
    layerPostgresDatabase(c)
  )
}

/**
 * Every port of the domain on PGlite at `dataDir` (`"memory://"` for a throwaway in-memory
 * database), migrated on start-up. One process per directory. Also provides the {@link DrizzleDatabase}.
 */
export const layerPglite = (
  dataDir: string,
  options?: PgliteOptions
): Layer.Layer<Repositories | DrizzleDatabase, RepositoryError | DuplicateApiKeysError | PgliteLockedError | PgliteOpenError> =>
  Layer.provideMerge(boundRepositories(layerRepositories, options?.operationTimeoutMs), layerPgliteDatabase(dataDir, options))

/**
 * One `select 1` on the {@link DrizzleDatabase}, bypassing every cache, bounded by `timeoutMs`:
 * the readiness probe. Fails with `RepositoryError` (unavailable when unreachable or timed out).
 */
export const ping = (timeoutMs: number): Effect.Effect<void, RepositoryError, DrizzleDatabase> =>
  Effect.flatMap(DrizzleDatabase, (database) =>
    bounded("ping", timeoutMs, Effect.asVoid(driverCall(() => database.query("select 1"), toRepositoryError("ping"))))
  )
