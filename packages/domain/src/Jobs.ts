/**
 * Bulk preference jobs (BULK.md §1): the submit body, the job and its items as stored, and the
 * job's API representation (without items, which the transport renders with their §3 errors).
 */
import * as Schema from "effect/Schema"
import type { EventInput } from "./Events.js"
import type { FieldIssue } from "./Issues.js"
import { enumReason, reason, says, stable, unknownKeys } from "./Issues.js"
import type { Actor, ConsentContext } from "./History.js"
import type { ExternalUserId, ProjectId } from "./Preferences.js"
import { ExternalUserId as ExternalUserIdSchema, Timestamp } from "./Preferences.js"
import { PreferencePatchV2Schema } from "./PreferencesV2.js"
import type { TenantId } from "./Tenants.js"
import { TenantId as TenantIdSchema } from "./Tenants.js"

/** At most this many items (or user ids) per job. */
export const MAX_BULK_ITEMS = 1000

export const JOB_STATUSES = ["queued", "running", "completed", "failed"] as const
export const JobStatus = Schema.Literal(...JOB_STATUSES)
export type JobStatus = typeof JobStatus.Type

export const JOB_ITEM_STATUSES = ["pending", "updated", "unchanged", "failed"] as const
export const JobItemStatus = Schema.Literal(...JOB_ITEM_STATUSES)
export type JobItemStatus = typeof JobItemStatus.Type

export const BulkMode = Schema.Literal("merge", "replace").annotations(enumReason("invalid_format", "mode is merge or replace", "must be a mode string"))
export type BulkMode = typeof BulkMode.Type

/** `If-Match` of API.md §4.2 as an item field: `*` or strong entity tags, comma-separated. */
const IF_MATCH = /^(?:\*|"[\x21\x23-\x7e]*"(?:[ \t]*,[ \t]*"[\x21\x23-\x7e]*")*)$/
export const IfMatchField = Schema.String.annotations(says("must be an If-Match string")).pipe(
  Schema.filter((s) => s.length <= 1024 && IF_MATCH.test(s), {
    ...reason("invalid_format", 'if_match is "*" or strong entity tags ("…"), as the If-Match header'),
    ...stable,
    jsonSchema: { maxLength: 1024, pattern: IF_MATCH.source }
  })
).annotations({ arbitrary: () => (fc) => fc.constantFrom("*", '"abc"', '"a", "b"') })

const objectOnly = { ...says("must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") }

const UserIdList = Schema.Array(ExternalUserIdSchema).pipe(
  Schema.minItems(1, { ...reason("required", "at least one user id is required"), title: "user ids" }),
  Schema.maxItems(MAX_BULK_ITEMS, { ...reason("too_many", `at most ${MAX_BULK_ITEMS} user ids`), title: "user ids" })
).annotations(says("must be an array of user ids"))

// `preferences` is `any` here: the submit decodes it as unknown (the patch rules check it after),
// the document shows the patch Schema.
type PatchSchema = Schema.Schema<any, any, never>

/** The two body shapes, with a given Schema for each patch. */
const shapes = (preferences: PatchSchema) => {
  const common = {
    mode: Schema.optionalWith(BulkMode, { exact: true }),
    tenant_id: Schema.optionalWith(TenantIdSchema, { exact: true })
  }
  const item = Schema.Struct({
    user_id: ExternalUserIdSchema,
    preferences,
    if_match: Schema.optionalWith(IfMatchField, { exact: true })
  }).annotations(objectOnly)
  const items = Schema.Struct({
    ...common,
    items: Schema.Array(item).pipe(
      Schema.minItems(1, { ...reason("required", "at least one item is required"), title: "items" }),
      Schema.maxItems(MAX_BULK_ITEMS, { ...reason("too_many", `at most ${MAX_BULK_ITEMS} items`), title: "items" })
    ).annotations(says("must be an array of items"))
  }).annotations(objectOnly)
  const ids = Schema.Struct({ ...common, user_ids: UserIdList, preferences }).annotations(objectOnly)
  return { items, ids }
}

/** The envelopes the submit decodes (patches checked afterwards, with the catalog and locks). */
export const BulkEnvelopes = shapes(Schema.Unknown.pipe(Schema.filter((u) => u !== undefined)))
const documented = shapes(PreferencePatchV2Schema)

/** `POST /admin/preferences/bulk`'s body as documented: exactly one of the two shapes. */
export const BulkSubmitSchema = Schema.Union(
  documented.items.annotations({ identifier: "BulkItemsRequest" }),
  documented.ids.annotations({ identifier: "BulkUserIdsRequest" })
).annotations({ identifier: "BulkPreferencesRequest", description: "items with a patch each, or user_ids with one patch for all" })

