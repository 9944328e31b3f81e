/**
 * @notiflows/adapters-drizzle — the domain's ports on PostgreSQL (postgres.js) and on embedded
 * PGlite, written once over drizzle; one schema, one set of migrations.
 */
export * as DrizzleCategoryRepository from "./DrizzleCategoryRepository.js"
export * as DrizzleIdempotencyRepository from "./DrizzleIdempotencyRepository.js"
export * as DrizzleLinkRepository from "./DrizzleLinkRepository.js"
export * as DrizzleNotiflowCatalogRepository from "./DrizzleNotiflowCatalogRepository.js"
export * as DrizzlePreferenceRepository from "./DrizzlePreferenceRepository.js"
export * as DrizzleEventRepository from "./DrizzleEventRepository.js"
export * as DrizzleProjectRepository from "./DrizzleProjectRepository.js"
export * as DrizzleScopedPreferenceRepository from "./DrizzleScopedPreferenceRepository.js"
export * as DrizzleTenantRepository from "./DrizzleTenantRepository.js"
export * as DrizzleUserRepository from "./DrizzleUserRepository.js"
export { DrizzleDatabase } from "./internal/database.js"
export type { Database, NotiflowsDatabase } from "./internal/database.js"
export { DatabaseFailure, errorCode, isUnavailable } from "./internal/errors.js"
export { OperationTimeout } from "./internal/timeouts.js"
export * from "./Layers.js"
export * from "./Migrate.js"
export * from "./PgliteLock.js"
export * as schema from "./schema.js"
export * as DrizzleUserExport from "./DrizzleUserExport.js"
export * as DrizzleUserImport from "./DrizzleUserImport.js"
