/**
 * The data-subject export `GET /admin/users/{user_id}/export` (EVENTS.md §1.2) as two steps a
 * transport streams: {@link beginUserExport} reads the profile and every set with their versions
 * in one short read and renders the document up to its `ledger` array; {@link userExportLedger}
 * then reads the ledger in pages of entries at or below those versions (the ledger is
 * append-only, so this is the same snapshot) without holding anything open in between. The
 * transport writes {@link USER_EXPORT_TAIL} after the last page.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { RepositoryError } from "./Errors.js"
import { UserNotFound } from "./Errors.js"
import { ScopedHistoryEntryJson, scopedHistoryToJson } from "./History.js"
import type { ExternalUserId, ProjectId, UserId } from "./Preferences.js"
import { Timestamp } from "./Preferences.js"
import { PreferenceChoicesV2 } from "./PreferencesV2.js"
import type { LedgerBound, LedgerKey } from "./ScopedPreferenceRepository.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import { loadModelCatalog } from "./ScopedPreferenceService.js"
import { TenantRepository } from "./TenantRepository.js"
import { UserJson, userToJson } from "./Users.js"
import { PreferencesViewV2, viewV2 } from "./ViewV2.js"

/** Ledger entries per page (one short read each). */
export const USER_EXPORT_PAGE = 500

/** What closes the document after the last ledger page. */
export const USER_EXPORT_TAIL = "]}"

/** One set of the export: the stored choices verbatim and the admin view now. */
export const ExportedSet = Schema.Struct({
  tenant_id: Schema.NullOr(Schema.String),
  version: Schema.Int,
  explicit: PreferenceChoicesV2,
  effective: PreferencesViewV2
}).annotations({ identifier: "ExportedPreferenceSet" })

/** The export document (what the streamed body is, once complete). */
export const UserExportDocument = Schema.Struct({
  export_version: Schema.Literal(1),
  generated_at: Timestamp,
  project_id: Schema.String,
  user: UserJson,
  preference_sets: Schema.Array(ExportedSet),
  ledger: Schema.Array(ScopedHistoryEntryJson)
}).annotations({ identifier: "UserExport", description: "EVENTS.md §1.2: streamed; a failure after the first byte aborts the connection" })

/** A started export: whom it is about, the versions it reads the ledger up to, and the document's head. */
export interface UserExport {
  readonly externalId: ExternalUserId
  readonly userId: UserId
  readonly bounds: ReadonlyArray<LedgerBound>
  /** The JSON text up to and including `"ledger":[`. */
  readonly head: string
}

/** A page of the ledger as JSON text (entries separated by commas), how many, and where the next starts (`null`: the last). */
export interface UserExportPage {
  readonly text: string
  readonly count: number
  readonly next: LedgerKey | null
}

/** Reads the profile and every set in one read (404 `UserNotFound` when unknown) and renders the head. */
export const beginUserExport = (projectId: ProjectId, externalId: ExternalUserId) =>
  Effect.gen(function* () {
    const generatedAt = new Date(yield* Clock.currentTimeMillis)
    const snapshot = yield* Effect.flatMap(ScopedPreferenceRepository, (r) => r.exportSnapshot(projectId, externalId))
    if (Option.isNone(snapshot)) return yield* Effect.fail(new UserNotFound({ externalId }))
    const { user, sets } = snapshot.value
    const [catalog, defaults] = yield* loadModelCatalog(projectId)
    const tenants = yield* TenantRepository
    const global = sets.find((s) => s.tenantId === null)!.set
    const preferenceSets = []
    for (const { tenantId, set } of sets) {
      const tenant = tenantId === null ? undefined : (yield* tenants.loadDefaults(projectId, tenantId)).defaults
      const effective = viewV2(
        tenantId === null ? { global: set, tenantSet: undefined, tenant: undefined } : { global, tenantSet: set, tenant },
        catalog,
        defaults,
        "admin"
      )
      const explicit = { channel_types: set.channel_types, categories: set.categories, notiflows: set.notiflows }
      preferenceSets.push({ tenant_id: tenantId, version: set.version, explicit, effective })
    }
    const document = JSON.stringify({
      export_version: 1,
      generated_at: generatedAt.toISOString(),
      project_id: projectId,
      user: userToJson(user),
      preference_sets: preferenceSets
    })
    const plan: UserExport = {
      externalId,
      userId: user.id as UserId,
      bounds: sets.map((s) => ({ tenantId: s.tenantId, version: s.set.version })),
      head: `${document.slice(0, -1)},"ledger":[`
    }
    return plan
  })

/**
 * One page of the ledger after `after`, as JSON text (entries separated by commas, none around);
 * `next` is `null` after the last page. Fails with `UserNotFound` when the user was erased meanwhile.
 */
export const userExportLedger = (
  projectId: ProjectId,
  plan: UserExport,
  after: LedgerKey | null,
  limit: number = USER_EXPORT_PAGE
): Effect.Effect<UserExportPage, UserNotFound | RepositoryError, ScopedPreferenceRepository> =>
  Effect.gen(function* () {
    const repo = yield* ScopedPreferenceRepository
    const page = yield* repo.ledgerPage(projectId, plan.userId, plan.bounds, after, limit)
    if (!page.userExists) return yield* Effect.fail(new UserNotFound({ externalId: plan.externalId }))
    const last = page.entries[page.entries.length - 1]
    const next: LedgerKey | null =
      page.entries.length < limit || last === undefined ? null : { changedAt: last.changed_at, tenantId: last.tenant_id, version: last.version }
    return { text: page.entries.map((e) => JSON.stringify(scopedHistoryToJson(e))).join(","), count: page.entries.length, next }
  })
