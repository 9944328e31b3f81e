/**
 * `@notiflows/client/user`: the browser entry, the User API client and the error type only.
 */
export { createUserClient } from "./UserClient.js"
export type { UserClient, UserClientOptions, UserScopeOptions } from "./UserClient.js"
export { isNotiflowsError, NotiflowsError } from "./Errors.js"
export type { ApiErrorCode, ClientErrorCode, DetailsOf, ErrorCode, FieldIssue } from "./Errors.js"
export type { ApiResponse, CallOptions, RetryOptions } from "./Transport.js"
export type { Page, Paginator } from "./Pagination.js"
export type { ChannelType, ExplicitPreferences, PreferenceHistoryEntry, Preferences, PreferencesPatch } from "./Operations.js"
