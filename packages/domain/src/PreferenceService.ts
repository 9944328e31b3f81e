/**
 * Use cases over preferences, built on the ports' primitives: read, merge-patch with
 * optimistic concurrency, reset, history. Adapters cannot re-implement merging or versioning.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { StoredNotiflow } from "./Catalog.js"
import { PreconditionFailed, ProjectNotFound, UserNotFound, ValidationFailed } from "./Errors.js"
import type { Actor, ConsentContext, HistoryEntry, Operation, Source } from "./History.js"
import { ledgerFields } from "./History.js"
import type { Page, SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import type { PreferencePatch } from "./PreferencePatch.js"
import { diff } from "./Changes.js"
import { applyPatch, decodePatch } from "./PreferencePatch.js"
import { PreferenceRepository } from "./PreferenceRepository.js"
import type { Audience, ExternalUserId, PreferenceChoices, PreferenceSet, ProjectDefaults, ProjectId, UserId } from "./Preferences.js"
import { isConfigurable } from "./Preferences.js"
import { retryOnConflict } from "./internal/retry.js"
import { NotiflowCatalogRepository } from "./NotiflowCatalogRepository.js"
import { ProjectRepository } from "./ProjectRepository.js"

/** Everything a preferences representation is computed from. */
export interface PreferenceSnapshot {
  readonly userId: UserId
  readonly externalId: ExternalUserId
  readonly preferences: PreferenceSet
  readonly catalog: ReadonlyArray<StoredNotiflow>
  readonly defaults: ProjectDefaults
}

/**
 * A precondition on the current snapshot (`If-Match`): answers `undefined` when it holds, else
 * the current tag to report. It is re-checked on every retry, so a concurrent change fails it.
 */
export type Precondition = (snapshot: PreferenceSnapshot) => string | undefined

/**
 * Who writes, how and why, for the ledger (EVENTS.md §1): `source` comes from the route, `consent`
 * is the `{ip, user_agent}` recorded for end-user sources (and admin writes carrying
 * `x-notiflows-consent-context`); absent = not recorded.
 */
export interface WriteContext {
  readonly actor: Actor
  readonly requestId: string | null
  readonly source: Source
  readonly consent?: ConsentContext | null
}

/**
 * The project's catalog and defaults. Read one after the other: both are usually served by the
 * per-project cache, where forking fibers would cost more than the reads.
 */
export const loadProjectView = (projectId: ProjectId) =>
  Effect.all([
    Effect.flatMap(NotiflowCatalogRepository, (c) => c.list(projectId)),
    Effect.flatMap(ProjectRepository, (p) =>
      Effect.flatMap(p.get(projectId), (o) =>
        Option.match(o, {
          onNone: () => Effect.fail(new ProjectNotFound({ projectId })),
          onSome: (project) => Effect.succeed(project.defaults)
        })
      )
    )
  ])

/** Loads a user's snapshot; fails with `UserNotFound`. */
export const getPreferences = (projectId: ProjectId, externalId: ExternalUserId) =>
  Effect.gen(function* () {
    const repo = yield* PreferenceRepository
    const [catalog, defaults] = yield* loadProjectView(projectId)
    const stored = yield* repo.load(projectId, externalId)
    if (Option.isNone(stored)) return yield* Effect.fail(new UserNotFound({ externalId }))
    const snapshot: PreferenceSnapshot = { ...stored.value, catalog, defaults }
    return snapshot
  })

const catalogLookup = (catalog: ReadonlyArray<StoredNotiflow>) => {
  const byId = new Map(catalog.map((e) => [e.id as string, e]))
  return (id: string) => byId.get(id)
}

const checkPrecondition = (snapshot: PreferenceSnapshot, precondition: Precondition | undefined) => {
  const current = precondition?.(snapshot)
  return current === undefined ? Effect.void : Effect.fail(new PreconditionFailed({ current }))
}

/**
 * Commits `next(current)` at the loaded version. On a concurrent write, retries from a fresh
 * read (never overwriting blindly).
 */
