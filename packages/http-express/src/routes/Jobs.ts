/**
 * Bulk preference writes and jobs (BULK.md §1): `POST /admin/preferences/bulk` validates and
 * queues a job (202, `Location` under the request's own base), `GET /admin/jobs/{job_id}` shows
 * it with a page of its items (each failure as the §3 error object without `request_id`),
 * `GET /admin/jobs` lists jobs newest first.
 */
import * as Schema from "effect/Schema"
import type { ItemFailure, JobItem, JobItemStatus, ProjectId } from "@notiflows/domain"
import {
  BulkSubmitSchema,
  decodeCursor,
  encodeCursor,
  getJob,
  JOB_ITEM_STATUSES,
  JobJson,
  jobToJson,
  listJobs,
  PageInfo,
  PreconditionFailed,
  submitBulk,
  UserNotFound,
  ValidationFailed,
  WriteContention
} from "@notiflows/domain"
import { errorType, toErrorResponse } from "../ErrorMapping.js"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { InvalidParam } from "../HttpErrors.js"
import { run } from "../internal/effectToPromise.js"
import { idKey, PAGE_QUERY, pageQuery, queryParam } from "./Params.js"
import { relayedConsent } from "./Preferences.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

/** BULK.md §1.1: bulk bodies may be 1 MiB. */
export const BULK_BODY_LIMIT = 1024 * 1024

const ITEMS_DEFAULT_LIMIT = 100
const ITEMS_MAX_LIMIT = 1000

const ItemError = Schema.Struct({
  type: Schema.String,
  code: Schema.String,
  message: Schema.String,
  status: Schema.Int,
  details: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}).annotations({ identifier: "JobItemError" })

const JobItemJson = Schema.Struct({
  index: Schema.Int,
  user_id: Schema.NullOr(Schema.String),
  status: Schema.Literal(...JOB_ITEM_STATUSES),
  version: Schema.NullOr(Schema.Int),
  error: Schema.NullOr(ItemError)
}).annotations({ identifier: "JobItem" })

const ItemsPage = Schema.Struct({ after: Schema.NullOr(Schema.String), has_more_after: Schema.Boolean, limit: Schema.Int }).annotations({
  identifier: "JobItemsPage"
})

export const JobWithItems = Schema.Struct({ ...JobJson.fields, items: Schema.Array(JobItemJson), page: ItemsPage }).annotations({ identifier: "JobWithItems" })
export const JobPage = Schema.Struct({ items: Schema.Array(JobJson), page: PageInfo }).annotations({ identifier: "JobPage" })

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

/** The failure as the domain error it was, through the one status table. */
const itemError = (userId: string | null, f: ItemFailure) => {
  const error =
    f.reason === "user_not_found"
      ? new UserNotFound(userId === null ? {} : { externalId: userId })
      : f.reason === "precondition_failed"
        ? new PreconditionFailed({ current: f.current })
        : f.reason === "validation_failed"
          ? new ValidationFailed({ issues: f.issues })
          : new WriteContention({ attempts: 0, retryAfterSeconds: 1 })
  const r = toErrorResponse(error, "admin")
  return { type: errorType(r.code), code: r.code, message: r.message, status: r.status, details: r.details }
}

const itemJson = (i: JobItem) => ({
  index: i.index,
  user_id: i.userId,
  status: i.status,
  version: i.version,
  error: i.failure === null ? null : itemError(i.userId, i.failure)
})

/** The API base of the request (`/admin` or `/admin/v1`), behind the host's mount point. */
const apiBase = (ctx: RequestContext): string => `${ctx.baseUrl}${ctx.route.startsWith("/admin/v1/") ? "/admin/v1" : "/admin"}`

