/**
 * A bulk job's items a chunk at a time (BULK.md §1.2): ONE read of the chunk's pending items with
 * their users' sets, the merge of every item in memory (the same pure rules as a single write:
 * catalog and locks, `If-Match`, merge or replace, diff), then ONE commit of the chunk: every
 * item's set, ledger entry, event and result, each only while the item is pending. An item whose
 * set moved meanwhile (a concurrent writer) or whose user is gone writes nothing and is read
 * again in the next round, as a single write retries its conflict; after `MAX_ATTEMPTS` rounds it
 * fails with `contention`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import { patchChecker } from "./BulkService.js"
import type { RepositoryError } from "./Errors.js"
import { preferencesUpdatedEvent } from "./Events.js"
import type { HistoryInput } from "./History.js"
import { ledgerFields } from "./History.js"
import type { ChunkWrite, ItemSettlement, PendingSnapshot } from "./JobRepository.js"
import { JobRepository } from "./JobRepository.js"
import type { StoredJob } from "./Jobs.js"
import { applyPatchV2, diffV2 } from "./PatchV2.js"
import type { WriteContext } from "./PreferenceService.js"
import type { ProjectDefaults } from "./Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"
import { emptyChoicesV2 } from "./PreferencesV2.js"
import type { ScopedPrecondition, ScopedSnapshot } from "./ScopedPreferenceService.js"
import { loadModelCatalog, tenantDefaultsOf } from "./ScopedPreferenceService.js"
import type { Scope } from "./Tenants.js"
import { scopeOf } from "./Tenants.js"
import type { ModelCatalog } from "./ViewV2.js"
import { MAX_ATTEMPTS, versionConflictRetries, writeContentionFailures } from "./internal/retry.js"

/**
 * Items read, merged and committed together: large enough that a 1,000-item job is four
 * statements' worth of work, small enough that a job shows progress (and a dead instance's
 * successor has whole chunks left to take over) rather than one all-or-nothing commit.
 */
export const CHUNK_SIZE = 250

/** What every item of a chunk is checked and merged against (read once per chunk). */
export interface ChunkContext {
  readonly scope: Scope
  readonly catalog: ModelCatalog
  readonly defaults: ProjectDefaults
  readonly tenant: TenantDefaults | undefined
  readonly at: Date
  readonly precondition: (ifMatch: string) => ScopedPrecondition
}

/** An item's decision: a write (compare-and-set) or a result without one. */
export type ItemPlan = { readonly _tag: "write"; readonly write: ChunkWrite } | { readonly _tag: "settle"; readonly settlement: ItemSettlement }

const settle = (settlement: ItemSettlement): ItemPlan => ({ _tag: "settle", settlement })

/**
 * One item's decision, in the order of a single write: the user (404), the patch against today's
 * catalog and locks (422), `If-Match` on the current set (412), then the merge and its diff
 * (`unchanged` when nothing changes).
 */
export const planItem = (
  job: StoredJob,
  item: PendingSnapshot,
  ctx: ChunkContext,
  check: ReturnType<typeof patchChecker>
): ItemPlan => {
  if (item.stored === null) return settle({ status: "failed", failure: { reason: "user_not_found" } })
  const snapshot: ScopedSnapshot = { ...item.stored, scope: ctx.scope, tenant: ctx.tenant, catalog: ctx.catalog, defaults: ctx.defaults }
  const patch = check(item.preferences)
  if (!patch.ok) return settle({ status: "failed", failure: { reason: "validation_failed", issues: patch.issues } })
  const base: PreferenceChoicesV2 = job.mode === "replace" ? emptyChoicesV2 : snapshot.scoped
  const next = applyPatchV2(base, patch.value)
  const choices: PreferenceChoicesV2 = { channel_types: next.channel_types, categories: next.categories, notiflows: next.notiflows }
  const current = item.ifMatch === null ? undefined : ctx.precondition(item.ifMatch)(snapshot)
  if (current !== undefined) return settle({ status: "failed", failure: { reason: "precondition_failed", current } })
  const changes = diffV2(snapshot.scoped, choices)
  if (changes.length === 0) return settle({ status: "unchanged" })
  const context: WriteContext = { actor: job.actor, requestId: job.requestId, source: "bulk", consent: job.consent }
  const history: HistoryInput = {
    actor: context.actor,
    request_id: context.requestId,
    changed_at: ctx.at,
    changes,
    ...ledgerFields(context, job.mode === "replace" ? "replace" : "patch")
  }
  const expectedVersion = snapshot.scoped.version
  const event = preferencesUpdatedEvent({ externalId: item.userId, tenantId: job.tenantId, version: expectedVersion + 1, preferences: choices, history })
  return { _tag: "write", write: { index: item.index, userId: snapshot.userId, expectedVersion, choices, history, event } }
}

/** The pause before reading conflicted items again: a yield at first, then full jitter capped at 50 ms (as a single write). */
const backoff = (attempt: number) =>
  attempt < 3 ? Effect.yieldNow() : Effect.flatMap(Random.nextIntBetween(0, Math.min(50, 2 ** (attempt - 2)) + 1), (ms) => Effect.sleep(ms))

/** A chunk read and planned: its items, their writes and their results without a write. */
interface PlannedChunk {
  readonly items: ReadonlyArray<PendingSnapshot>
  readonly writes: ReadonlyArray<ChunkWrite>
  readonly settlements: ReadonlyArray<{ readonly index: number; readonly settlement: ItemSettlement }>
  readonly gaveUp: number
}

