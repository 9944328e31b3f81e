/**
 * An independent read path into the storage of the preference model v2 (MODEL.md), used by the
 * model conformance suites to check what was really stored (see {@link StorageInspector}).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { CategoryChoice, CategoryCatalogEntry, PreferenceChoicesV2, StoredTenantDefaults } from "@notiflows/domain"
import type { HistoryRow } from "./StorageInspector.js"

export interface CategoryRow extends CategoryCatalogEntry {
  readonly revision: number
}

export interface TenantSetRow {
  readonly version: number
  readonly choices: PreferenceChoicesV2
}

export class ModelInspector extends Context.Tag("@notiflows/testing/ModelInspector")<
  ModelInspector,
  {
    readonly categoryRow: (projectId: string, id: string) => Effect.Effect<Option.Option<CategoryRow>>
    /** A notiflow's stored membership list, in stored order. */
    readonly membershipRows: (projectId: string, notiflowId: string) => Effect.Effect<ReadonlyArray<string>>
    /** The global set's stored category choices of a user (by our user id). */
    readonly globalCategoryRows: (projectId: string, userId: string) => Effect.Effect<Readonly<Record<string, CategoryChoice>>>
    /** A user×tenant set as stored (by our user id); `None` when never written. */
    readonly tenantSetRow: (projectId: string, userId: string, tenantId: string) => Effect.Effect<Option.Option<TenantSetRow>>
    /** Every history row of a user×tenant set, ascending by version. */
    readonly tenantHistoryRows: (projectId: string, userId: string, tenantId: string) => Effect.Effect<ReadonlyArray<HistoryRow>>
    /** A tenant's stored defaults; `None` when none are stored. */
    readonly tenantDefaultsRow: (projectId: string, tenantId: string) => Effect.Effect<Option.Option<StoredTenantDefaults>>
  }
>() {}
