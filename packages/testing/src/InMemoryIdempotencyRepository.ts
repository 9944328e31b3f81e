/**
 * In-memory {@link IdempotencyRepository}: the reference semantics of claiming, completing,
 * releasing and purging idempotency records. Each operation is one synchronous section, so
 * claims are atomic across fibers.
 */
import * as Effect from "effect/Effect"
import type { IdempotencyKey, IdempotencyRepository, IdempotentOutcome } from "@notiflows/domain"

interface IdempotencyRecord {
  readonly fingerprint: string
  readonly expiresAt: number
  readonly lockedUntil: number
  readonly outcome: IdempotentOutcome | undefined
}

const id = (k: IdempotencyKey): string => JSON.stringify([k.projectId, k.scope, k.key])

/** A store of its own: idempotency records share nothing with the preference data. */
export const makeIdempotencyRepository = (): IdempotencyRepository["Type"] => {
  const records = new Map<string, IdempotencyRecord>()
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
