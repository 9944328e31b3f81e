/**
 * @notiflows/domain — the preference aggregate, its merge-patch and evaluation rules, the
 * tagged errors, the ports and the use cases built on them. Pure Effect; no I/O.
 */
export * from "./Catalog.js"
export * from "./CatalogService.js"
export * from "./Errors.js"
export * from "./Evaluation.js"
export * from "./EvaluationService.js"
export * from "./History.js"
export * from "./Issues.js"
export * from "./NotiflowCatalogRepository.js"
export * from "./Pagination.js"
export * from "./PreferencePatch.js"
export * from "./PreferenceRepository.js"
export * from "./Preferences.js"
export * from "./PreferenceService.js"
export * from "./ProjectRepository.js"
export * from "./UserRepository.js"
export * from "./UserService.js"
export * from "./Users.js"
export * from "./View.js"
export * from "./ProjectViewCache.js"
export * from "./IdempotencyRepository.js"
