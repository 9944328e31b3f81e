/**
 * The Admin API client (secret key; for servers only: never ship a secret key to a browser).
 * Every method is a few lines over the typed {@link Call}: the path, method, parameters and
 * payloads are checked against the generated OpenAPI types, so a renamed route or changed
 * Schema fails `tsc` once the types are regenerated. `request` reaches any documented operation
 * that has no method yet, with the same types, retries and errors.
 */
import type { Call, CallOptions, RetryOptions } from "./Transport.js"
import { makeTransport } from "./Transport.js"
import type {
  BatchEvaluateRequest,
  BulkRequest,
  CategoryUpsert,
  EvaluateRequest,
  NotiflowUpsert,
  PreferencesPatch,
  ProjectDefaultsPatch,
  TenantDefaultsPatch,
  UserUpsert,
  WebhookCreate,
  WebhookPatch,
  WebhookReplay,
  WebhookSecretRotate
} from "./Operations.js"
import { paginate } from "./Pagination.js"

export interface AdminClientOptions {
  /** Where the API is mounted: `https://prefs.example.com`, or a host app's prefix (`…/notifications`). */
  readonly baseUrl: string
  /** `sk_…`: identifies the project. */
  readonly secretKey: string
  /** `pk_…`, optional: when given it must belong to the same project (API.md §2). */
  readonly publicKey?: string | undefined
  /** A `fetch` to use instead of the global one (tests, proxies, instrumentation). */
  readonly fetch?: typeof fetch | undefined
  /** Retry policy (defaults: 4 attempts, 30 s in all); `false` disables retries. */
  readonly retry?: RetryOptions | false | undefined
}

/** Options of calls on a user's set: `tenantId` selects the user×tenant set (MODEL.md). */
export interface ScopeOptions extends CallOptions {
  readonly tenantId?: string | undefined
}

/** Options of list calls. */
export interface ListOptions extends CallOptions {
  /** Page size, 1–1,000 (server default 25). */
  readonly limit?: number | undefined
  /** Start after this cursor (a previous page's `page.after`). */
  readonly after?: string | undefined
}

const scope = (options: ScopeOptions) => (options.tenantId === undefined ? {} : { tenant_id: options.tenantId })
const page = (options: ListOptions, after: string | undefined) => ({
  ...(options.limit === undefined ? {} : { limit: options.limit }),
  ...(after === undefined ? {} : { after })
})