const submit = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  if (ctx.query.has("tenant_id")) {
    throw new InvalidParam({ param: "tenant_id", message: "tenant_id of a bulk write is a body field" })
  }
  const { actor } = principalOf(ctx)
  const job = await run(
    deps.runtime,
    submitBulk({ projectId: projectOf(ctx), body: ctx.body, context: { actor, requestId: ctx.requestId, source: "bulk", ...relayedConsent(ctx) } })
  )
  return json(202, jobToJson(job), { Location: `${apiBase(ctx)}/jobs/${job.id}` })
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const jobIdParam = (ctx: RequestContext): string => {
  const raw = (ctx.rawParams["job_id"] ?? "").toLowerCase()
  if (!UUID.test(raw)) throw new InvalidParam({ param: "job_id", message: "job_id must be a job id (a UUID)" })
  return raw
}

const itemsQuery = (ctx: RequestContext) => {
  const limitRaw = queryParam(ctx, "limit")
  const limit = limitRaw === undefined ? ITEMS_DEFAULT_LIMIT : Number(limitRaw)
  if (limitRaw !== undefined && (!/^[0-9]{1,7}$/.test(limitRaw) || limit < 1 || limit > ITEMS_MAX_LIMIT)) {
    throw new InvalidParam({ param: "limit", message: `limit must be an integer from 1 to ${ITEMS_MAX_LIMIT}` })
  }
  const afterRaw = queryParam(ctx, "after")
  const key = afterRaw === undefined ? undefined : decodeCursor(afterRaw)
  if (afterRaw !== undefined && (key === undefined || !/^i[0-9]{1,7}$/.test(key))) {
    throw new InvalidParam({ param: "after", message: "after is not a cursor from this list" })
  }
  const status = queryParam(ctx, "status")
  if (status !== undefined && !(JOB_ITEM_STATUSES as ReadonlyArray<string>).includes(status)) {
    throw new InvalidParam({ param: "status", message: `status is one of ${JOB_ITEM_STATUSES.join(", ")}` })
  }
  return {
    limit,
    ...(key !== undefined ? { after: Number(key.slice(1)) } : {}),
    ...(status !== undefined ? { status: status as JobItemStatus } : {})
  }
}

const read = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const jobId = jobIdParam(ctx)
  const query = itemsQuery(ctx)
  const out = await run(deps.runtime, getJob(projectOf(ctx), jobId, query))
  return json(200, {
    ...jobToJson(out.job),
    items: out.items.map(itemJson),
    page: { after: out.last === undefined ? null : encodeCursor(`i${out.last}`), has_more_after: out.hasMore, limit: query.limit }
  })
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const page = await run(deps.runtime, listJobs(projectOf(ctx), pageQuery(ctx, idKey)))
  return json(200, { items: page.items.map(jobToJson), page: page.page })
}

const tags = ["Jobs"]

const ITEMS_QUERY = [
  { name: "limit", description: `items per page, 1-${ITEMS_MAX_LIMIT}`, schema: { type: "integer", minimum: 1, maximum: ITEMS_MAX_LIMIT, default: ITEMS_DEFAULT_LIMIT } },
  { name: "after", description: "cursor: the next items (input order)", schema: { type: "string" } },
  { name: "status", description: "only items of this status", schema: { type: "string", enum: [...JOB_ITEM_STATUSES] } }
]

export const jobRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "POST", path: "/preferences/bulk", body: true, bodyLimit: BULK_BODY_LIMIT, tags, operationId: "bulkUpdatePreferences",
    summary: "Queue one preference write for each of up to 1,000 users (a job; BULK.md §1)", request: BulkSubmitSchema,
    responses: { 202: { description: "queued: the job (Location: its URL)", schema: JobJson, headers: ["Location"] } },
    handle: submit
  },
  {
    api: "admin", method: "GET", path: "/jobs/{job_id}", body: false, tags, operationId: "getJob",
    summary: "A job with a page of its items' results (input order)", query: ITEMS_QUERY, errors: [400, 404],
    responses: { 200: { description: "the job", schema: JobWithItems } },
    handle: read
  },
  {
    api: "admin", method: "GET", path: "/jobs", body: false, tags, operationId: "listJobs",
    summary: "Jobs, newest first", query: PAGE_QUERY,
    responses: { 200: { description: "a page of jobs", schema: JobPage } },
    handle: list
  }
]
