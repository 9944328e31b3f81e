/**
 * @notiflows/client — the typed SDK of the Notiflows Preferences API.
 *
 * - `createAdminClient({ baseUrl, secretKey })` (servers) and `createUserClient({ baseUrl,
 *   publicKey, userToken })` (browsers and apps); types generated from `/openapi.json`.
 * - Every failure is a `NotiflowsError` (the §3 envelope), narrowable with `error.is(code)`.
 * - Writes carry an `Idempotency-Key` and are retried safely; GETs return the `etag`;
 *   lists are async iterators over every page.
 * - Webhook verification: `@notiflows/client/webhooks`.
 */
export { createAdminClient } from "./AdminClient.js"
export type { AdminClient, AdminClientOptions, ListOptions, ScopeOptions } from "./AdminClient.js"
export { createUserClient } from "./UserClient.js"
export type { UserClient, UserClientOptions, UserScopeOptions } from "./UserClient.js"
export { errorFromResponse, isNotiflowsError, NotiflowsError } from "./Errors.js"
export type { ApiErrorCode, ClientErrorCode, DetailsByCode, DetailsOf, ErrorCode, ErrorEnvelope, FieldIssue, NotiflowsErrorInit } from "./Errors.js"
export { makeTransport } from "./Transport.js"
export type { ApiResponse, Call, CallOptions, RetryOptions, Transport, TransportConfig } from "./Transport.js"
export { paginate } from "./Pagination.js"
export type { Page, Paginator } from "./Pagination.js"
export type * from "./Operations.js"
