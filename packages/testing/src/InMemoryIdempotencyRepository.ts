/**
 * In-memory {@link IdempotencyRepository}: the reference semantics of claiming, completing,
 * releasing and purging idempotency records. Each operation is one synchronous section, so
 * claims are atomic across fibers.
 */
import * as Effect from "effect/Effect"
import type { IdempotencyKey, IdempotencyRepository, IdempotentOutcome } from "@notiflows/domain"

/** A stored record; `projectId`, `scope` and `subjects` let erasure find those naming a user. */
export interface IdempotencyRecord {
  readonly projectId: string
  readonly scope: string
  readonly subjects: ReadonlyArray<string>
  readonly fingerprint: string
  readonly expiresAt: number
  readonly lockedUntil: number
  readonly outcome: IdempotentOutcome | undefined
}

const id = (k: IdempotencyKey): string => JSON.stringify([k.projectId, k.scope, k.key])

/**
 * Records in a map of their own, or in the store's (`InMemory.make` shares it, so erasure deletes
 * the records naming the user in its section, as the SQL adapter does in its transaction).
 */
export const makeIdempotencyRepository = (records: Map<string, IdempotencyRecord> = new Map()): IdempotencyRepository["Type"] => {
  return {
    claim: (input) =>
      Effect.sync(() => {
        const key = id(input)
        const now = input.now.getTime()
        const existing = records.get(key)
        const takeOver =
          existing === undefined ||
          existing.expiresAt <= now ||
          (existing.outcome === undefined && existing.lockedUntil <= now && existing.fingerprint === input.fingerprint)
        if (takeOver) {
          records.set(key, {
            projectId: input.projectId,
            scope: input.scope,
            subjects: [...(input.subjects ?? [])],
            fingerprint: input.fingerprint,
            expiresAt: input.expiresAt.getTime(),
            lockedUntil: input.lockedUntil.getTime(),
            outcome: undefined
          })
          return { _tag: "Claimed" } as const
        }
        if (existing.fingerprint !== input.fingerprint) return { _tag: "Mismatch" } as const
        if (existing.outcome === undefined) return { _tag: "InProgress" } as const
        return { _tag: "Completed", outcome: existing.outcome } as const
      }),
    complete: (key, fingerprint, outcome) =>
      Effect.sync(() => {
        const existing = records.get(id(key))
        if (existing !== undefined && existing.fingerprint === fingerprint && existing.outcome === undefined) {
          records.set(id(key), { ...existing, outcome: { ...outcome } })
        }
      }),
    release: (key, fingerprint) =>
      Effect.sync(() => {
        const existing = records.get(id(key))
        if (existing !== undefined && existing.fingerprint === fingerprint && existing.outcome === undefined) records.delete(id(key))
      }),
    purgeExpired: (now) =>
      Effect.sync(() => {
        let purged = 0
        for (const [key, record] of records) {
          if (record.expiresAt <= now.getTime()) {
            records.delete(key)
            purged++
          }
        }
        return purged
      })
  }
}
