/**
 * Use cases over users: upsert (with an initial preference patch in the same commit), read,
 * list, erase.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UserNotFound, ValidationFailed } from "./Errors.js"
import type { Attribution } from "./Events.js"
import { SYSTEM_ATTRIBUTION } from "./Events.js"
import { userDeletedEvent } from "./Events.js"
import type { SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import { diff } from "./Changes.js"
import { ledgerFields } from "./History.js"
import { applyPatch } from "./PreferencePatch.js"
import { PreferenceRepository } from "./PreferenceRepository.js"
import type { WriteContext } from "./PreferenceService.js"
import { loadProjectView } from "./PreferenceService.js"
import type { ExternalUserId, ProjectId } from "./Preferences.js"
import { emptyPreferenceSet } from "./Preferences.js"
import { retryOnConflict } from "./internal/retry.js"
import type { UserPreferenceWrite } from "./UserRepository.js"
import { UserRepository } from "./UserRepository.js"
import type { User, UserProfile } from "./Users.js"
import { applyUserPatch, decodeUserPatch, emptyProfile, profileOf } from "./Users.js"

// Key order aside: stores such as jsonb may hand custom fields back in another order.
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
      : value

/** Same editable profile, key order of custom fields aside. */
export const sameProfile = (a: UserProfile, b: UserProfile): boolean =>
  JSON.stringify(canonical(profileOf(a))) === JSON.stringify(canonical(profileOf(b)))

/**
 * API.md §5 `PUT /users/{user_id}`: creates or updates; answers the user and whether it was
 * created. Concurrent upserts of the same new user create it once (the loser retries as an update).
 */
export const upsertUser = (input: {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly body: unknown
  readonly context: WriteContext
}) =>
  Effect.gen(function* () {
    const users = yield* UserRepository
    const prefs = yield* PreferenceRepository
    const attempt = Effect.gen(function* () {
      const [[catalog], existing, stored] = yield* Effect.all(
        [loadProjectView(input.projectId), users.find(input.projectId, input.externalId), prefs.load(input.projectId, input.externalId)],
        { concurrency: "unbounded" }
      )
      const byId = new Map(catalog.map((e) => [e.id as string, e]))
      const decoded = decodeUserPatch(input.body, input.externalId, { audience: "admin", notiflow: (id) => byId.get(id) })
      if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
      const current = Option.getOrUndefined(existing)
      const profile = profileOf(applyUserPatch(current ?? emptyProfile, decoded.value))
      const before = Option.match(stored, { onNone: () => emptyPreferenceSet, onSome: (s) => s.preferences })
      const at = new Date(yield* Clock.currentTimeMillis)
      let preferences: UserPreferenceWrite | undefined
      if (decoded.value.preferences !== undefined) {
        const choices = applyPatch(before, decoded.value.preferences)
        const changes = diff(before, choices)
        if (changes.length > 0) {
          preferences = {
            expectedVersion: current === undefined ? 0 : before.version,
            choices,
            history: { actor: input.context.actor, request_id: input.context.requestId, changed_at: at, changes, ...ledgerFields(input.context, "patch") }
          }
        }
      }
      if (current !== undefined && preferences === undefined && sameProfile(current, profile)) {
        return { user: current, created: false }
      }
      const user = yield* users.save({
        projectId: input.projectId,
        externalId: input.externalId,
        expectedRevision: current?.revision ?? null,
        profile,
        at,
        ...(preferences !== undefined ? { preferences } : {})
      })
      return { user, created: current === undefined }
    })
    return yield* retryOnConflict(attempt)
  })

export const getUser = (projectId: ProjectId, externalId: ExternalUserId) =>
  Effect.flatMap(UserRepository, (users) =>
    Effect.flatMap(users.find(projectId, externalId), (o) =>
      Option.match(o, { onNone: () => Effect.fail(new UserNotFound({ externalId })), onSome: Effect.succeed })
    )
  )

/** Users newest first. */
export const listUsers = (projectId: ProjectId, query: SliceQuery<string>) =>
  Effect.flatMap(UserRepository, (users) =>
    Effect.map(users.list(projectId, query), (slice) => toPage(slice, query, (u: User) => u.id))
  )

/**
 * Erasure (EVENTS.md §1.3): the user, its sets, its ledger, the idempotency records naming it,
 * its earlier events redacted; one `user.deleted` is written (the one notice that survives).
 */
export const deleteUser = (projectId: ProjectId, externalId: ExternalUserId, by: Attribution = SYSTEM_ATTRIBUTION) =>
  Effect.gen(function* () {
    const users = yield* UserRepository
    const at = new Date(yield* Clock.currentTimeMillis)
    const removed = yield* users.remove(projectId, externalId, userDeletedEvent({ externalId, at, by }))
    if (!removed) return yield* Effect.fail(new UserNotFound({ externalId }))
  })
