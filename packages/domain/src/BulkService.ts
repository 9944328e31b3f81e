/**
 * Use cases of bulk preference writes (BULK.md §1.1, §1.2): validate and store a job at submit
 * (every problem by dotted path, nothing queued then), read a job and its items, list jobs.
 * Running jobs is `BulkExecutor.ts`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { JobNotFound, ValidationFailed } from "./Errors.js"
import type { FieldIssue } from "./Issues.js"
import { decoderFor, issue, isJsonObject, joinPath } from "./Issues.js"
import type { ItemsQuery } from "./JobRepository.js"
import { JobRepository } from "./JobRepository.js"
import { signalJobStored } from "./JobWakeup.js"
import type { BulkMode, JobItem, NewJob, StoredJob } from "./Jobs.js"
import { BulkEnvelopes } from "./Jobs.js"
import type { Page, SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import { decodePatchV2 } from "./PatchV2.js"
import type { WriteContext } from "./PreferenceService.js"
import type { ExternalUserId, ProjectId } from "./Preferences.js"
import type { PreferenceChoicesV2 } from "./PreferencesV2.js"
import { loadModelCatalog } from "./ScopedPreferenceService.js"
import { TenantRepository } from "./TenantRepository.js"
import type { TenantId } from "./Tenants.js"
import { categoryLookup } from "./ViewV2.js"
import type { ModelCatalog } from "./ViewV2.js"

const decodeItemsShape = decoderFor(BulkEnvelopes.items)
const decodeIdsShape = decoderFor(BulkEnvelopes.ids)

/** The patch rules of API.md §4.2 and MODEL.md in a context (catalog, the tenant's locks). */
export const patchChecker = (catalog: ModelCatalog, locks: PreferenceChoicesV2 | undefined) => {
  const notiflows = new Map(catalog.notiflows.map((e) => [e.id as string, e]))
  const category = categoryLookup(catalog)
  return (patch: unknown) => decodePatchV2(patch, { audience: "admin", notiflow: (id) => notiflows.get(id), category, locks })
}

/** The locks of the job's tenant (none for the global set). */
export const locksOf = (projectId: ProjectId, tenantId: TenantId | null) =>
  tenantId === null
    ? Effect.succeed(undefined)
    : Effect.map(Effect.flatMap(TenantRepository, (t) => t.loadDefaults(projectId, tenantId)), (s) => s.defaults.locks)

const prefixed = (prefix: string, issues: ReadonlyArray<FieldIssue>) => issues.map((i) => ({ ...i, field: joinPath(prefix, i.field) }))

/** `invalid_format` on every later occurrence of a user id. */
const repeats = (ids: ReadonlyArray<unknown>, pathOf: (i: number) => string): Array<FieldIssue> => {
  const seen = new Set<string>()
  const out: Array<FieldIssue> = []
  ids.forEach((id, i) => {
    if (typeof id !== "string") return
    if (seen.has(id)) out.push(issue(pathOf(i), "invalid_format", "user id repeated: each user at most once per job"))
    seen.add(id)
  })
  return out
}

type Decision = { readonly ok: false; readonly issues: ReadonlyArray<FieldIssue> } | { readonly ok: true; readonly job: Omit<NewJob, "projectId" | "requestId" | "actor" | "consent" | "createdAt"> }

