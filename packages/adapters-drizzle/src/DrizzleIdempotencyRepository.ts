/**
 * {@link IdempotencyRepository} over drizzle. A claim is one `INSERT ... ON CONFLICT DO UPDATE
 * ... WHERE <may take over>`: PostgreSQL serialises concurrent claims of one key on its row, so
 * exactly one gets a row back. The others then read what holds the key. A completed record
 * keeps the transport's opaque payload in `response_body` and its request id in `request_id`
 * (`response_status`/`response_headers` are no longer written: kept for a later migration).
 *
 * Rolling upgrade: the previous code kept a completed record as `response_status`,
 * `response_headers` (a JSON object of strings) and the body text in `response_body`. Such a
 * record (told apart by its non-null `response_status`; a claim resets it) is read back as the
 * payload the HTTP transport writes today, `{"status", "headers", "body"}` as JSON, so a replay
 * in the 24 h after an upgrade answers what the first request answered, never a 500. Once no
 * record older than the upgrade is left (24 h), {@link legacyPayload} and the two columns can go.
 */
import { and, eq, lte, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { IdempotencyClaim, IdempotencyKey, RepositoryError } from "@notiflows/domain"
import { IdempotencyRepository } from "@notiflows/domain"
import { idempotencyRecords as records } from "./schema.js"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { fromJson } from "./internal/statements.js"

/** A completed record as the previous code wrote it, as today's payload (see the module comment). */
export const legacyPayload = (status: number, headers: unknown, body: string | null): string =>
  JSON.stringify({ status, headers: headers ?? {}, body: body ?? "" })

const byKey = (k: IdempotencyKey) => and(eq(records.projectId, k.projectId), eq(records.scope, k.scope), eq(records.key, k.key))

/** The port over a database. */
export const make = ({ db }: Database): IdempotencyRepository["Type"] => {
  const claim: IdempotencyRepository["Type"]["claim"] = (input) => {
    const now = input.now.toISOString()
    const attempt: Effect.Effect<IdempotencyClaim | undefined, RepositoryError> = Effect.gen(function* () {
      const claimed = yield* run("idempotency.claim", () =>
        db
          .insert(records)
          .values({
            projectId: input.projectId,
            scope: input.scope,
            key: input.key,
            fingerprint: input.fingerprint,
            state: "in_progress",
            createdAt: input.now,
            expiresAt: input.expiresAt,
            lockedUntil: input.lockedUntil,
            subjects: [...(input.subjects ?? [])]
          })
          .onConflictDoUpdate({
            target: [records.projectId, records.scope, records.key],
            set: {
              fingerprint: sql`excluded.fingerprint`,
              state: "in_progress",
              responseStatus: null,
              responseBody: null,
              responseHeaders: null,
              requestId: null,
              createdAt: sql`excluded.created_at`,
              expiresAt: sql`excluded.expires_at`,
              lockedUntil: sql`excluded.locked_until`,
              subjects: sql`excluded.subjects`
            },
            // Expired records count as absent; a stale claim of the same request is taken over.
            setWhere: sql`${records.expiresAt} <= ${now}::timestamptz or (${records.state} = 'in_progress' and ${records.lockedUntil} <= ${now}::timestamptz and ${records.fingerprint} = excluded.fingerprint)`
          })
          .returning({ key: records.key })
      )
      if (claimed.length > 0) return { _tag: "Claimed" } as const
      const [held] = yield* run("idempotency.claim", () => db.select().from(records).where(byKey(input)))
      // Gone in between (released or purged): claim again.
      if (held === undefined) return undefined
      if (held.fingerprint !== input.fingerprint) return { _tag: "Mismatch" } as const
      if (held.state !== "completed") return { _tag: "InProgress" } as const
      if (held.responseStatus !== null) {
        const payload = legacyPayload(held.responseStatus, fromJson<unknown>(held.responseHeaders), held.responseBody)
        return { _tag: "Completed", outcome: { requestId: held.requestId, payload } } as const
      }
      if (held.responseBody === null) return { _tag: "InProgress" } as const
      return { _tag: "Completed", outcome: { requestId: held.requestId, payload: held.responseBody } } as const
    })
    const loop = (n: number): Effect.Effect<IdempotencyClaim, RepositoryError> =>
      Effect.flatMap(attempt, (r) => (r !== undefined ? Effect.succeed(r) : n > 1 ? loop(n - 1) : Effect.succeed({ _tag: "InProgress" } as const)))
    return loop(5)
  }

  return {
    claim,
    complete: (key, fingerprint, outcome) =>
      Effect.asVoid(
        run("idempotency.complete", () =>
          db
            .update(records)
            .set({
              state: "completed",
              responseBody: outcome.payload,
              requestId: outcome.requestId
            })
            .where(and(byKey(key), eq(records.fingerprint, fingerprint), eq(records.state, "in_progress")))
        )
      ),
    release: (key, fingerprint) =>
      Effect.asVoid(
        run("idempotency.release", () =>
          db.delete(records).where(and(byKey(key), eq(records.fingerprint, fingerprint), eq(records.state, "in_progress")))
        )
      ),
    purgeExpired: (now) =>
      Effect.map(
        // Across projects by design (a periodic job); on Citus a multi-shard DELETE.
        run("idempotency.purge", () => db.delete(records).where(lte(records.expiresAt, now)).returning({ key: records.key })),
        (rows) => rows.length
      )
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<IdempotencyRepository, never, DrizzleDatabase> = Layer.effect(IdempotencyRepository, Effect.map(DrizzleDatabase, make))
