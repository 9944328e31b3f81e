/**
 * In-memory {@link PreferenceRepository}: the reference implementation of the preference
 * primitives (load, commit-if-version with its history entry, history reads).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ExternalUserId, HistoryEntry, HistoryInput, PreferenceChoices, PreferenceCommit, PreferenceSet, StoredPreferences } from "@notiflows/domain"
import type { PreferenceRepository } from "@notiflows/domain"
import { UserNotFound, VersionConflict } from "@notiflows/domain"
import { uuidv7 } from "./internal/ids.js"
import type { Store, UserRecord } from "./internal/store.js"
import { appendEvent, sliceNewestFirst, snapshot, userById, usersOf } from "./internal/store.js"

const choicesOf = (set: PreferenceSet): PreferenceChoices => ({ channel_types: set.channel_types, notiflows: set.notiflows })

/**
 * Stores `choices` at `version` with its history entry. Callers have checked the version; this
 * runs in the same synchronous section as that check.
 */
export const commitToRecord = (
  record: UserRecord,
  version: number,
  choices: PreferenceChoices,
  history: HistoryInput
): PreferenceSet => {
  const preferences: PreferenceSet = snapshot({ version, channel_types: choices.channel_types, notiflows: choices.notiflows })
  const entry: HistoryEntry = snapshot({
    id: uuidv7(),
    version,
    actor: history.actor,
    request_id: history.request_id,
    changed_at: history.changed_at,
    changes: history.changes,
    operation: history.operation,
    source: history.source,
    context: history.context
  })
  record.preferences = preferences
  record.history.push(entry)
  return preferences
}

/** The port over a shared store. */
export const makePreferenceRepository = (store: Store): PreferenceRepository["Type"] => ({
  load: (projectId, externalId) =>
    Effect.sync(() => {
      const record = usersOf(store, projectId).get(externalId)
      return record === undefined
        ? Option.none()
        : Option.some<StoredPreferences>({ userId: record.user.id, externalId, preferences: record.preferences })
    }),
  loadMany: (projectId, externalIds) =>
    Effect.sync(() => {
      const users = usersOf(store, projectId)
      const out = new Map<ExternalUserId, PreferenceChoices>()
      for (const id of externalIds) {
        const record = users.get(id)
        if (record !== undefined) out.set(id, choicesOf(record.preferences))
      }
      return out
    }),
  commit: (commit: PreferenceCommit) =>
    Effect.suspend((): Effect.Effect<PreferenceSet, VersionConflict | UserNotFound> => {
      const record = userById(store, commit.projectId, commit.userId)
      if (record === undefined) return Effect.fail(new UserNotFound({ userId: commit.userId }))
      const actual = record.preferences.version
      if (actual !== commit.expectedVersion) {
        return Effect.fail(new VersionConflict({ expected: commit.expectedVersion, actual }))
      }
      const set = commitToRecord(record, actual + 1, commit.choices, commit.history)
      appendEvent(store, commit.projectId, commit.event, commit.userId)
      return Effect.succeed(set)
    }),
  history: (projectId, userId, query) =>
    Effect.sync(() => {
      const record = userById(store, projectId, userId)
      const newestFirst = record === undefined ? [] : [...record.history].reverse()
      return sliceNewestFirst(newestFirst, (e) => e.version, query)
    })
})

