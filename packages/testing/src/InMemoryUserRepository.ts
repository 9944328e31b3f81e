/**
 * In-memory {@link UserRepository}: users with revision checks; creating a user creates its
 * empty preference set, and an upsert's preference write commits in the same section.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { User, UserWrite } from "@notiflows/domain"
import type { UserRepository } from "@notiflows/domain"
import { VersionConflict, emptyPreferenceSet, profileOf } from "@notiflows/domain"
import { commitToRecord } from "./InMemoryPreferenceRepository.js"
import { randomUserId } from "./Ids.js"
import type { Store, UserRecord } from "./internal/store.js"
import { appendEvent, requireProject, sliceNewestFirst, snapshot, usersOf } from "./internal/store.js"
import { eraseUser } from "./internal/erasure.js"

const save = (store: Store, write: UserWrite) =>
  Effect.flatMap(requireProject(store, write.projectId, "users.save"), (project) => {
    const existing = project.users.get(write.externalId)
    const actualRevision = existing?.user.revision ?? null
    if (actualRevision !== write.expectedRevision) {
      return Effect.fail(new VersionConflict({ expected: write.expectedRevision, actual: actualRevision }))
    }
    const prefs = write.preferences
    const actualVersion = existing?.preferences.version ?? 0
    if (prefs !== undefined && prefs.expectedVersion !== actualVersion) {
      return Effect.fail(new VersionConflict({ expected: prefs.expectedVersion, actual: actualVersion }))
    }
    // Only the profile fields: a caller may hand a whole `User` here.
    const profile = snapshot(profileOf(write.profile))
    let record: UserRecord
    if (existing === undefined) {
      const user: User = {
        ...profile,
        id: randomUserId(),
        external_id: write.externalId,
        created_at: write.at,
        updated_at: write.at,
        revision: 1
      }
      record = { user, preferences: emptyPreferenceSet, history: [] }
      project.users.set(write.externalId, record)
      project.userIds.set(user.id, write.externalId)
    } else {
      record = existing
      record.user = { ...existing.user, ...profile, updated_at: write.at, revision: existing.user.revision + 1 }
    }
    for (const event of write.events ?? []) appendEvent(store, write.projectId, event, record.user.id)
    if (prefs !== undefined) {
      commitToRecord(record, actualVersion + 1, prefs.choices, prefs.history)
      if (prefs.categories !== undefined) record.categories = snapshot(prefs.categories)
      appendEvent(store, write.projectId, prefs.event, record.user.id)
    }
    return Effect.succeed(record.user)
  })

/** The port over a shared store. */
export const makeUserRepository = (store: Store): UserRepository["Type"] => ({
  find: (projectId, externalId) => Effect.sync(() => Option.map(Option.fromNullable(usersOf(store, projectId).get(externalId)), (r) => r.user)),
  list: (projectId, query) =>
    Effect.sync(() => {
      const newestFirst = [...usersOf(store, projectId).values()].map((r) => r.user).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      return sliceNewestFirst(newestFirst, (u) => u.id, query)
    }),
  save: (write) => Effect.suspend(() => save(store, write)),
  remove: (projectId, externalId, notice) => Effect.sync(() => eraseUser(store, projectId, externalId, notice))
})
