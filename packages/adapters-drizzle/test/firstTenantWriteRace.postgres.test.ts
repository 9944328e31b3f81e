/**
 * A user's first write in a tenant racing the user's deletion (PostgreSQL, two connections). The
 * first write inserts the user×tenant set from the user's row; a `DELETE` of that user, open in
 * another transaction, made the insert's foreign-key check fail once the delete committed — a
 * database error (500) for a single write, and for a bulk chunk the failure of every other item of
 * the chunk. The insert now takes a `FOR KEY SHARE` lock on the user's row: it waits for the delete,
 * then finds no user and writes nothing, as when the user was gone before: the single write answers
 * `UserNotFound`, the bulk item comes back to be read again (then fails as an unknown user), and the
 * chunk's other items apply. Found by a review of the bulk chunk statement (2026-12-01).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import postgres from "postgres"
import type { ChunkCommit, EventInput, HistoryInput, ProjectId, ScopedCommit, UserId } from "@notiflows/domain"
import { JobRepository, ProjectRepository, ScopedPreferenceRepository, UserNotFound } from "@notiflows/domain"
import { layerPostgres } from "../src/index.js"
import { postgresAvailable, throwawayDatabase } from "./support/postgres.js"

const available = await postgresAvailable()

const USER = (i: number) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, "0")}` as UserId
const TENANT = { _tag: "Tenant", tenantId: "acme" } as ChunkCommit["scope"]
const history: HistoryInput = {
  changed_at: new Date("2026-12-01T00:00:00Z"),
  actor: { type: "secret_key", id: "key_race" },
  request_id: "req_race",
  changes: [{ path: "channel_types.sms", from: null, to: false }],
  operation: "patch",
  source: "bulk",
  context: null
} as HistoryInput
const event = (ext: string): EventInput => ({
  type: "preferences.updated",
  occurredAt: new Date("2026-12-01T00:00:00Z"),
  orderingKey: `user:${ext}`,
  aboutUser: true,
  data: (userId) => ({ user_id: ext, id: userId })
})
const choices = { channel_types: { sms: false }, categories: {}, notiflows: {} }

/** The adapter on a throwaway database, and a raw connection to it for the other transaction. */
const setup = Effect.gen(function* () {
  const { url } = yield* throwawayDatabase
  const other = yield* Effect.acquireRelease(
    Effect.sync(() => postgres(url, { max: 1, onnotice: () => {} })),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
  )
  const context = yield* Layer.build(layerPostgres({ url }))
  const project = (yield* Effect.provide(
    Effect.flatMap(ProjectRepository, (p) => p.create({ name: "race", securityMode: "on" })),
    context
  )).id as ProjectId
  // Three users without tenant sets; a running tenant job naming them (items 0-2).
  for (let i = 1; i <= 3; i++) {
    yield* Effect.promise(() =>
      other.unsafe(`insert into users (project_id, id, external_id, created_at, updated_at) values ($1, $2, $3, now(), now())`, [project, USER(i), `u${i}`])
    )
  }
  const job = "22222222-2222-4222-8222-222222222222"
  yield* Effect.promise(() =>
    other.unsafe(
      `insert into jobs (project_id, id, type, status, mode, tenant_id, actor_type, actor_id, created_at, progress_at)
       values ($1, $2, 'preferences.bulk', 'running', 'merge', 'acme', 'secret_key', 'key_race', now(), now())`,
      [project, job]
    )
  )
  for (let idx = 0; idx < 3; idx++) {
    yield* Effect.promise(() =>
      other.unsafe(`insert into job_items (project_id, job_id, idx, user_id, status) values ($1, $2, $3, $4, 'pending')`, [project, job, idx, `u${idx + 1}`])
    )
  }
  return { context, other, project, job }
})

/** Runs `write` while another transaction holds the deletion of user 1, committed 300 ms later. */
const whileDeleting = <A, E>(other: postgres.Sql, project: ProjectId, write: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const tx = yield* Effect.promise(() => other.reserve())
    yield* Effect.promise(() => tx.unsafe("begin"))
    yield* Effect.promise(() => tx.unsafe(`delete from users where project_id = $1 and id = $2`, [project, USER(1)]))
    const fiber = yield* Effect.fork(Effect.exit(write))
    yield* Effect.sleep("300 millis")
    yield* Effect.promise(() => tx.unsafe("commit"))
    tx.release()
    return yield* fiber.await.pipe(Effect.flatten)
  })

describe.skipIf(!available)("a first tenant write racing the user's deletion (PostgreSQL)", () => {
  it.scopedLive("a single write answers UserNotFound, not a database error", () =>
    Effect.gen(function* () {
      const { context, other, project } = yield* setup
      const commit: ScopedCommit = { projectId: project, userId: USER(1), scope: TENANT, expectedVersion: 0, choices, history, event: event("u1") }
      const exit = yield* whileDeleting(other, project, Effect.provide(Effect.flatMap(ScopedPreferenceRepository, (r) => r.commit(commit)), context))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.instanceOf(exit.cause._tag === "Fail" ? exit.cause.error : undefined, UserNotFound)
    })
  )

  it.scopedLive("a bulk chunk applies its other items and gives the deleted user's back to be read again", () =>
    Effect.gen(function* () {
      const { context, other, project, job } = yield* setup
      const writes = [1, 2, 3].map((i) => ({ index: i - 1, userId: USER(i), expectedVersion: 0, choices, history, event: event(`u${i}`) }))
      const chunk: ChunkCommit = { projectId: project, jobId: job, scope: TENANT, writes, settlements: [] }
      const exit = yield* whileDeleting(other, project, Effect.provide(Effect.flatMap(JobRepository, (r) => r.commitChunk(chunk)), context))
      assert.isTrue(Exit.isSuccess(exit), String(Exit.isFailure(exit) ? exit.cause : ""))
      if (Exit.isSuccess(exit)) {
        assert.deepStrictEqual([...exit.value.written.entries()].sort(), [[1, 1], [2, 1]])
        assert.deepStrictEqual(exit.value.retry, [0])
      }
      const rows = yield* Effect.promise(() => other.unsafe(`select idx, status from job_items where job_id = $1 order by idx`, [job]))
      assert.deepStrictEqual(rows.map((r) => `${r["idx"]}:${r["status"]}`), ["0:pending", "1:updated", "2:updated"])
      const entries = yield* Effect.promise(() => other.unsafe(`select count(*)::int as n from tenant_preference_history where project_id = $1`, [project]))
      assert.strictEqual(entries[0]!["n"], 2)
    })
  )

  it.scopedLive("a single bulk item's write leaves the item pending and reports the user gone", () =>
    Effect.gen(function* () {
      const { context, other, project, job } = yield* setup
      const commit: ScopedCommit = { projectId: project, userId: USER(1), scope: TENANT, expectedVersion: 0, choices, history, event: event("u1") }
      const exit = yield* whileDeleting(
        other,
        project,
        Effect.provide(Effect.flatMap(JobRepository, (r) => r.commitItem(commit, { projectId: project, jobId: job, index: 0 })), context)
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.instanceOf(exit.cause._tag === "Fail" ? exit.cause.error : undefined, UserNotFound)
      const rows = yield* Effect.promise(() => other.unsafe(`select status from job_items where job_id = $1 and idx = 0`, [job]))
      assert.strictEqual(rows[0]!["status"], "pending")
    })
  )
})