const preferences = (call: Call) => ({
  /** The effective view (§4.1) with its `etag`. */
  get: (userId: string, options: ScopeOptions = {}) =>
    call("get", "/admin/v1/users/{user_id}/preferences", { ...options, path: { user_id: userId }, query: scope(options) }),
  /** The stored explicit choices only. */
  explicit: (userId: string, options: ScopeOptions = {}) =>
    call("get", "/admin/v1/users/{user_id}/preferences/explicit", { ...options, path: { user_id: userId }, query: scope(options) }),
  /** A merge patch (§4.2): send only what changed. `ifMatch` makes it conditional (412 when stale). */
  update: (userId: string, patch: PreferencesPatch, options: ScopeOptions = {}) =>
    call("put", "/admin/v1/users/{user_id}/preferences", { ...options, path: { user_id: userId }, query: scope(options), body: patch }),
  /** Removes every explicit choice (defaults apply again). */
  reset: (userId: string, options: ScopeOptions = {}) =>
    call("delete", "/admin/v1/users/{user_id}/preferences", { ...options, path: { user_id: userId }, query: scope(options) }),
  /** Every history entry, newest first, across pages. */
  history: (userId: string, options: ScopeOptions & ListOptions = {}) =>
    paginate(
      (after) =>
        call("get", "/admin/v1/users/{user_id}/preferences/history", {
          ...options,
          path: { user_id: userId },
          query: { ...scope(options), ...page(options, after) }
        }),
      options.after
    ),
  /** May this user receive the notiflow, per channel type (§4.3)? */
  evaluate: (userId: string, request: EvaluateRequest, options: ScopeOptions = {}) =>
    call("post", "/admin/v1/users/{user_id}/preferences/evaluate", { ...options, path: { user_id: userId }, query: scope(options), body: request }),
  /** The batch form for fan-out: up to 1,000 users, answered in input order. */
  evaluateMany: (request: BatchEvaluateRequest, options: ScopeOptions = {}) =>
    call("post", "/admin/v1/preferences/evaluate", { ...options, query: scope(options), body: request }),
  /**
   * Every user's global set (version 0 included) and every tenant set, explicit choices only, by
   * `user_id` (UTF-8 bytes) then `tenant_id` (`null` first): what a mirror or replica snapshots
   * (EVENTS.md §5). Pages go forward only (server default 100 per page); `after` resumes from a
   * previous page's `page.after`.
   */
  sets: (options: ListOptions = {}) =>
    paginate((after) => call("get", "/admin/v1/preferences/sets", { ...options, query: page(options, after) }), options.after),
  /**
   * Queues one write per user for up to 1,000 users (BULK.md §1): `items` with a patch (and
   * `if_match`) each, or `user_ids` with one patch; `mode: "replace"` resets first. Answers the
   * job (`status: "queued"`); follow it with `jobs.get`/`jobs.wait`.
   */
  bulk: (request: BulkRequest, options: CallOptions = {}) => call("post", "/admin/v1/preferences/bulk", { ...options, body: request })
})

