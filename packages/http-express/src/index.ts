/**
 * @notiflows/http-express — the Notiflows Preferences API (API.md) as an Express 5 router.
 */
export { makeRouter, MAX_CACHE_TTL_MS } from "./Router.js"
export type { RouterHooks, RouterOptions } from "./Router.js"
export type { RouterRuntime, RouterServices } from "./internal/run.js"
export { API_KEY_PREFIX_LENGTH, API_KEY_RANDOM_LENGTH, apiKeyKindOf, generateApiKey, hashApiKey } from "./Keys.js"
export type { GeneratedApiKey } from "./Keys.js"
export { API_KEY_HEADER, SECRET_KEY_HEADER, USER_ID_HEADER, USER_KEY_HEADER } from "./Auth.js"
export { envelope, errorTable, errorType, fromExpressError, toErrorResponse } from "./ErrorMapping.js"
export type { ApiFailure, ApiKind, ErrorEnvelope, ErrorResponse } from "./ErrorMapping.js"
export * from "./HttpErrors.js"
export type { Principal, Reply, RequestContext } from "./Http.js"
export { BODY_LIMIT, MAX_JSON_DEPTH } from "./Body.js"
export { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from "./Cors.js"
export { ErrorEnvelopeSchema, makeOpenApiDocument } from "./OpenApi.js"
export { ROUTES } from "./routes/index.js"
export type { RouteSpec } from "./routes/Route.js"
export { newRequestId, REQUEST_ID_HEADER } from "./RequestId.js"
