/**
 * Runs bulk jobs (BULK.md §1.2) on any instance: claim the next runnable job (a project's jobs
 * one at a time, in submission order), run its pending items a chunk at a time (`BulkChunk.ts`:
 * one read and one commit per chunk) while a heartbeat keeps the claim, and end it with one
 * `bulk_job.completed`. Each item is one preference write whose set, ledger entry (`source:
 * bulk`), event and result commit together, only while the item is pending: an instance that dies, or a slow one whose claim was taken over, can never apply
 * an item twice. A job without progress for `stallMs` (the database kept failing) ends `failed`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { PreconditionFailed, ValidationFailed } from "./Errors.js"
import { preferencesUpdatedEvent } from "./Events.js"
import type { HistoryInput } from "./History.js"
import { ledgerFields } from "./History.js"
import { JobRepository } from "./JobRepository.js"
import type { ClaimedJob, ItemSettlement } from "./JobRepository.js"
import type { JobError, PendingItem, StoredJob } from "./Jobs.js"
import { bulkJobCompletedEvent } from "./Jobs.js"
import { applyPatchV2, diffV2 } from "./PatchV2.js"
import { runChunks } from "./BulkChunk.js"
import { patchChecker } from "./BulkService.js"
import type { WriteContext } from "./PreferenceService.js"
import type { PreferenceChoicesV2 } from "./PreferencesV2.js"
import { emptyChoicesV2 } from "./PreferencesV2.js"
import type { ScopedPrecondition } from "./ScopedPreferenceService.js"
import { getScopedPreferences } from "./ScopedPreferenceService.js"
import { scopeOf } from "./Tenants.js"
import { retryOnConflict } from "./internal/retry.js"

export interface ExecutorOptions {
  /** This instance's name in claims. */
  readonly owner: string
  /** How long a claim lasts without renewal; a dead instance's job is taken over within twice this. */
  readonly claimMs: number
  /** A job without progress this long ends `failed` (BULK.md: an hour). */
  readonly stallMs: number
  /** Items in flight at once in {@link runItem} (a chunk is one commit, `BulkChunk.ts`). */
  readonly concurrency: number
  /** Items read and committed together (default `CHUNK_SIZE`). */
  readonly chunkSize?: number
  /** The `If-Match` precondition of an item on its set's admin view (the transport knows ETags). */
  readonly precondition: (ifMatch: string) => ScopedPrecondition
}

export const DEFAULT_EXECUTOR = { claimMs: 15_000, stallMs: 60 * 60 * 1000, concurrency: 8 } as const

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

type Outcome = { readonly status: "updated" | "settled" } | { readonly status: "unchanged" }

/** One item's write: validate against today's catalog and locks, merge (or replace), commit with its result. */
const writeItem = (job: StoredJob, item: PendingItem, options: ExecutorOptions) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    const scope = scopeOf(job.tenantId)
    const context: WriteContext = { actor: job.actor, requestId: job.requestId, source: "bulk", consent: job.consent }
    const operation = job.mode === "replace" ? "replace" : "patch"
    const attempt = Effect.gen(function* () {
      const snapshot = yield* getScopedPreferences(job.projectId, item.userId, scope)
      const patch = patchChecker(snapshot.catalog, snapshot.tenant?.locks)(item.preferences)
      if (!patch.ok) return yield* Effect.fail(new ValidationFailed({ issues: patch.issues }))
      const base: PreferenceChoicesV2 = job.mode === "replace" ? emptyChoicesV2 : snapshot.scoped
      const next = applyPatchV2(base, patch.value)
      const choices: PreferenceChoicesV2 = { channel_types: next.channel_types, categories: next.categories, notiflows: next.notiflows }
      const current = item.ifMatch === null ? undefined : options.precondition(item.ifMatch)(snapshot)
      if (current !== undefined) return yield* Effect.fail(new PreconditionFailed({ current }))
      const changes = diffV2(snapshot.scoped, choices)
      if (changes.length === 0) return { status: "unchanged" } satisfies Outcome
      const history: HistoryInput = {
        actor: context.actor,
        request_id: context.requestId,
        changed_at: yield* now,
        changes,
        ...ledgerFields(context, operation)
      }
      const expectedVersion = snapshot.scoped.version
      const saved = yield* repo.commitItem(
        {
          projectId: job.projectId,
          userId: snapshot.userId,
          scope,
          expectedVersion,
          choices,
          history,
          event: preferencesUpdatedEvent({ externalId: item.userId, tenantId: job.tenantId, version: expectedVersion + 1, preferences: choices, history })
        },
        { projectId: job.projectId, jobId: job.id, index: item.index }
      )
      return { status: Option.isSome(saved) ? "updated" : "settled" } satisfies Outcome
    })
    return yield* retryOnConflict(attempt)
  })