/** Options of a job's items. */
export interface JobItemsOptions extends ListOptions {
  /** Only items of this status. */
  readonly status?: "pending" | "updated" | "unchanged" | "failed" | undefined
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const jobs = (call: Call) => {
  const get = (jobId: string, options: JobItemsOptions = {}) =>
    call("get", "/admin/v1/jobs/{job_id}", {
      ...options,
      path: { job_id: jobId },
      query: { ...page(options, options.after), ...(options.status === undefined ? {} : { status: options.status }) }
    })
  return {
    /** The job with its first page of items (server default 100). */
    get,
    /** Every item's result, in input order, across pages. */
    items: (jobId: string, options: JobItemsOptions = {}) => paginate((after) => get(jobId, { ...options, after }), options.after),
    /** Every job, newest first. */
    list: (options: ListOptions = {}) => paginate((after) => call("get", "/admin/v1/jobs", { ...options, query: page(options, after) }), options.after),
    /** Polls until the job is `completed` or `failed` (default every 500 ms, for at most 10 minutes). */
    wait: async (jobId: string, options: CallOptions & { readonly intervalMs?: number; readonly timeoutMs?: number } = {}) => {
      const deadline = Date.now() + (options.timeoutMs ?? 600_000)
      for (;;) {
        const response = await get(jobId, { ...options, limit: 1 })
        if (response.data.status === "completed" || response.data.status === "failed") return response
        if (Date.now() > deadline) throw new RangeError(`job ${jobId} did not end in time`)
        await sleep(options.intervalMs ?? 500)
      }
    }
  }
}

const users = (call: Call) => ({
  /** Creates (201) or updates (200) the user; `custom_fields` deep-merge. */
  upsert: (userId: string, user: UserUpsert, options: CallOptions = {}) =>
    call("put", "/admin/v1/users/{user_id}", { ...options, path: { user_id: userId }, body: user }),
  get: (userId: string, options: CallOptions = {}) => call("get", "/admin/v1/users/{user_id}", { ...options, path: { user_id: userId } }),
  /**
   * Erasure (EVENTS.md §1.3): the user, its sets, its ledger and the idempotency records naming
   * it; its earlier events are redacted and one `user.deleted` is written.
   */
  delete: (userId: string, options: CallOptions = {}) => call("delete", "/admin/v1/users/{user_id}", { ...options, path: { user_id: userId } }),
  /** The data-subject export (EVENTS.md §1.2): profile, every set and the whole ledger, as one document. */
  export: (userId: string, options: CallOptions = {}) => call("get", "/admin/v1/users/{user_id}/export", { ...options, path: { user_id: userId } }),
  /** Every user, newest first. */
  list: (options: ListOptions = {}) => paginate((after) => call("get", "/admin/v1/users", { ...options, query: page(options, after) }), options.after)
})

const notiflows = (call: Call) => ({
  /** Catalog upsert as a merge patch (`name` required on create; restores a deleted id). */
  upsert: (notiflowId: string, notiflow: NotiflowUpsert, options: CallOptions = {}) =>
    call("put", "/admin/v1/notiflows/{notiflow_id}", { ...options, path: { notiflow_id: notiflowId }, body: notiflow }),
  get: (notiflowId: string, options: CallOptions = {}) =>
    call("get", "/admin/v1/notiflows/{notiflow_id}", { ...options, path: { notiflow_id: notiflowId } }),
  /** Soft delete: stored choices are kept. */
  delete: (notiflowId: string, options: CallOptions = {}) =>
    call("delete", "/admin/v1/notiflows/{notiflow_id}", { ...options, path: { notiflow_id: notiflowId } }),
  list: (options: ListOptions = {}) => paginate((after) => call("get", "/admin/v1/notiflows", { ...options, query: page(options, after) }), options.after)
})

const categories = (call: Call) => ({
  upsert: (categoryId: string, category: CategoryUpsert, options: CallOptions = {}) =>
    call("put", "/admin/v1/categories/{category_id}", { ...options, path: { category_id: categoryId }, body: category }),
  get: (categoryId: string, options: CallOptions = {}) =>
    call("get", "/admin/v1/categories/{category_id}", { ...options, path: { category_id: categoryId } }),
  delete: (categoryId: string, options: CallOptions = {}) =>
    call("delete", "/admin/v1/categories/{category_id}", { ...options, path: { category_id: categoryId } }),
  list: (options: ListOptions = {}) => paginate((after) => call("get", "/admin/v1/categories", { ...options, query: page(options, after) }), options.after)
})

const tenants = (call: Call) => ({
  /** Tenants with defaults or user sets; `userId`: only those where this user has a set. */
  list: (options: ListOptions & { readonly userId?: string | undefined } = {}) =>
    paginate(
      (after) =>
        call("get", "/admin/v1/tenants", {
          ...options,
          query: { ...page(options, after), ...(options.userId === undefined ? {} : { user_id: options.userId }) }
        }),
      options.after
    ),
  defaults: {
    get: (tenantId: string, options: CallOptions = {}) =>
      call("get", "/admin/v1/tenants/{tenant_id}/preferences/defaults", { ...options, path: { tenant_id: tenantId } }),
    update: (tenantId: string, patch: TenantDefaultsPatch, options: CallOptions = {}) =>
      call("put", "/admin/v1/tenants/{tenant_id}/preferences/defaults", { ...options, path: { tenant_id: tenantId }, body: patch }),
    reset: (tenantId: string, options: CallOptions = {}) =>
      call("delete", "/admin/v1/tenants/{tenant_id}/preferences/defaults", { ...options, path: { tenant_id: tenantId } })
  }
})

const defaults = (call: Call) => ({
  /** The project's channel-type defaults (effective values). */
  get: (options: CallOptions = {}) => call("get", "/admin/v1/preferences/defaults", options),
  /** The stored defaults only: a channel type never set is absent (a stored `true` is present). */
  explicit: (options: CallOptions = {}) => call("get", "/admin/v1/preferences/defaults/explicit", options),
  update: (patch: ProjectDefaultsPatch, options: CallOptions = {}) => call("put", "/admin/v1/preferences/defaults", { ...options, body: patch })
})

/** Webhook endpoints, their deliveries, replay and test (EVENTS.md §4). */
const webhooks = (call: Call) => ({
  /** The answer carries the endpoint's `secret`, shown only now. */
  create: (endpoint: WebhookCreate, options: CallOptions = {}) => call("post", "/admin/v1/webhooks", { ...options, body: endpoint }),
  get: (webhookId: string, options: CallOptions = {}) => call("get", "/admin/v1/webhooks/{webhook_id}", { ...options, path: { webhook_id: webhookId } }),
  /** A merge patch of `url`, `event_types`, `description`, `status`; `ifMatch` makes it conditional. */
  update: (webhookId: string, patch: WebhookPatch, options: CallOptions = {}) =>
    call("patch", "/admin/v1/webhooks/{webhook_id}", { ...options, path: { webhook_id: webhookId }, body: patch }),
  delete: (webhookId: string, options: CallOptions = {}) => call("delete", "/admin/v1/webhooks/{webhook_id}", { ...options, path: { webhook_id: webhookId } }),
  list: (options: ListOptions = {}) => paginate((after) => call("get", "/admin/v1/webhooks", { ...options, query: page(options, after) }), options.after),
  /** A new secret (shown once); the previous one keeps signing for `overlap_seconds` (default 1 day). */
  rotateSecret: (webhookId: string, body: WebhookSecretRotate = {}, options: CallOptions = {}) =>
    call("post", "/admin/v1/webhooks/{webhook_id}/secret/rotate", { ...options, path: { webhook_id: webhookId }, body }),
  deliveries: (webhookId: string, options: ListOptions & { readonly status?: "pending" | "succeeded" | "failed" | "cancelled"; readonly eventId?: string } = {}) =>
    paginate(
      (after) =>
        call("get", "/admin/v1/webhooks/{webhook_id}/deliveries", {
          ...options,
          path: { webhook_id: webhookId },
          query: { ...page(options, after), ...(options.status === undefined ? {} : { status: options.status }), ...(options.eventId === undefined ? {} : { event_id: options.eventId }) }
        }),
      options.after
    ),
  /** Exactly one of `{after}` (a feed cursor) and `{event_ids}`. */
  replay: (webhookId: string, body: WebhookReplay, options: CallOptions = {}) =>
    call("post", "/admin/v1/webhooks/{webhook_id}/replay", { ...options, path: { webhook_id: webhookId }, body }),
  /** One signed `webhook.test` request now; answers the delivery whatever the receiver said. */
  test: (webhookId: string, options: CallOptions = {}) => call("post", "/admin/v1/webhooks/{webhook_id}/test", { ...options, path: { webhook_id: webhookId } })
})

const service = (call: Call) => ({
  /** `GET /healthz`: the process is up. */
  health: (options: CallOptions = {}) => call("get", "/healthz", options),
  /** `GET /readyz`: the database is reachable (503 `service_unavailable` otherwise, after retries). */
  ready: (options: CallOptions = {}) => call("get", "/readyz", options)
})

/** Creates an Admin API client. */
export const createAdminClient = (options: AdminClientOptions) => {
  const authHeaders: Record<string, string> = { "x-notiflows-secret-key": options.secretKey }
  if (options.publicKey !== undefined) authHeaders["x-notiflows-api-key"] = options.publicKey
  const { call } = makeTransport({
    baseUrl: options.baseUrl,
    headers: () => authHeaders,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.retry === undefined ? {} : { retry: options.retry })
  })
  return {
    preferences: preferences(call),
    users: users(call),
    notiflows: notiflows(call),
    categories: categories(call),
    tenants: tenants(call),
    defaults: defaults(call),
    jobs: jobs(call),
    webhooks: webhooks(call),
    service: service(call),
    /** Any documented operation, typed from the OpenAPI document (routes without a method yet). */
    request: call
  }
}

export type AdminClient = ReturnType<typeof createAdminClient>
