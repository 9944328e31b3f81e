/**
 * Port: bulk jobs and their items (BULK.md §1.2). Adapters provide claims, item settlement and
 * the atomic item write; the executor (`BulkExecutor.ts`) derives the run from them.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RepositoryError, UserNotFound, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { HistoryInput } from "./History.js"
import type { ItemFailure, JobError, JobItem, JobItemRef, JobItemStatus, NewJob, PendingItem, StoredJob } from "./Jobs.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ProjectId, UserId } from "./Preferences.js"
import type { PreferenceChoicesV2, PreferenceSetV2 } from "./PreferencesV2.js"
import type { ScopedCommit, StoredScopedPreferences } from "./ScopedPreferenceRepository.js"
import type { Scope } from "./Tenants.js"

/** Items of a job in input order: after an index, optionally of one status. */
export interface ItemsQuery {
  readonly limit: number
  readonly after?: number
  readonly status?: JobItemStatus
}

/** A job an instance now runs, and when it last progressed (an item settled, or it started). */
export interface ClaimedJob {
  readonly job: StoredJob
  readonly progressAt: Date
}

/** What settles an item without a write. */
export type ItemSettlement = { readonly status: "unchanged" } | { readonly status: "failed"; readonly failure: ItemFailure }

/** A pending item with its user's stored sets in the job's scope, read together (`null`: no such user). */
export interface PendingSnapshot extends PendingItem {
  readonly stored: StoredScopedPreferences | null
}

/** One item's compare-and-set in a chunk: the scope's set at `expectedVersion` becomes `choices` at the next version. */
export interface ChunkWrite {
  readonly index: number
  readonly userId: UserId
  readonly expectedVersion: number
  readonly choices: PreferenceChoicesV2
  readonly history: HistoryInput
  readonly event: EventInput
}

/** The results of many pending items of one job, in the job's scope. */
export interface ChunkCommit {
  readonly projectId: ProjectId
  readonly jobId: string
  readonly scope: Scope
  readonly writes: ReadonlyArray<ChunkWrite>
  readonly settlements: ReadonlyArray<{ readonly index: number; readonly settlement: ItemSettlement }>
}

/** What a chunk did: the items written (index → version), those settled without a write, those to read again. */
export interface ChunkOutcome {
  readonly written: ReadonlyMap<number, number>
  readonly settled: number
  /** Pending writes that did not apply: the set moved (a concurrent writer) or the user is gone. */
  readonly retry: ReadonlyArray<number>
}

export class JobRepository extends Context.Tag("@notiflows/domain/JobRepository")<
  JobRepository,
  {
    /** Stores a job (`queued`) with its items (`pending`). */
    readonly create: (job: NewJob) => Effect.Effect<StoredJob, RepositoryError>
    readonly get: (projectId: ProjectId, jobId: string) => Effect.Effect<Option.Option<StoredJob>, RepositoryError>
    /** A project's jobs, newest first, by id (UUIDv7). */
    readonly list: (projectId: ProjectId, query: SliceQuery<string>) => Effect.Effect<Slice<StoredJob>, RepositoryError>
    readonly items: (projectId: ProjectId, jobId: string, query: ItemsQuery) => Effect.Effect<Slice<JobItem>, RepositoryError>
    /**
     * Claims the next job to run for `claimMs`: the oldest unfinished job of a project with no
     * older unfinished job, not claimed by a live claim (`claimed_until` passed). A queued job
     * becomes `running` (started and progressed now). `None` when nothing is runnable.
     */
    readonly claim: (input: { readonly owner: string; readonly claimMs: number; readonly at: Date }) => Effect.Effect<Option.Option<ClaimedJob>, RepositoryError>
    /** Extends the owner's claim (and records progress); `false` when the claim was lost. */
    readonly renew: (input: {
      readonly projectId: ProjectId
      readonly jobId: string
      readonly owner: string
      readonly claimMs: number
      readonly at: Date
      readonly progressed: boolean
    }) => Effect.Effect<boolean, RepositoryError>
    /** Gives the claim up at once (another instance may take the job). */
    readonly release: (projectId: ProjectId, jobId: string, owner: string) => Effect.Effect<void, RepositoryError>
    /** Pending items in input order, with the patch each writes. */
    readonly pending: (projectId: ProjectId, jobId: string, limit: number) => Effect.Effect<ReadonlyArray<PendingItem>, RepositoryError>
    /**
     * The scope's compare-and-set (as `ScopedPreferenceRepository.commit`) and the item's result
     * (`updated`, the new version), atomically, only while the item is pending: `None` when it
     * was already settled (then nothing is written).
     */
    readonly commitItem: (
      commit: ScopedCommit,
      item: JobItemRef
    ) => Effect.Effect<Option.Option<PreferenceSetV2>, VersionConflict | UserNotFound | RepositoryError>
    /** Pending items after an index (-1: from the start) in input order, each with its user's sets in `scope` (one read for the chunk). */
    readonly pendingSnapshots: (
      projectId: ProjectId,
      jobId: string,
      scope: Scope,
      after: number,
      limit: number
    ) => Effect.Effect<ReadonlyArray<PendingSnapshot>, RepositoryError>
    /**
     * Many items at once, each exactly as `commitItem` / `settleItem` would (its set, ledger entry,
     * event and result together, only while it is pending), in one transaction: a write whose set
     * moved or whose user is gone writes nothing and is listed in `retry`, and never undoes
     * another item; items already settled are left alone.
     */
    readonly commitChunk: (chunk: ChunkCommit) => Effect.Effect<ChunkOutcome, RepositoryError>
    /** Settles a pending item without a write; `false` when it was already settled. */
    readonly settleItem: (item: JobItemRef, settlement: ItemSettlement) => Effect.Effect<boolean, RepositoryError>
    /**
     * Ends an unfinished job (`completed` or `failed`) and writes `event(job after)` in the same
     * transaction; `None` when it had already ended (so the event is written once).
     */
    readonly finish: (input: {
      readonly projectId: ProjectId
      readonly jobId: string
      readonly status: "completed" | "failed"
      readonly error: JobError | null
      readonly at: Date
      readonly event: (job: StoredJob) => EventInput
    }) => Effect.Effect<Option.Option<StoredJob>, RepositoryError>
    /** Removes jobs (with their items) that ended before `before`; the number removed. */
    readonly purge: (before: Date) => Effect.Effect<number, RepositoryError>
  }
>() {}
