/**
 * Feed helpers of the event suites: read a project's whole feed, wait until this case's writes are
 * visible (PostgreSQL's horizon), write a set.
 */
import * as Effect from "effect/Effect"
import { EventRepository, globalScope, updateScopedPreferences } from "@notiflows/domain"
import type { ExternalUserId, FeedPosition, ProjectId, Scope, StoredEvent, WriteContext } from "@notiflows/domain"
import { admin, createUser, freshProject } from "./fixtures.js"
import { ext, pid } from "./modelHarness.js"

/** A set write through the v2 use case (admin audience). */
export const put = (projectId: ProjectId, externalId: ExternalUserId, scope: Scope, body: unknown, context: WriteContext = admin()) =>
  updateScopedPreferences({ projectId, externalId, scope, audience: "admin", body, context })

/** Every event of a project from `after`, paging with `limit`; asserts each page moves forward. */
export const drain = (projectId: ProjectId, limit: number, after: FeedPosition | null = null) =>
  Effect.gen(function* () {
    const repo = yield* EventRepository
    const out: Array<Record<string, unknown>> = []
    const stored: Array<StoredEvent> = []
    let cursor = after
    for (let pages = 0; pages < 10_000; pages++) {
      const slice = yield* repo.read(projectId, { after: cursor, limit, types: null })
      for (const e of slice.items) {
        out.push(JSON.parse(e.payload) as Record<string, unknown>)
        stored.push(e)
      }
      cursor = slice.after
      if (!slice.hasMore) return { events: out, stored, cursor }
    }
    throw new Error("the feed did not end")
  })

export const dataOf = (e: Record<string, unknown>) => e["data"] as Record<string, unknown>

/**
 * Waits until every write this case made is visible in the feed. On PostgreSQL a read only sees
 * events below the oldest transaction still writing anywhere on the server (docs/events.md), so a
 * long transaction of another database can hold them back a while: a marker written now (in a
 * project of its own, after this case's writes) is visible only once every earlier one is.
 */
export const settle = Effect.gen(function* () {
  const marker = pid((yield* freshProject).id)
  const u = ext((yield* createUser(marker)).external_id)
  yield* put(marker, u, globalScope, { channel_types: { sms: false } })
  const repo = yield* EventRepository
  for (let i = 0; i < 600; i++) {
    if ((yield* repo.read(marker, { after: null, limit: 1, types: null })).items.length > 0) return
    yield* Effect.sleep("50 millis")
  }
  throw new Error("a committed event stayed invisible for 30 s")
})
