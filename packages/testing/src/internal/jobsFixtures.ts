/**
 * Helpers of the jobs suite: a predictable executor, draining runnable jobs, the feed's events of
 * a type, and a fresh project with a notiflow and three users.
 */
import * as Effect from "effect/Effect"
import { EventRepository, getJob, runNextJob, submitBulk, ValidationFailed } from "@notiflows/domain"
import type { EventType, ExecutorOptions, ProjectId, WriteContext } from "@notiflows/domain"
import { createNotiflow, createUser, freshId, freshProject, freshUserId } from "./fixtures.js"
import { pid } from "./modelHarness.js"

export const bulk = (requestId: string = freshId("req")): WriteContext => ({ actor: { type: "secret_key", id: "key_bulk" }, requestId, source: "bulk" })

/** A precondition a test can predict: the tag is the scope's version. */
export const versionTag = (v: number) => `"v${v}"`
export const testExecutor = (overrides: Partial<ExecutorOptions> = {}): ExecutorOptions => ({
  owner: freshId("runner"),
  claimMs: 60_000,
  stallMs: 60 * 60 * 1000,
  concurrency: 4,
  precondition: (ifMatch) => (s) => (ifMatch === "*" || ifMatch === versionTag(s.scoped.version) ? undefined : versionTag(s.scoped.version)),
  ...overrides
})

/** Runs jobs until none is runnable. */
export const drain = (options: ExecutorOptions = testExecutor()) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000; i++) if (!(yield* runNextJob(options))) return
  })

export const fields = (e: unknown) => (e instanceof ValidationFailed ? e.issues.map((i) => `${i.field}|${i.reason}`).sort() : e)

export const submit = (projectId: ProjectId, body: unknown, context: WriteContext = bulk()) => submitBulk({ projectId, body, context })

export const allItems = (projectId: ProjectId, jobId: string) => Effect.map(getJob(projectId, jobId, { limit: 1000 }), (r) => r)

/** The events of a type in a project's feed (read until `count` are visible: the SQL feed shows a commit once older transactions end). */
export const eventsOf = (projectId: ProjectId, type: EventType, count: number) =>
  Effect.gen(function* () {
    const repo = yield* EventRepository
    let found: Array<Record<string, unknown>> = []
    for (let attempt = 0; attempt < 200; attempt++) {
      const slice = yield* repo.read(projectId, { after: null, limit: 1000, types: [type] })
      found = slice.items.map((e) => JSON.parse(e.payload) as Record<string, unknown>)
      if (found.length >= count) return found
      yield* Effect.sleep(25)
    }
    return found
  })

export const setup = Effect.gen(function* () {
  const projectId = pid((yield* freshProject).id)
  const nf = (yield* createNotiflow(projectId)).id
  const users = [freshUserId(), freshUserId(), freshUserId()]
  for (const u of users) yield* createUser(projectId, u)
  return { projectId, nf, users }
})