/** Reads the pending items after `cursor` with their sets and plans each; `undefined` when none is pending there. */
const planChunk = (job: StoredJob, scope: Scope, precondition: ChunkContext["precondition"], attempts: ReadonlyMap<number, number>, cursor: number, size: number) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    const items = yield* repo.pendingSnapshots(job.projectId, job.id, scope, cursor, size)
    if (items.length === 0) return undefined
    const [catalog, defaults] = yield* loadModelCatalog(job.projectId)
    const tenant = yield* tenantDefaultsOf(job.projectId, scope)
    const ctx: ChunkContext = { scope, catalog, defaults, tenant, at: new Date(yield* Clock.currentTimeMillis), precondition }
    const check = memoized(patchChecker(catalog, tenant?.locks))
    const writes: Array<ChunkWrite> = []
    const settlements: Array<{ index: number; settlement: ItemSettlement }> = []
    let gaveUp = 0
    for (const item of items) {
      const exhausted = (attempts.get(item.index) ?? 0) >= MAX_ATTEMPTS
      if (exhausted) gaveUp++
      const plan = exhausted ? settle({ status: "failed", failure: { reason: "contention" } }) : planItem(job, item, ctx, check)
      if (plan._tag === "write") writes.push(plan.write)
      else settlements.push({ index: item.index, settlement: plan.settlement })
    }
    return { items, writes, settlements, gaveUp } satisfies PlannedChunk
  })

/**
 * The patch check of a chunk, once per distinct patch (a `user_ids` job has one patch for all):
 * the check is pure, so equal patches (same JSON) get the same answer.
 */
const memoized = (check: ReturnType<typeof patchChecker>): ReturnType<typeof patchChecker> => {
  const seen = new Map<string, ReturnType<ReturnType<typeof patchChecker>>>()
  return (patch) => {
    const key = JSON.stringify(patch) ?? "undefined"
    const known = seen.get(key)
    if (known !== undefined) return known
    const answer = check(patch)
    seen.set(key, answer)
    return answer
  }
}

/**
 * Commits a planned chunk; the answer is the highest attempt count among its items to read
 * again (0: none): the writes that did not apply, and any item the commit did not settle (if
 * another runner settled it, the next read no longer returns it).
 */
const commitChunk = (job: StoredJob, scope: Scope, chunk: PlannedChunk, attempts: Map<number, number>, onSettled: (n: number) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const repo = yield* JobRepository
    if (chunk.gaveUp > 0) yield* Metric.incrementBy(writeContentionFailures, chunk.gaveUp)
    const outcome = yield* repo.commitChunk({ projectId: job.projectId, jobId: job.id, scope, writes: chunk.writes, settlements: chunk.settlements })
    yield* onSettled(outcome.written.size + outcome.settled)
    const accounted = outcome.retry.length + outcome.written.size + outcome.settled === chunk.items.length
    const retry = accounted ? outcome.retry : chunk.items.map((i) => i.index).filter((i) => !outcome.written.has(i))
    let worst = 0
    for (const index of retry) {
      const n = (attempts.get(index) ?? 0) + 1
      attempts.set(index, n)
      worst = Math.max(worst, n)
    }
    if (retry.length > 0) yield* Metric.incrementBy(versionConflictRetries, retry.length)
    return worst
  })

/**
 * Chunk commits in the database at once. Two: while one chunk's statement runs, PostgreSQL runs
 * the previous one's on the other core, and the service plans the next. Chunks of one job hold
 * distinct items of distinct users (a job names a user once), so their statements touch disjoint
 * rows; each is still one transaction. On PGlite they queue on its one connection.
 */
export const COMMITS_IN_FLIGHT = 2

/**
 * Runs the job's pending items chunk by chunk until none is left; `onSettled` hears how many
 * items each commit settled (the heartbeat's progress). Sweeps the items in input order: the next
 * chunk (later items, other users) is read and planned while earlier ones commit, at most
 * `inFlight` commits at a time; items to read again wait for the next sweep. A storage failure
 * fails the run with the chunk's items still pending (nothing of a failed commit applies).
 */
export const runChunks = (
  job: StoredJob,
  precondition: (ifMatch: string) => ScopedPrecondition,
  onSettled: (n: number) => Effect.Effect<void>,
  size: number = CHUNK_SIZE,
  inFlight: number = COMMITS_IN_FLIGHT
) =>
  Effect.gen(function* () {
    const scope = scopeOf(job.tenantId)
    const attempts = new Map<number, number>()
    let cursor = -1
    let retried = false
    const commits: Array<Fiber.RuntimeFiber<number, RepositoryError>> = []
    /** Waits for the oldest commit in flight; its items to read again mark the sweep for another round. */
    const settleOldest = Effect.gen(function* () {
      const worst = yield* Fiber.join(commits.shift()!)
      if (worst > 0) {
        retried = true
        yield* backoff(worst)
      }
    })
    for (;;) {
      const chunk = yield* planChunk(job, scope, precondition, attempts, cursor, size)
      if (chunk === undefined) {
        while (commits.length > 0) yield* settleOldest
        // A sweep without items to read again has settled every item; otherwise sweep again.
        if (!retried) return
        cursor = -1
        retried = false
        continue
      }
      while (commits.length >= Math.max(1, inFlight)) yield* settleOldest
      cursor = chunk.items[chunk.items.length - 1]!.index
      commits.push(yield* Effect.fork(commitChunk(job, scope, chunk, attempts, onSettled)))
    }
  })
