/**
 * In-memory {@link JobRepository}: the reference implementation of bulk jobs. Every operation is
 * one synchronous section, so an item's write and its result are atomic, as one SQL transaction.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { JobItem, JobRepository, PreferenceSetV2, StoredJob, UserId } from "@notiflows/domain"
import { countsOf, UserNotFound, VersionConflict } from "@notiflows/domain"
import { commitSync, globalSetOf, scopedSetOf } from "./InMemoryScopedPreferenceRepository.js"
import { uuidv7 } from "./internal/ids.js"
import type { JobRecord, Store } from "./internal/store.js"
import { appendEvent, requireProject, sliceNewestFirst, snapshot, usersOf } from "./internal/store.js"

const UNFINISHED: ReadonlySet<string> = new Set(["queued", "running"])

const withCounts = (r: JobRecord): StoredJob => ({ ...r.job, counts: countsOf(r.items.map((i) => i.item.status)) })

/** The port over a shared store. */
export const makeJobRepository = (store: Store): JobRepository["Type"] => {
  const jobs = () => (store.jobs ??= new Map())
  let seq = 0
  const find = (projectId: string, jobId: string) => {
    const r = jobs().get(jobId)
    return r !== undefined && r.job.projectId === projectId ? r : undefined
  }
  const pendingItem = (jobId: string, index: number) => {
    const entry = jobs().get(jobId)?.items[index]
    return entry !== undefined && entry.item.status === "pending" ? entry : undefined
  }
  return {
    create: (job) =>
      Effect.flatMap(requireProject(store, job.projectId, "jobs.create"), () =>
        Effect.sync(() => {
          const stored: StoredJob = snapshot({
            id: uuidv7(job.createdAt.getTime()),
            projectId: job.projectId,
            status: "queued",
            mode: job.mode,
            tenantId: job.tenantId,
            requestId: job.requestId,
            actor: job.actor,
            consent: job.consent,
            preferences: job.preferences,
            counts: countsOf([]),
            error: null,
            createdAt: job.createdAt,
            startedAt: null,
            completedAt: null
          })
          const record: JobRecord = {
            job: stored,
            items: job.items.map((i, index) => ({
              item: { index, userId: i.userId, status: "pending", version: null, failure: null },
              preferences: snapshot(i.preferences),
              ifMatch: i.ifMatch
            })),
            seq: ++seq,
            claimedBy: null,
            claimedUntil: 0,
            progressAt: job.createdAt
          }
          jobs().set(stored.id, record)
          return withCounts(record)
        })
      ),
    get: (projectId, jobId) => Effect.sync(() => Option.map(Option.fromNullable(find(projectId, jobId)), withCounts)),
    list: (projectId, query) =>
      Effect.sync(() => {
        const mine = [...jobs().values()].filter((r) => r.job.projectId === projectId).map(withCounts)
        mine.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        return sliceNewestFirst(mine, (j) => j.id, query)
      }),
    items: (projectId, jobId, query) =>
      Effect.sync(() => {
        const all = (find(projectId, jobId)?.items ?? [])
          .map((e) => e.item)
          .filter((i) => (query.after === undefined || i.index > query.after) && (query.status === undefined || i.status === query.status))
        return { items: all.slice(0, query.limit), hasMore: all.length > query.limit }
      }),
    claim: ({ owner, claimMs, at }) =>
      Effect.sync(() => {
        const open = [...jobs().values()].filter((r) => UNFINISHED.has(r.job.status)).sort((a, b) => a.seq - b.seq)
        const heads = new Map<string, JobRecord>()
        for (const r of open) if (!heads.has(r.job.projectId)) heads.set(r.job.projectId, r)
        const next = [...heads.values()].find((r) => r.claimedUntil <= at.getTime())
        if (next === undefined) return Option.none()
        next.claimedBy = owner
        next.claimedUntil = at.getTime() + claimMs
        if (next.job.status === "queued") {
          next.job = { ...next.job, status: "running", startedAt: at }
          next.progressAt = at
        }
        return Option.some({ job: withCounts(next), progressAt: next.progressAt })
      }),
    renew: ({ jobId, owner, claimMs, at, progressed }) =>
      Effect.sync(() => {
        const r = jobs().get(jobId)
        if (r === undefined || r.claimedBy !== owner || !UNFINISHED.has(r.job.status)) return false
        r.claimedUntil = at.getTime() + claimMs
        if (progressed) r.progressAt = at
        return true
      }),
    release: (_projectId, jobId, owner) =>
      Effect.sync(() => {
        const r = jobs().get(jobId)
        if (r !== undefined && r.claimedBy === owner) r.claimedUntil = 0
      }),
    pending: (_projectId, jobId, limit) =>
      Effect.sync(() =>
        (jobs().get(jobId)?.items ?? [])
          .filter((e) => e.item.status === "pending" && e.item.userId !== null)
          .slice(0, limit)
          .map((e) => ({
            index: e.item.index,
            userId: e.item.userId!,
            preferences: e.preferences ?? jobs().get(jobId)?.job.preferences,
            ifMatch: e.ifMatch
          }))
      ),
    pendingSnapshots: (projectId, jobId, scope, after, limit) =>
      Effect.sync(() => {
        const users = usersOf(store, projectId)
        return (jobs().get(jobId)?.items ?? [])
          .filter((e) => e.item.status === "pending" && e.item.userId !== null && e.item.index > after)
          .slice(0, limit)
          .map((e) => {
            const record = users.get(e.item.userId!)
            return {
              index: e.item.index,
              userId: e.item.userId!,
              preferences: e.preferences ?? jobs().get(jobId)?.job.preferences,
              ifMatch: e.ifMatch,
              stored:
                record === undefined
                  ? null
                  : { userId: record.user.id as UserId, externalId: e.item.userId!, global: globalSetOf(record), scoped: scopedSetOf(record, scope) }
            }
          })
      }),
    // One synchronous section: as one transaction; each item only while pending.
    commitChunk: ({ jobId, projectId, scope, settlements, writes }) =>
      Effect.sync(() => {
        const written = new Map<number, number>()
        const retry: Array<number> = []
        let settled = 0
        for (const w of writes) {
          const entry = pendingItem(jobId, w.index)
          if (entry === undefined) continue
          const out = commitSync(store, { projectId, userId: w.userId, scope, expectedVersion: w.expectedVersion, choices: w.choices, history: w.history, event: w.event })
          if (out instanceof VersionConflict || out instanceof UserNotFound) {
            retry.push(w.index)
            continue
          }
          entry.item = { ...entry.item, status: "updated", version: out.version }
          written.set(w.index, out.version)
        }
        for (const { index, settlement: s } of settlements) {
          const entry = pendingItem(jobId, index)
          if (entry === undefined) continue
          entry.item = { ...entry.item, status: s.status, failure: s.status === "failed" ? snapshot(s.failure) : null }
          settled++
        }
        return { written, settled, retry }
      }),
    commitItem: (commit, ref) =>
      Effect.suspend((): Effect.Effect<Option.Option<PreferenceSetV2>, VersionConflict | UserNotFound> => {
        const entry = pendingItem(ref.jobId, ref.index)
        if (entry === undefined) return Effect.succeed(Option.none())
        const out = commitSync(store, commit)
        if (out instanceof VersionConflict || out instanceof UserNotFound) return Effect.fail(out)
        entry.item = { ...entry.item, status: "updated", version: out.version }
        return Effect.succeed(Option.some(out))
      }),
    settleItem: (ref, s) =>
      Effect.sync(() => {
        const entry = pendingItem(ref.jobId, ref.index)
        if (entry === undefined) return false
        const item: JobItem = { ...entry.item, status: s.status, failure: s.status === "failed" ? snapshot(s.failure) : null }
        entry.item = item
        return true
      }),
    finish: ({ jobId, status, error, at, event }) =>
      Effect.sync(() => {
        const r = jobs().get(jobId)
        if (r === undefined || !UNFINISHED.has(r.job.status)) return Option.none()
        r.job = { ...r.job, status, error, completedAt: at, startedAt: r.job.startedAt ?? at }
        r.claimedBy = null
        const job = withCounts(r)
        appendEvent(store, job.projectId, event(job), null)
        return Option.some(job)
      }),
    purge: (before) =>
      Effect.sync(() => {
        let removed = 0
        for (const [id, r] of jobs()) {
          if (r.job.completedAt !== null && r.job.completedAt.getTime() < before.getTime()) {
            jobs().delete(id)
            removed++
          }
        }
        return removed
      })
  }
}