const writeChoices = (
  projectId: ProjectId,
  externalId: ExternalUserId,
  next: (snapshot: PreferenceSnapshot) => Effect.Effect<PreferenceChoices, ValidationFailed>,
  context: WriteContext,
  precondition: Precondition | undefined,
  operation: Operation
) =>
  Effect.gen(function* () {
    const repo = yield* PreferenceRepository
    const attempt = Effect.gen(function* () {
      const snapshot = yield* getPreferences(projectId, externalId)
      const choices = yield* next(snapshot)
      yield* checkPrecondition(snapshot, precondition)
      const changes = diff(snapshot.preferences, choices)
      if (changes.length === 0) return snapshot
      const changedAt = new Date(yield* Clock.currentTimeMillis)
      const preferences = yield* repo
        .commit({
          projectId,
          userId: snapshot.userId,
          expectedVersion: snapshot.preferences.version,
          choices,
          history: { actor: context.actor, request_id: context.requestId, changed_at: changedAt, changes, ...ledgerFields(context, operation) }
        })
        // The user was erased meanwhile: report it by the id the caller knows.
        .pipe(Effect.catchTag("UserNotFound", () => Effect.fail(new UserNotFound({ externalId }))))
      return { ...snapshot, preferences }
    })
    // Every attempt re-reads and re-checks the precondition: a concurrent change that alters the
    // representation turns into 412, one that does not is simply retried.
    return yield* retryOnConflict(attempt)
  })

/** Decodes a patch against a snapshot's catalog for an audience. */
export const decodePatchFor = (body: unknown, snapshot: PreferenceSnapshot, audience: Audience) => {
  const decoded = decodePatch(body, { audience, notiflow: catalogLookup(snapshot.catalog) })
  return decoded.ok ? Effect.succeed(decoded.value) : Effect.fail(new ValidationFailed({ issues: decoded.issues }))
}

/**
 * API.md §4.2: validate, merge, commit. Checks in the contract's order: user (404), body (422),
 * precondition (412). A write that changes nothing bumps nothing and writes no history.
 */
export const updatePreferences = (input: {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly audience: Audience
  readonly body: unknown
  readonly context: WriteContext
  readonly precondition?: Precondition
}) =>
  writeChoices(
    input.projectId,
    input.externalId,
    (snapshot) =>
      Effect.map(decodePatchFor(input.body, snapshot, input.audience), (patch: PreferencePatch) =>
        applyPatch(snapshot.preferences, patch)
      ),
    input.context,
    input.precondition,
    "patch"
  )

/** Removes every explicit choice (one history entry). */
export const resetPreferences = (input: {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly context: WriteContext
  readonly precondition?: Precondition
}) =>
  writeChoices(
    input.projectId,
    input.externalId,
    () => Effect.succeed<PreferenceChoices>({ channel_types: {}, notiflows: {} }),
    input.context,
    input.precondition,
    "reset"
  )

/**
 * A user's history, newest first. On the user API, changes to notiflows the user may not
 * configure are left out, so hidden ids do not leak.
 */
export const getHistory = (projectId: ProjectId, externalId: ExternalUserId, audience: Audience, query: SliceQuery<number>) =>
  Effect.gen(function* () {
    const repo = yield* PreferenceRepository
    const stored = yield* repo.load(projectId, externalId)
    if (Option.isNone(stored)) return yield* Effect.fail(new UserNotFound({ externalId }))
    const slice = yield* repo.history(projectId, stored.value.userId, query)
    // The cursors come from the slice as read, so filtering never strands a client mid-history.
    const page = toPage(slice, query, (e) => String(e.version))
    let items: ReadonlyArray<HistoryEntry> = slice.items
    if (audience === "user") {
      const catalog = yield* Effect.flatMap(NotiflowCatalogRepository, (c) => c.list(projectId))
      const configurable = new Set(catalog.filter(isConfigurable).map((e) => e.id as string))
      // Entries left with no visible change are dropped: even their existence would leak.
      items = items
        .map((entry) => ({
          ...entry,
          changes: entry.changes.filter((c) => !c.path.startsWith("notiflows.") || configurable.has(c.path.split(".")[1] ?? ""))
        }))
        .filter((entry) => entry.changes.length > 0)
    }
    return { items, page: page.page } satisfies Page<HistoryEntry>
  })
