/**
 * History entries: who changed which choices, when.
 */
import * as Schema from "effect/Schema"
import { Change } from "./PreferencePatch.js"

export const ActorType = Schema.Literal("secret_key", "user_key", "dev_user_id", "system")
export type ActorType = typeof ActorType.Type

/** Who made a change: a key's id (never the key), a token's `sub`, or the system. */
export const Actor = Schema.Struct({ type: ActorType, id: Schema.String }).annotations({ identifier: "Actor" })
export type Actor = typeof Actor.Type

/** What a commit appends to history. */
export interface HistoryInput {
  readonly actor: Actor
  readonly request_id: string | null
  readonly changed_at: Date
  readonly changes: ReadonlyArray<Change>
}

/** A stored history entry. */
export interface HistoryEntry extends HistoryInput {
  readonly id: string
  readonly version: number
}

export const HistoryEntryJson = Schema.Struct({
  id: Schema.String,
  version: Schema.Number,
  changed_at: Schema.String,
  actor: Actor,
  request_id: Schema.NullOr(Schema.String),
  changes: Schema.Array(Change)
}).annotations({ identifier: "PreferenceHistoryEntry" })
export type HistoryEntryJson = typeof HistoryEntryJson.Type

export const historyToJson = (e: HistoryEntry): HistoryEntryJson => ({
  id: e.id,
  version: e.version,
  changed_at: e.changed_at.toISOString(),
  actor: e.actor,
  request_id: e.request_id,
  changes: e.changes
})
