/**
 * Consent-context retention (EVENTS.md §1): a ledger entry's `{ip, user_agent}` is kept
 * `NOTIFLOWS_CONSENT_CONTEXT_DAYS`, then nulled. The object stays (`{"ip": null, "user_agent":
 * null}`: "expired" is not "not an end-user write"); entries whose `context` is SQL NULL (not an
 * end-user write) and everything else of an entry are left alone.
 *
 * Each statement is idempotent (it only touches rows that still hold a value), so several
 * instances may run it at once: the second finds nothing left to null.
 */
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import type { RepositoryError } from "@notiflows/domain"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { rowsOf } from "./internal/statements.js"

const EXPIRED = `'{"ip": null, "user_agent": null}'::jsonb`

const expireIn = (db: Database["db"], table: "preference_history" | "tenant_preference_history", cutoff: string) =>
  Effect.map(
    run(`ledger.expire_context.${table}`, () =>
      db.execute(sql`
        with expired as (
          update ${sql.raw(table)} set context = ${sql.raw(EXPIRED)}
          where changed_at < ${cutoff}::timestamptz
            and context is not null
            and context <> ${sql.raw(EXPIRED)}
          returning 1
        )
        select count(*)::int as n from expired`)
    ),
    (result) => Number(rowsOf(result)[0]?.["n"] ?? 0)
  )

/** Nulls the context of every ledger entry (global and tenant sets) written before `before`; answers how many. */
export const expireContexts = ({ db }: Database, before: Date): Effect.Effect<number, RepositoryError> => {
  const cutoff = before.toISOString()
  return Effect.zipWith(expireIn(db, "preference_history", cutoff), expireIn(db, "tenant_preference_history", cutoff), (a, b) => a + b)
}

/** {@link expireContexts} on the {@link DrizzleDatabase} of the context. */
export const expireContextsHere = (before: Date): Effect.Effect<number, RepositoryError, DrizzleDatabase> =>
  Effect.flatMap(DrizzleDatabase, (database) => expireContexts(database, before))
