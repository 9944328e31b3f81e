/**
 * In-memory {@link EventRepository}: the reference feed. Events are numbered when their change
 * commits (one synchronous section), so positions are commit order and no reader can ever see a
 * later position before an earlier one: the guarantee the SQL adapter gets from transaction ids.
 */
import * as Effect from "effect/Effect"
import type { EventRepository, FeedPosition, FeedSlice, StoredEvent } from "@notiflows/domain"
import { CursorExpired, FEED_SCAN, feedTextOf } from "@notiflows/domain"
import type { Store } from "./internal/store.js"

const at = (minor: bigint): FeedPosition => ({ major: 0n, minor })

/** The port over a shared store. */
export const makeEventRepository = (store: Store): EventRepository["Type"] => {
  const repo: EventRepository["Type"] = {
  read: (projectId, query) =>
    Effect.suspend((): Effect.Effect<FeedSlice, CursorExpired> => {
      const project = store.projects.get(projectId)
      const events = project?.events ?? []
      // Positions of this store have major 0; a cursor of another store compares by its minor.
      // Without a cursor: from the oldest retained event (after what retention removed).
      const from = query.after === null ? (project?.purgedThrough ?? -1n) : query.after.major < 0n ? -1n : query.after.minor
      if (query.after !== null && project?.purgedThrough !== undefined && from < project.purgedThrough) {
        return Effect.fail(new CursorExpired())
      }
      const next = events.filter((e) => e.minor > from)
      if (query.types === null) {
        const page = next.slice(0, query.limit)
        const last = page[page.length - 1]
        return Effect.succeed({
          items: page.map((e) => e.event),
          after: last === undefined ? at(from) : at(last.minor),
          hasMore: next.length > page.length
        })
      }
      const types: ReadonlySet<string> = new Set(query.types)
      const scanned = next.slice(0, FEED_SCAN)
      const items: Array<StoredEvent> = []
      let after = from
      for (const e of scanned) {
        if (!types.has(e.event.type)) {
          after = e.minor
          continue
        }
        if (items.length === query.limit) break
        items.push(e.event)
        after = e.minor
      }
      return Effect.succeed({ items, after: at(after), hasMore: next.some((e) => e.minor > after) })
    }),
  end: () => Effect.sync(() => at(store.eventSeq)),
  purge: (before) =>
    Effect.sync(() => {
      let removed = 0
      for (const project of store.projects.values()) {
        const events = project.events ?? []
        let n = 0
        while (n < events.length && events[n]!.event.occurredAt.getTime() < before.getTime()) n++
        if (n === 0) continue
        project.purgedThrough = events[n - 1]!.minor
        events.splice(0, n)
        removed += n
      }
      return removed
    }),
  readText: (projectId, query) => Effect.map(repo.read(projectId, { ...query, types: null }), feedTextOf)
  }
  return repo
}