/** The envelope (either shape), then each patch with the catalog and locks, then repeated users. */
const decideSubmission = (body: unknown, check: (patch: unknown) => ReturnType<ReturnType<typeof patchChecker>>, tenantOf: (b: unknown) => TenantId | null): Decision => {
  if (!isJsonObject(body)) {
    const d = decodeItemsShape(body)
    return { ok: false, issues: d.ok ? [] : d.issues }
  }
  if ("items" in body && ("user_ids" in body || "preferences" in body)) {
    return { ok: false, issues: [issue("", "invalid_format", "send either items, or user_ids with one preferences patch, not both")] }
  }
  const idsShape = !("items" in body) && ("user_ids" in body || "preferences" in body)
  const issues: Array<FieldIssue> = []
  if (idsShape) {
    const d = decodeIdsShape(body)
    if (!d.ok) issues.push(...d.issues)
    if ("preferences" in body) {
      const p = check(body["preferences"])
      if (!p.ok) issues.push(...prefixed("preferences", p.issues))
    }
    const ids = Array.isArray(body["user_ids"]) ? (body["user_ids"] as ReadonlyArray<unknown>) : []
    issues.push(...repeats(ids, (i) => `user_ids.${i}`))
    if (!d.ok || issues.length > 0) return { ok: false, issues }
    const v = d.value
    return {
      ok: true,
      job: {
        mode: (v.mode ?? "merge") as BulkMode,
        tenantId: tenantOf(v),
        preferences: body["preferences"],
        items: v.user_ids.map((userId) => ({ userId: userId as ExternalUserId, preferences: null, ifMatch: null }))
      }
    }
  }
  const d = decodeItemsShape(body)
  if (!d.ok) issues.push(...d.issues)
  const raw = Array.isArray(body["items"]) ? (body["items"] as ReadonlyArray<unknown>) : []
  raw.forEach((item, i) => {
    if (!isJsonObject(item) || !("preferences" in item)) return
    const p = check(item["preferences"])
    if (!p.ok) issues.push(...prefixed(`items.${i}.preferences`, p.issues))
  })
  issues.push(...repeats(raw.map((item) => (isJsonObject(item) ? item["user_id"] : undefined)), (i) => `items.${i}.user_id`))
  if (!d.ok || issues.length > 0) return { ok: false, issues }
  const v = d.value
  return {
    ok: true,
    job: {
      mode: (v.mode ?? "merge") as BulkMode,
      tenantId: tenantOf(v),
      preferences: null,
      items: v.items.map((item, i) => ({
        userId: item.user_id as ExternalUserId,
        preferences: (raw[i] as Record<string, unknown>)["preferences"],
        ifMatch: item.if_match ?? null
      }))
    }
  }
}

/**
 * `POST /admin/preferences/bulk`: validates everything (422 with every problem; nothing queued
 * then) and stores the job, `queued`. Users are not looked up: an unknown user fails its item.
 */
export const submitBulk = (input: { readonly projectId: ProjectId; readonly body: unknown; readonly context: WriteContext }) =>
  Effect.gen(function* () {
    const rawTenant = isJsonObject(input.body) && typeof input.body["tenant_id"] === "string" ? (input.body["tenant_id"] as TenantId) : null
    const [catalog] = yield* loadModelCatalog(input.projectId)
    // Locks of a malformed tenant id are not read: the envelope reports the id.
    const locks = rawTenant !== null && /^[A-Za-z0-9_:-]{1,64}$/.test(rawTenant) ? yield* locksOf(input.projectId, rawTenant) : undefined
    const tenantOf = (v: unknown) => ((v as { tenant_id?: TenantId }).tenant_id ?? null)
    const decision = decideSubmission(input.body, patchChecker(catalog, locks), tenantOf)
    if (!decision.ok) return yield* Effect.fail(new ValidationFailed({ issues: decision.issues }))
    const repo = yield* JobRepository
    const createdAt = new Date(yield* Clock.currentTimeMillis)
    const job = yield* repo.create({
      ...decision.job,
      projectId: input.projectId,
      requestId: input.context.requestId,
      actor: input.context.actor,
      consent: input.context.consent ?? null,
      createdAt
    })
    yield* signalJobStored
    return job
  })

/** A job with a page of its items (input order). */
export const getJob = (projectId: ProjectId, jobId: string, query: ItemsQuery) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    const job = yield* repo.get(projectId, jobId)
    if (Option.isNone(job)) return yield* Effect.fail(new JobNotFound({ jobId }))
    const slice = yield* repo.items(projectId, jobId, query)
    const last = slice.items[slice.items.length - 1]
    return { job: job.value, items: slice.items, last: last?.index, hasMore: slice.hasMore } satisfies {
      job: StoredJob
      items: ReadonlyArray<JobItem>
      last: number | undefined
      hasMore: boolean
    }
  })

/** A project's jobs, newest first. */
export const listJobs = (projectId: ProjectId, query: SliceQuery<string>) =>
  Effect.map(
    Effect.flatMap(JobRepository, (r) => r.list(projectId, query)),
    (slice): Page<StoredJob> => toPage(slice, query, (j) => j.id)
  )
