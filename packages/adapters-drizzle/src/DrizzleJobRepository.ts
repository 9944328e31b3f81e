/**
 * {@link JobRepository} over drizzle (BULK.md §1.2). Claims use `FOR UPDATE SKIP LOCKED` on the
 * head of each project's queue and the database clock. The executor reads and commits a chunk of
 * items at a time (`internal/jobChunk.ts`: one read, one statement); a single item's write is one
 * statement too (`internal/jobCommit.ts`): the item row locked and still pending, the scope's compare-and-set,
 * its ledger entry, its event and the item's result; a second runner of the same item waits on
 * the lock and then finds it settled. Counts are aggregated from the items.
 */
import type { SQL } from "drizzle-orm"
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type {
  ExternalUserId,
  ItemFailure,
  JobItem,
  JobItemRef,
  JobItemStatus,
  PreferenceSetV2,
  ProjectId,
  ScopedCommit,
  StoredJob
} from "@notiflows/domain"
import { countsOf, JobRepository, renderEvent, UserNotFound, VersionConflict } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { eventRowsInsert } from "./DrizzlePreferenceRepository.js"
import { jobChunkCommit, pendingSnapshotsQuery, toChunkOutcome, toPendingSnapshot } from "./internal/jobChunk.js"
import { jobItemCommit } from "./internal/jobCommit.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run, runTransaction } from "./internal/promiseToEffect.js"
import { fromJson, json, rowsOf } from "./internal/statements.js"

type Row = Record<string, unknown>

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)))

const COUNTS = sql`(select coalesce(jsonb_object_agg(s.status, s.n), '{}'::jsonb) from
  (select i.status, count(*)::int n from job_items i where i.project_id = j.project_id and i.job_id = j.id group by i.status) s) as counts`

const toJob = (r: Row): StoredJob => {
  const counts = fromJson<Record<string, number> | null>(r["counts"]) ?? {}
  const statuses: Array<JobItemStatus> = []
  for (const [status, n] of Object.entries(counts)) for (let i = 0; i < n; i++) statuses.push(status as JobItemStatus)
  return {
    id: String(r["id"]),
    projectId: r["project_id"] as ProjectId,
    status: r["status"] as StoredJob["status"],
    mode: r["mode"] as StoredJob["mode"],
    tenantId: (r["tenant_id"] ?? null) as StoredJob["tenantId"],
    requestId: (r["request_id"] ?? null) as string | null,
    actor: { type: r["actor_type"] as StoredJob["actor"]["type"], id: String(r["actor_id"]) },
    consent: r["context"] === null || r["context"] === undefined ? null : fromJson<NonNullable<StoredJob["consent"]>>(r["context"]),
    preferences: r["preferences"] === null || r["preferences"] === undefined ? null : fromJson<unknown>(r["preferences"]),
    counts: countsOf(statuses),
    error: r["error"] === null || r["error"] === undefined ? null : fromJson<NonNullable<StoredJob["error"]>>(r["error"]),
    createdAt: date(r["created_at"])!,
    startedAt: date(r["started_at"]),
    completedAt: date(r["completed_at"])
  }
}

const toItem = (r: Row): JobItem => ({
  index: Number(r["idx"]),
  userId: (r["user_id"] ?? null) as ExternalUserId | null,
  status: r["status"] as JobItemStatus,
  version: r["version"] === null || r["version"] === undefined ? null : Number(r["version"]),
  failure: r["error"] === null || r["error"] === undefined ? null : fromJson<ItemFailure>(r["error"])
})

const JOB_COLUMNS = sql`j.project_id, j.id, j.status, j.mode, j.tenant_id, j.request_id, j.actor_type, j.actor_id, j.context,
  j.preferences, j.error, j.created_at, j.started_at, j.completed_at, j.progress_at`

/** Rows of the items, inserted 500 at a time (one statement each, in the job's transaction). */
const insertItems = async (tx: NotiflowsDatabase, projectId: ProjectId, jobId: string, items: ReadonlyArray<{ userId: string; preferences: unknown; ifMatch: string | null }>) => {
  for (let start = 0; start < items.length; start += 500) {
    const rows = items.slice(start, start + 500).map((i, k) => ({ idx: start + k, user_id: i.userId, preferences: i.preferences ?? null, if_match: i.ifMatch }))
    await tx.execute(sql`insert into job_items (project_id, job_id, idx, user_id, preferences, if_match, status)
      select ${projectId}::uuid, ${jobId}::uuid, r.idx, r.user_id, r.preferences, r.if_match, 'pending'
      from jsonb_to_recordset(${json(rows)}::jsonb) as r(idx int, user_id text, preferences jsonb, if_match text)`)
  }
}