/** Why an item failed; the transport renders it as the §3 error object. */
export type ItemFailure =
  | { readonly reason: "user_not_found" }
  | { readonly reason: "precondition_failed"; readonly current: string }
  | { readonly reason: "validation_failed"; readonly issues: ReadonlyArray<FieldIssue> }
  | { readonly reason: "contention" }

export interface JobCounts {
  readonly total: number
  readonly pending: number
  readonly updated: number
  readonly unchanged: number
  readonly failed: number
}

/** Why a whole job failed (`error` of the job). */
export interface JobError {
  readonly code: string
  readonly message: string
}

/** A job as stored, with its counts. */
export interface StoredJob {
  readonly id: string
  readonly projectId: ProjectId
  readonly status: JobStatus
  readonly mode: BulkMode
  readonly tenantId: TenantId | null
  readonly requestId: string | null
  readonly actor: Actor
  /** The relayed consent context, recorded on every item's entry (EVENTS.md Decision 1). */
  readonly consent: ConsentContext | null
  /** The one patch of the `user_ids` shape; `null` for the `items` shape. */
  readonly preferences: unknown
  readonly counts: JobCounts
  readonly error: JobError | null
  readonly createdAt: Date
  readonly startedAt: Date | null
  readonly completedAt: Date | null
}

/** One item's result. `userId` is `null` once erasure removed the user (EVENTS.md §1.3). */
export interface JobItem {
  readonly index: number
  readonly userId: ExternalUserId | null
  readonly status: JobItemStatus
  readonly version: number | null
  readonly failure: ItemFailure | null
}

/** A pending item with what it writes (its own patch, else the job's). */
export interface PendingItem {
  readonly index: number
  readonly userId: ExternalUserId
  readonly preferences: unknown
  readonly ifMatch: string | null
}

/** A job to store at submit. */
export interface NewJob {
  readonly projectId: ProjectId
  readonly mode: BulkMode
  readonly tenantId: TenantId | null
  readonly requestId: string | null
  readonly actor: Actor
  readonly consent: ConsentContext | null
  readonly preferences: unknown
  readonly items: ReadonlyArray<{ readonly userId: ExternalUserId; readonly preferences: unknown; readonly ifMatch: string | null }>
  readonly createdAt: Date
}

/** The item an atomic write settles (BULK.md §1.2: write, entry, event and result together). */
export interface JobItemRef {
  readonly projectId: ProjectId
  readonly jobId: string
  readonly index: number
}

const Counts = Schema.Struct({ total: Schema.Int, pending: Schema.Int, updated: Schema.Int, unchanged: Schema.Int, failed: Schema.Int })

/** The job as the API shows it (BULK.md §1.2), without `items`/`page`. */
export const JobJson = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("preferences.bulk"),
  status: JobStatus,
  mode: Schema.Literal("merge", "replace"),
  tenant_id: Schema.NullOr(Schema.String),
  counts: Counts,
  request_id: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.Struct({ code: Schema.String, message: Schema.String })),
  created_at: Timestamp,
  started_at: Schema.NullOr(Timestamp),
  completed_at: Schema.NullOr(Timestamp)
}).annotations({ identifier: "Job" })
export type JobJson = typeof JobJson.Encoded

/** The API representation of a stored job. */
export const jobToJson = (j: StoredJob): JobJson => ({
  id: j.id,
  type: "preferences.bulk",
  status: j.status,
  mode: j.mode,
  tenant_id: j.tenantId,
  counts: j.counts,
  request_id: j.requestId,
  error: j.error,
  created_at: j.createdAt.toISOString(),
  started_at: j.startedAt?.toISOString() ?? null,
  completed_at: j.completedAt?.toISOString() ?? null
})

/** Counts of item statuses (`total` their sum). */
export const countsOf = (statuses: Iterable<JobItemStatus>): JobCounts => {
  const c = { pending: 0, updated: 0, unchanged: 0, failed: 0 }
  for (const s of statuses) c[s]++
  return { total: c.pending + c.updated + c.unchanged + c.failed, ...c }
}

/** `bulk_job.completed` (EVENTS.md §2): the job after it ended, without items; ordered per job. */
export const bulkJobCompletedEvent = (job: StoredJob, at: Date): EventInput => ({
  type: "bulk_job.completed",
  occurredAt: at,
  orderingKey: `job:${job.id}`,
  aboutUser: false,
  data: () => ({ job: jobToJson(job) })
})
