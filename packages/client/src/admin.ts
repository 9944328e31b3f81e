/**
 * `@notiflows/client/admin`: the Admin API client (servers only: it holds a secret key).
 */
export { createAdminClient } from "./AdminClient.js"
export type { AdminClient, AdminClientOptions, ListOptions, ScopeOptions } from "./AdminClient.js"
export { isNotiflowsError, NotiflowsError } from "./Errors.js"
export type { ApiErrorCode, ClientErrorCode, DetailsOf, ErrorCode, FieldIssue } from "./Errors.js"
export type { ApiResponse, Call, CallOptions, RetryOptions } from "./Transport.js"
export type { Page, Paginator } from "./Pagination.js"
