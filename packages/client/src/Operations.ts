/**
 * Types derived from the generated OpenAPI types (`./generated/openapi.ts`): a path's operations,
 * their parameters, bodies and success payloads. Nothing here is written by hand per route, so a
 * route or Schema change reaches the client by regenerating.
 */
import type { operations, paths } from "./generated/openapi.js"

export type { components, operations, paths } from "./generated/openapi.js"

export type Method = "get" | "put" | "post" | "delete" | "patch"
export type Path = keyof paths

/** The methods a path serves (OPTIONS excluded). */
export type MethodsOf<P extends Path> = {
  [M in Method]: M extends keyof paths[P] ? ([NonNullable<paths[P][M]>] extends [never] ? never : M) : never
}[Method]

export type OperationOf<P extends Path, M extends MethodsOf<P>> = NonNullable<paths[P][M & keyof paths[P]]>

type JsonContent<R> = R extends { content: { "application/json": infer B } } ? B : never

/** The body of an operation's success (200/201/202; `undefined` for 204). */
export type SuccessOf<O> = O extends { responses: infer R }
  ? R extends { 200: infer S }
    ? JsonContent<S>
    : R extends { 201: infer S }
      ? JsonContent<S>
      : R extends { 202: infer S }
        ? JsonContent<S>
        : R extends { 204: unknown }
          ? undefined
          : never
  : never

export type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } } ? B : never
export type PathParamsOf<O> = O extends { parameters: { path: infer P } } ? ([P] extends [never] ? undefined : P) : undefined
export type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? ([Q] extends [never] ? undefined : Q) : undefined

/** A named operation's success body (e.g. `Success<"getUser">` is a user object). */
export type Success<K extends keyof operations> = SuccessOf<operations[K]>
/** A named operation's request body. */
export type Body<K extends keyof operations> = BodyOf<operations[K]>
/** A named operation's query parameters. */
export type Query<K extends keyof operations> = NonNullable<QueryOf<operations[K]>>

/** The item type of a paginated operation. */
export type ItemOf<K extends keyof operations> = Success<K> extends { items: ReadonlyArray<infer I> } ? I : never

// The resources, by operation (what the methods take and answer).
export type Preferences = Success<"getUserPreferences">
export type ExplicitPreferences = Success<"getExplicitUserPreferences">
export type PreferencesPatch = Body<"updateUserPreferences">
export type PreferenceHistoryEntry = ItemOf<"listUserPreferencesHistory">
export type EvaluateRequest = Body<"evaluateUser">
export type EvaluateResponse = Success<"evaluateUser">
export type BatchEvaluateRequest = Body<"evaluateUsers">
export type BatchEvaluateResponse = Success<"evaluateUsers">
export type ChannelType = NonNullable<EvaluateRequest["channel_types"]>[number]
export type User = Success<"getUser">
export type UserUpsert = Body<"upsertUser">
export type Notiflow = Success<"getNotiflow">
export type NotiflowUpsert = Body<"upsertNotiflow">
export type ProjectDefaults = Success<"getDefaults">
export type ProjectDefaultsPatch = Body<"updateDefaults">
export type Category = Success<"getCategory">
export type CategoryUpsert = Body<"upsertCategory">
export type WebhookCreate = Body<"createWebhook">
export type WebhookPatch = Body<"updateWebhook">
export type WebhookSecretRotate = Body<"rotateWebhookSecret">
export type WebhookReplay = Body<"replayWebhook">
export type Tenant = ItemOf<"listTenants">
export type TenantDefaults = Success<"getTenantDefaults">
export type TenantDefaultsPatch = Body<"updateTenantDefaults">
export type PageInfo = Success<"listUsers">["page"]
export type BulkRequest = Body<"bulkUpdatePreferences">
export type Job = Success<"bulkUpdatePreferences">
export type JobWithItems = Success<"getJob">
export type JobItem = JobWithItems["items"][number]