/** Runs one item to a final status (a storage failure leaves it pending and fails the run). */
export const runItem = (job: StoredJob, item: PendingItem, options: ExecutorOptions) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    const settle = (s: ItemSettlement) => repo.settleItem({ projectId: job.projectId, jobId: job.id, index: item.index }, s)
    const failed = (failure: Extract<ItemSettlement, { status: "failed" }>["failure"]) => settle({ status: "failed", failure })
    yield* writeItem(job, item, options).pipe(
      Effect.flatMap((o) => (o.status === "unchanged" ? settle({ status: "unchanged" }) : Effect.succeed(true))),
      Effect.catchTags({
        UserNotFound: () => failed({ reason: "user_not_found" }),
        PreconditionFailed: (e) => failed({ reason: "precondition_failed", current: e.current }),
        ValidationFailed: (e) => failed({ reason: "validation_failed", issues: e.issues }),
        WriteContention: () => failed({ reason: "contention" })
      })
    )
  })

/** Ends a job with its event (once, whoever calls it). */
export const finishJob = (job: StoredJob, status: "completed" | "failed", error: JobError | null) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    const at = yield* now
    return yield* repo.finish({ projectId: job.projectId, jobId: job.id, status, error, at, event: (j) => bulkJobCompletedEvent(j, at) })
  })

/** Pending items chunk by chunk (`BulkChunk.ts`: one read and one commit per chunk) until none is left, then `completed`. */
const runItems = (job: StoredJob, options: ExecutorOptions, settled: Ref.Ref<number>) =>
  Effect.gen(function* () {
    yield* runChunks(job, options.precondition, (n) => Ref.update(settled, (m) => m + n), options.chunkSize)
    yield* finishJob(job, "completed", null)
  })

/** Renews the claim every third of its length; ends (with `lost`) when another instance has it. */
const heartbeat = (job: StoredJob, options: ExecutorOptions, settled: Ref.Ref<number>) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    let seen = 0
    for (;;) {
      yield* Effect.sleep(Math.max(10, Math.floor(options.claimMs / 3)))
      const n = yield* Ref.get(settled)
      const kept = yield* repo.renew({ projectId: job.projectId, jobId: job.id, owner: options.owner, claimMs: options.claimMs, at: yield* now, progressed: n > seen })
      seen = n
      if (!kept) return "lost" as const
    }
  })

/** Claims the next runnable job for `options.owner` (`None` when there is none). */
export const claimNextJob = (options: ExecutorOptions) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    return yield* repo.claim({ owner: options.owner, claimMs: options.claimMs, at: yield* now })
  })

/**
 * Runs a claimed job: its pending items under a heartbeat that keeps the claim, or `failed` at
 * once when it made no progress for `stallMs`. A storage failure fails the run: the claim is
 * given back, and the job continues on the next claim.
 */
export const runClaimedJob = ({ job, progressAt }: ClaimedJob, options: ExecutorOptions) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    const at = yield* now
    if (at.getTime() - progressAt.getTime() > options.stallMs) {
      yield* finishJob(job, "failed", { code: "stalled", message: "The job made no progress for an hour (storage kept failing); pending items were not applied" })
      return
    }
    const settled = yield* Ref.make(0)
    yield* Effect.raceFirst(runItems(job, options, settled), heartbeat(job, options, settled)).pipe(
      Effect.tapError(() => Effect.ignore(repo.release(job.projectId, job.id, options.owner)))
    )
  })

/** Claims and runs the next runnable job; `false` when there was none. */
export const runNextJob = (options: ExecutorOptions) =>
  Effect.flatMap(claimNextJob(options), (claimed) => (Option.isNone(claimed) ? Effect.succeed(false) : Effect.as(runClaimedJob(claimed.value, options), true)))
