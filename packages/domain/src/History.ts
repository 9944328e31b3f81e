/**
 * History entries: who changed which choices, when.
 */
import * as Schema from "effect/Schema"
import { Change } from "./Changes.js"
import { Timestamp } from "./Preferences.js"
import { TenantId } from "./Tenants.js"

export const ActorType = Schema.Literal("secret_key", "user_key", "dev_user_id", "link", "system")
export type ActorType = typeof ActorType.Type

/** Who made a change: a key's id (never the key), a token's `sub`, or the system. */
export const Actor = Schema.Struct({ type: ActorType, id: Schema.String }).annotations({ identifier: "Actor" })
export type Actor = typeof Actor.Type

/** How a change arrived (EVENTS.md §1.1): derived from the route, never from client input. */
export const Source = Schema.Literal(
  "admin_api",
  "user_api",
  "preference_center",
  "one_click",
  "unsubscribe_page",
  "bulk",
  "import",
  "system"
).annotations({ identifier: "ConsentSource" })
export type Source = typeof Source.Type

/** The end-user sources, whose entries record `context` (EVENTS.md §1). */
export const END_USER_SOURCES: ReadonlySet<Source> = new Set(["user_api", "preference_center", "one_click", "unsubscribe_page"])

/** `{ip, user_agent}` of an end-user write (EVENTS.md §1): the transport's client address, the header's first 512 code points. */
export const ConsentContext = Schema.Struct({ ip: Schema.NullOr(Schema.String), user_agent: Schema.NullOr(Schema.String) }).annotations({
  identifier: "ConsentContext"
})
export type ConsentContext = typeof ConsentContext.Type

/** How a set changed (EVENTS.md §1): a merge patch, a reset, or a bulk/import replace (reset then patch, net change). */
export const Operation = Schema.Literal("patch", "reset", "replace").annotations({ identifier: "LedgerOperation" })
export type Operation = typeof Operation.Type

/** What a commit appends to history: the ledger entry (EVENTS.md §1). */
export const HistoryInput = Schema.Struct({
  actor: Actor,
  request_id: Schema.NullOr(Schema.String),
  changed_at: Schema.DateFromSelf,
  changes: Schema.Array(Change),
  operation: Operation,
  source: Source,
  /** `{ip, user_agent}` for end-user sources (fields `null` when not recorded or expired), `null` for the others. */
  context: Schema.NullOr(ConsentContext)
})
export type HistoryInput = typeof HistoryInput.Type

/** A stored history entry. */
export const HistoryEntry = Schema.Struct({ id: Schema.String, version: Schema.Int, ...HistoryInput.fields })
export type HistoryEntry = typeof HistoryEntry.Type

/** A history entry of the API (v1 shape, for library consumers of the v1 port). */
export const HistoryEntryJson = Schema.Struct({
  id: Schema.String,
  version: Schema.Int,
  changed_at: Timestamp,
  actor: Actor,
  request_id: Schema.NullOr(Schema.String),
  changes: Schema.Array(Change)
}).annotations({ identifier: "PreferenceHistoryEntry" })

/** The API representation of a history entry (Schema encoding). */
export const historyToJson: (e: Omit<HistoryEntry, "operation" | "source" | "context">) => typeof HistoryEntryJson.Encoded =
  Schema.encodeSync(HistoryEntryJson)

/** The ledger fields of a write (EVENTS.md §1): `context` only for end-user sources, never from client input. */
export const ledgerFields = (
  write: { readonly source: Source; readonly consent?: ConsentContext | null | undefined },
  operation: Operation
): Pick<HistoryInput, "operation" | "source" | "context"> => ({
  operation,
  source: write.source,
  context: END_USER_SOURCES.has(write.source) ? (write.consent ?? { ip: null, user_agent: null }) : null
})

/** A stored history entry of one scope's set (`tenant_id: null` = the global set). */
export const ScopedHistoryEntry = Schema.Struct({
  id: Schema.String,
  version: Schema.Int,
  tenant_id: Schema.NullOr(TenantId),
  ...HistoryInput.fields
})
export type ScopedHistoryEntry = typeof ScopedHistoryEntry.Type

const ledgerEntryFields = {
  id: Schema.String,
  version: Schema.Int,
  tenant_id: Schema.NullOr(Schema.String),
  changed_at: Timestamp,
  actor: Actor,
  request_id: Schema.NullOr(Schema.String),
  changes: Schema.Array(Change),
  operation: Operation,
  source: Source
}

/** A ledger entry of the admin API (EVENTS.md §1): every field, `context` included. */
export const ScopedHistoryEntryJson = Schema.Struct({ ...ledgerEntryFields, context: Schema.NullOr(ConsentContext) }).annotations({
  identifier: "PreferenceHistoryEntryV2"
})

/** A ledger entry of the User API: without `context` (EVENTS.md §1). */
export const UserHistoryEntryJson = Schema.Struct(ledgerEntryFields).annotations({ identifier: "OwnPreferenceHistoryEntry" })

/** The admin API representation of a scoped history entry (Schema encoding). */
export const scopedHistoryToJson: (e: ScopedHistoryEntry) => typeof ScopedHistoryEntryJson.Encoded = Schema.encodeSync(ScopedHistoryEntryJson)