/** The port over a database. */
export const make = (database: Database): JobRepository["Type"] => {
  const { db } = database
  const select = (where: SQL, extra: SQL = sql``) =>
    run("jobs.read", () => db.execute(sql`select ${JOB_COLUMNS}, ${COUNTS} from jobs j where ${where} ${extra}`)).pipe(
      Effect.map((res) => rowsOf(res).map(toJob))
    )

  const commitItem = (c: ScopedCommit, ref: JobItemRef) =>
    Effect.gen(function* () {
      const [row] = rowsOf(yield* run("jobs.commitItem", () => db.execute(jobItemCommit(c, ref))))
      if (row !== undefined && row["version"] !== null && row["version"] !== undefined) {
        const set: PreferenceSetV2 = { version: Number(row["version"]), channel_types: c.choices.channel_types, categories: c.choices.categories, notiflows: c.choices.notiflows }
        return Option.some(set)
      }
      if (Number(row?.["pending"] ?? 0) === 0) return Option.none<PreferenceSetV2>()
      // Pending but not written: the set moved (retry) or the user is gone (404).
      const [current] = rowsOf(
        yield* run("jobs.commitItem", () =>
          db.execute(
            c.scope._tag === "Global"
              ? sql`select version from preference_sets where project_id = ${c.projectId}::uuid and user_id = ${c.userId}::uuid`
              : sql`select coalesce((select version from tenant_preference_sets t where t.project_id = u.project_id and t.user_id = u.id
                      and t.tenant_id = ${c.scope.tenantId}), 0) as version from users u where u.project_id = ${c.projectId}::uuid and u.id = ${c.userId}::uuid`
          )
        )
      )
      return yield* current === undefined
        ? Effect.fail(new UserNotFound({ userId: c.userId }))
        : Effect.fail(new VersionConflict({ expected: c.expectedVersion, actual: Number(current["version"]) }))
    })

  return {
    create: (job) => {
      const id = uuidv7()
      return runTransaction<StoredJob, never>("jobs.create", () =>
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into jobs (project_id, id, type, status, mode, tenant_id, request_id, actor_type, actor_id, context,
              preferences, created_at, progress_at)
            values (${job.projectId}::uuid, ${id}::uuid, 'preferences.bulk', 'queued', ${job.mode}, ${job.tenantId}, ${job.requestId},
              ${job.actor.type}, ${job.actor.id}, ${job.consent === null ? null : json(job.consent)}::jsonb,
              ${job.preferences === null ? null : json(job.preferences)}::jsonb, ${job.createdAt.toISOString()}::timestamptz,
              ${job.createdAt.toISOString()}::timestamptz)`)
          await insertItems(tx, job.projectId, id, job.items)
          const [row] = rowsOf(await tx.execute(sql`select ${JOB_COLUMNS}, ${COUNTS} from jobs j where j.project_id = ${job.projectId}::uuid and j.id = ${id}::uuid`))
          return toJob(row!)
        })
      )
    },
    get: (projectId, jobId) =>
      Effect.map(select(sql`j.project_id = ${projectId}::uuid and j.id = ${jobId}::uuid`), (rows) => Option.fromNullable(rows[0])),
    list: (projectId, query) => {
      const { after, before, limit } = query
      const valid = (k: string | undefined) => k === undefined || /^[0-9a-f-]{36}$/.test(k)
      if (!valid(after) || !valid(before)) return Effect.succeed({ items: [], hasMore: false })
      const where = sql.join(
        [
          sql`j.project_id = ${projectId}::uuid`,
          ...(after !== undefined ? [sql`j.id < ${after}::uuid`] : []),
          ...(before !== undefined ? [sql`j.id > ${before}::uuid`] : [])
        ],
        sql` and `
      )
      const order = before !== undefined ? sql`order by j.id asc` : sql`order by j.id desc`
      return Effect.map(select(where, sql`${order} limit ${limit + 1}`), (rows) => {
        const items = rows.slice(0, limit)
        return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
      })
    },
    items: (projectId, jobId, query) =>
      Effect.map(
        run("jobs.items", () =>
          db.execute(sql`select idx, user_id, status, version, error from job_items where project_id = ${projectId}::uuid and job_id = ${jobId}::uuid
            and idx > ${query.after ?? -1} ${query.status !== undefined ? sql`and status = ${query.status}` : sql``}
            order by idx limit ${query.limit + 1}`)
        ),
        (res) => {
          const rows = rowsOf(res)
          return { items: rows.slice(0, query.limit).map(toItem), hasMore: rows.length > query.limit }
        }
      ),
    claim: ({ owner, claimMs }) =>
      Effect.map(
        run("jobs.claim", () =>
          db.execute(sql`with next as (
              select j.project_id, j.id from jobs j
              where j.status in ('queued', 'running') and (j.claimed_until is null or j.claimed_until <= clock_timestamp())
                and not exists (select 1 from jobs e where e.project_id = j.project_id and e.status in ('queued', 'running') and e.seq < j.seq)
              order by j.seq limit 1 for update of j skip locked)
            update jobs j set claimed_by = ${owner}, claimed_until = clock_timestamp() + ${claimMs}::int * interval '1 millisecond',
              started_at = coalesce(j.started_at, clock_timestamp()),
              progress_at = case when j.status = 'queued' then clock_timestamp() else j.progress_at end,
              status = 'running'
            from next where j.project_id = next.project_id and j.id = next.id
            returning ${JOB_COLUMNS}, ${COUNTS}`)
        ),
        (res) => {
          const row = rowsOf(res)[0]
          return row === undefined ? Option.none() : Option.some({ job: toJob(row), progressAt: date(row["progress_at"])! })
        }
      ),
    renew: ({ projectId, jobId, owner, claimMs, progressed }) =>
      Effect.map(
        run("jobs.renew", () =>
          db.execute(sql`update jobs set claimed_until = clock_timestamp() + ${claimMs}::int * interval '1 millisecond'
              ${progressed ? sql`, progress_at = clock_timestamp()` : sql``}
            where project_id = ${projectId}::uuid and id = ${jobId}::uuid and claimed_by = ${owner} and status = 'running' returning id`)
        ),
        (res) => rowsOf(res).length > 0
      ),
    release: (projectId, jobId, owner) =>
      Effect.asVoid(
        run("jobs.release", () =>
          db.execute(sql`update jobs set claimed_until = null where project_id = ${projectId}::uuid and id = ${jobId}::uuid and claimed_by = ${owner}`)
        )
      ),
    pending: (projectId, jobId, limit) =>
      Effect.map(
        run("jobs.pending", () =>
          db.execute(sql`select i.idx, i.user_id, coalesce(i.preferences, j.preferences) as preferences, i.if_match
            from job_items i join jobs j on j.project_id = i.project_id and j.id = i.job_id
            where i.project_id = ${projectId}::uuid and i.job_id = ${jobId}::uuid and i.status = 'pending' and i.user_id is not null
            order by i.idx limit ${limit}`)
        ),
        (res) =>
          rowsOf(res).map((r) => ({
            index: Number(r["idx"]),
            userId: r["user_id"] as ExternalUserId,
            preferences: fromJson<unknown>(r["preferences"]),
            ifMatch: (r["if_match"] ?? null) as string | null
          }))
      ),
    pendingSnapshots: (projectId, jobId, scope, after, limit) =>
      Effect.map(run("jobs.pending", () => db.execute(pendingSnapshotsQuery(projectId, jobId, scope, after, limit))), (res) =>
        rowsOf(res).map(toPendingSnapshot(scope))
      ),
    commitChunk: (chunk) =>
      chunk.writes.length === 0 && chunk.settlements.length === 0
        ? Effect.succeed({ written: new Map(), settled: 0, retry: [] })
        : Effect.map(run("jobs.commitChunk", () => db.execute(jobChunkCommit(chunk))), (res) => toChunkOutcome(rowsOf(res)[0])),
    commitItem,
    settleItem: (ref, s) =>
      Effect.map(
        run("jobs.settleItem", () =>
          db.execute(sql`update job_items set status = ${s.status}, error = ${s.status === "failed" ? json(s.failure) : null}::jsonb
            where project_id = ${ref.projectId}::uuid and job_id = ${ref.jobId}::uuid and idx = ${ref.index} and status = 'pending' returning idx`)
        ),
        (res) => rowsOf(res).length > 0
      ),
    finish: ({ projectId, jobId, status, error, at, event }) =>
      runTransaction<Option.Option<StoredJob>, never>("jobs.finish", () =>
        db.transaction(async (tx) => {
          const [row] = rowsOf(
            await tx.execute(sql`update jobs j set status = ${status}, error = ${error === null ? null : json(error)}::jsonb,
                completed_at = ${at.toISOString()}::timestamptz, started_at = coalesce(j.started_at, ${at.toISOString()}::timestamptz),
                claimed_by = null, claimed_until = null
              where j.project_id = ${projectId}::uuid and j.id = ${jobId}::uuid and j.status in ('queued', 'running')
              returning ${JOB_COLUMNS}, ${COUNTS}`)
          )
          if (row === undefined) return Option.none()
          const job = toJob(row)
          await tx.execute(eventRowsInsert(projectId, [renderEvent(uuidv7(), projectId, event(job), null)]))
          return Option.some(job)
        })
      ),
    purge: (before) =>
      Effect.map(
        run("jobs.purge", () =>
          db.execute(sql`delete from jobs where completed_at < ${before.toISOString()}::timestamptz and status in ('completed', 'failed') returning id`)
        ),
        (res) => rowsOf(res).length
      )
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<JobRepository, never, DrizzleDatabase> = Layer.effect(JobRepository, Effect.map(DrizzleDatabase, make))
