/**
 * Tagged domain errors. Structured fields only; no HTTP status or request context.
 */
import * as Schema from "effect/Schema"
import { FieldIssue } from "./Issues.js"

/**
 * No such user in the project, named by exactly one of: the customer's `externalId` (use cases:
 * what the caller sent, and what an answer may show), or our internal `userId` (ports that write
 * by the stored user's id; never answered).
 */
export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", {
  externalId: Schema.optional(Schema.String),
  userId: Schema.optional(Schema.String)
}) {}

/** No live notiflow with this id in the project's catalog. */
export class NotiflowNotFound extends Schema.TaggedError<NotiflowNotFound>()("NotiflowNotFound", {
  notiflowId: Schema.String
}) {}

/** No live category with this id in the project's catalog (MODEL.md §5). */
export class CategoryNotFound extends Schema.TaggedError<CategoryNotFound>()("CategoryNotFound", {
  categoryId: Schema.String
}) {}

/**
 * A category save that would make more categories live than the limit allows (port-level; the
 * use case answers it as 422 `too_many`).
 */
export class CategoryLimitReached extends Schema.TaggedError<CategoryLimitReached>()("CategoryLimitReached", {
  limit: Schema.Number
}) {}

/** The input broke the schema; every problem is listed. */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  issues: Schema.Array(FieldIssue)
}) {}

/** A commit expected another version than the stored one (a concurrent writer won). */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  /** The expected version; `null` when the write expected the record not to exist. */
  expected: Schema.NullOr(Schema.Number),
  actual: Schema.NullOr(Schema.Number)
}) {}

/** A conditional write whose precondition (`If-Match`) does not hold for the current state. */
export class PreconditionFailed extends Schema.TaggedError<PreconditionFailed>()("PreconditionFailed", {
  /** The current representation's tag, computed by whoever supplied the precondition. */
  current: Schema.String
}) {}

/** A write gave up after retrying against concurrent writers for too long. */
export class WriteContention extends Schema.TaggedError<WriteContention>()("WriteContention", {
  attempts: Schema.Number,
  retryAfterSeconds: Schema.Number
}) {}

/** No such project. */
export class ProjectNotFound extends Schema.TaggedError<ProjectNotFound>()("ProjectNotFound", {
  projectId: Schema.String
}) {}

/** No such API key in the project. */
export class ApiKeyNotFound extends Schema.TaggedError<ApiKeyNotFound>()("ApiKeyNotFound", {
  keyId: Schema.String
}) {}

/** The storage failed. `cause` stays inside the process: it is logged, never answered. */
export class RepositoryError extends Schema.TaggedError<RepositoryError>()("RepositoryError", {
  operation: Schema.String,
  /** True when the store could not be reached (connection refused, timeout): retry later. */
  unavailable: Schema.Boolean,
  cause: Schema.Defect
}) {}

/** A feed cursor behind events removed by retention (EVENTS.md §3: 410 `cursor_expired`). */
export class CursorExpired extends Schema.TaggedError<CursorExpired>()("CursorExpired", {}) {}

/** No such webhook endpoint in the project (EVENTS.md §4: 404 `resource: webhook`). */
export class WebhookNotFound extends Schema.TaggedError<WebhookNotFound>()("WebhookNotFound", {
  webhookId: Schema.String
}) {}

/** A project already has the most endpoints allowed (port-level; answered as 422 `too_many`). */
export class WebhookLimitReached extends Schema.TaggedError<WebhookLimitReached>()("WebhookLimitReached", {
  limit: Schema.Number
}) {}

/** A webhook operation refused in the endpoint's state (EVENTS.md §4.5: 409 `conflict`). */
export class WebhookConflict extends Schema.TaggedError<WebhookConflict>()("WebhookConflict", {
  reason: Schema.Literal("endpoint_disabled", "replay_in_progress")
}) {}

/** No bulk job with this id in the project (unknown, or removed by retention; BULK.md §1.2). */
export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  jobId: Schema.String
}) {}

/** Every domain error, for exhaustive mappings. */
export type DomainError =
  | UserNotFound
  | NotiflowNotFound
  | CategoryNotFound
  | ValidationFailed
  | VersionConflict
  | PreconditionFailed
  | WriteContention
  | ProjectNotFound
  | ApiKeyNotFound
  | RepositoryError
  | CursorExpired
  | WebhookNotFound
  | WebhookConflict
  | JobNotFound
