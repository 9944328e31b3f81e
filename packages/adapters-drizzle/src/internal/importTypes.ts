/**
 * What the import's storage modules share: the run's context, what a batch read of a user holds,
 * and a line's plan with the user it writes.
 */
import type { Actor, ImportMode, LinePlan, ProjectId, StoredUserState } from "@notiflows/domain"

/** Who and which run the ledger entries name (EVENTS.md §1.1: `import`, actor system `cli`). */
export interface ImportContext {
  readonly projectId: ProjectId
  readonly mode: ImportMode
  /** The run id `imp_…`: every entry's `request_id`. */
  readonly runId: string
  readonly at: Date
}

/** EVENTS.md §1.1: import's actor. */
export const IMPORT_ACTOR: Actor = { type: "system", id: "cli" }

export interface Loaded {
  readonly userId: string
  readonly createdAt: Date
  readonly state: StoredUserState
  /** The versions of the stored sets (`null` key = the global set), locked for the transaction. */
  readonly versions: ReadonlyMap<string | null, number>
}

export type Planned = { readonly userId: string; readonly externalId: string; readonly plan: LinePlan }

