/**
 * In-memory {@link IdempotencyRepository}: the reference semantics of claiming, completing,
 * releasing and purging idempotency records. Each operation is one synchronous section, so
 * claims are atomic across fibers.
 */
import * as Effect from "effect/Effect"
import type { IdempotencyKey, IdempotencyRepository, StoredResponse } from "@notiflows/domain"

interface IdempotencyRecord {
  readonly fingerprint: string
  readonly expiresAt: number
  readonly lockedUntil: number
  readonly response: StoredResponse | undefined
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
          (existing.response === undefined && existing.lockedUntil <= now && existing.fingerprint === input.fingerprint)
        if (takeOver) {
          records.set(key, {
            fingerprint: input.fingerprint,
            expiresAt: input.expiresAt.getTime(),
            lockedUntil: input.lockedUntil.getTime(),
            response: undefined
          })
          return { _tag: "Claimed" } as const
        }
        if (existing.fingerprint !== input.fingerprint) return { _tag: "Mismatch" } as const
        if (existing.response === undefined) return { _tag: "InProgress" } as const
        return { _tag: "Completed", response: existing.response } as const
      }),
    complete: (key, fingerprint, response) =>
      Effect.sync(() => {
        const existing = records.get(id(key))
        if (existing !== undefined && existing.fingerprint === fingerprint && existing.response === undefined) {
          records.set(id(key), { ...existing, response: structuredClone(response) })
        }
      }),
    release: (key, fingerprint) =>
      Effect.sync(() => {
        const existing = records.get(id(key))
        if (existing !== undefined && existing.fingerprint === fingerprint && existing.response === undefined) records.delete(id(key))
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
