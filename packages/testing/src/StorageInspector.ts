/**
 * An independent read path into an adapter's storage, used by the conformance suites to check
 * what was really stored rather than what the adapter answered (Auth.js adapter tests' `db`).
 * Each adapter supplies its own: the in-memory one reads its maps, the SQL ones run raw SQL.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Actor, Change, NotiflowCatalogEntry, PreferenceChoices, ProjectDefaults, SecurityMode } from "@notiflows/domain"

export interface PreferenceRow {
  readonly version: number
  readonly choices: PreferenceChoices
}

export interface HistoryRow {
  readonly version: number
  readonly actor: Actor
  readonly request_id: string | null
  readonly changes: ReadonlyArray<Change>
}

export interface UserRow {
  readonly id: string
  readonly external_id: string
  readonly revision: number
  readonly email: string | null
  readonly custom_fields: unknown
}

export interface NotiflowRow extends NotiflowCatalogEntry {
  readonly revision: number
}

export interface ApiKeyRow {
  readonly id: string
  readonly kind: "public" | "secret"
  readonly prefix: string
  readonly hash: string
  readonly revoked: boolean
}

export interface ProjectRow {
  readonly id: string
  readonly name: string
  readonly security_mode: SecurityMode
  readonly defaults: ProjectDefaults
  readonly defaults_revision: number
}

export class StorageInspector extends Context.Tag("@notiflows/testing/StorageInspector")<
  StorageInspector,
  {
    /** The stored preference row of a user (by our user id). */
    readonly preferenceRow: (projectId: string, userId: string) => Effect.Effect<Option.Option<PreferenceRow>>
    /** Every history row of a user, ascending by version. */
    readonly historyRows: (projectId: string, userId: string) => Effect.Effect<ReadonlyArray<HistoryRow>>
    readonly userRow: (projectId: string, externalId: string) => Effect.Effect<Option.Option<UserRow>>
    /** Number of user rows in a project. */
    readonly userCount: (projectId: string) => Effect.Effect<number>
    readonly notiflowRow: (projectId: string, id: string) => Effect.Effect<Option.Option<NotiflowRow>>
    /** Every API key row of a project, in creation order. */
    readonly apiKeyRows: (projectId: string) => Effect.Effect<ReadonlyArray<ApiKeyRow>>
    /** The stored project row with its channel defaults. */
    readonly projectRow: (projectId: string) => Effect.Effect<Option.Option<ProjectRow>>
  }
>() {}
