/**
 * The outbox write of catalog and defaults changes (EVENTS.md §2): their events go in the
 * change's transaction, after its write, only when the write stored something.
 */
import type { EventInput, ProjectId } from "@notiflows/domain"
import { renderEvent } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { eventRowsInsert } from "../DrizzlePreferenceRepository.js"
import type { NotiflowsDatabase } from "./database.js"

/** Writes `events` (about no user) in the given transaction, in the order given. */
export const writeEvents = async (tx: NotiflowsDatabase, projectId: ProjectId, events: ReadonlyArray<EventInput> | undefined): Promise<void> => {
  if (events === undefined || events.length === 0) return
  await tx.execute(eventRowsInsert(projectId, events.map((e) => renderEvent(uuidv7(), projectId, e, null))))
}

/**
 * Runs `write`; with events, in a transaction that also writes them when `write` returned rows
 * (no row = a conflict: nothing stored, no event). Without events, the write alone.
 */
export const withEvents = <R extends ReadonlyArray<unknown>>(
  db: NotiflowsDatabase,
  projectId: ProjectId,
  events: ReadonlyArray<EventInput> | undefined,
  write: (tx: NotiflowsDatabase) => Promise<R>
): Promise<R> =>
  events === undefined || events.length === 0
    ? write(db)
    : db.transaction(async (tx) => {
        const rows = await write(tx)
        if (rows.length > 0) await writeEvents(tx, projectId, events)
        return rows
      })
