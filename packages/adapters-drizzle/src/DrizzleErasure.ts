/**
 * Erasure (EVENTS.md §1.3) over drizzle: ONE transaction that removes every trace of a user's
 * personal data and writes the `user.deleted` notice.
 *
 * **Extension point.** {@link ERASURE_STEPS} is the ordered list of what erasure does; a table
 * that holds a user's data gets its step here (and a row in the personal-data scan test,
 * `test/erasure.scan.test.ts`). Every step runs in the erasure's transaction with the
 * {@link ErasureSubject}, after the user's row is locked and before it is deleted:
 *
 * - the user's events are still found by `events.user_id = subject.userId` (the redaction keeps
 *   that column; it rewrites `payload` and `ordering_key`), so a webhook deliveries step can
 *   cancel the deliveries of those events (`cancelled_reason: redacted`) and delete their attempts
 *   wherever it sits in the list;
 * - the external id is `subject.externalId` (e.g. bulk job items: `user_id` set to `null`).
 */
import { sql } from "drizzle-orm"
import type { EventInput, ProjectId, UserId } from "@notiflows/domain"
import { renderEvent } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { eventRowsInsert } from "./DrizzlePreferenceRepository.js"
import type { NotiflowsDatabase } from "./internal/database.js"
import { rowsOf } from "./internal/statements.js"

/** Whom an erasure is about. */
export interface ErasureSubject {
  readonly projectId: ProjectId
  /** The internal id (`users.id`, `events.user_id`, the sets' `user_id`). */
  readonly userId: UserId
  /** The external id (`users.external_id`, user-API idempotency scopes, ordering keys, bulk items). */
  readonly externalId: string
}

/** One thing erasure does, inside its transaction. */
export interface ErasureStep {
  /** For logs and failures (never data). */
  readonly name: string
  readonly run: (tx: NotiflowsDatabase, subject: ErasureSubject) => Promise<void>
}

/** Idempotency records whose user-API scope, path or body names the user (`subjects`). */
const idempotencyRecords: ErasureStep = {
  name: "idempotency_records",
  run: async (tx, s) => {
    await tx.execute(sql`
      delete from idempotency_records
      where project_id = ${s.projectId}::uuid and (scope = ${`user:${s.externalId}`} or ${s.externalId}::text = any(subjects))`)
  }
}

/**
 * The user's earlier events, redacted in place: same id, type, occurred_at, position (`xid`,
 * `seq`) and `user_id`; `data` becomes `{"redacted": true}` and the ordering key (which holds the
 * external id) `redacted:<internal id>`. The text is built in the member order `renderEvent` uses;
 * ids are UUIDs, types fixed words and `occurred_at` the stored ISO text, so none needs escaping.
 */
const redactEvents: ErasureStep = {
  name: "events",
  run: async (tx, s) => {
    await tx.execute(sql`
      update events
      set payload = '{"id":"' || id::text || '","type":"' || type || '","occurred_at":"' || (payload::json ->> 'occurred_at')
                    || '","project_id":"' || project_id::text || '","data":{"redacted":true}}',
          ordering_key = 'redacted:' || user_id::text
      where project_id = ${s.projectId}::uuid and user_id = ${s.userId}::uuid`)
  }
}

/**
 * The user's bulk-job items (BULK.md §1.2, EVENTS.md §1.3): `user_id` becomes NULL; results
 * stay, and an item still pending fails as an unknown user (it can no longer apply), so its job
 * still ends with every item final.
 */
const bulkItems: ErasureStep = {
  name: "job_items",
  run: async (tx, s) => {
    await tx.execute(sql`
      update job_items
      set user_id = null,
          error = case when status = 'pending' then '{"reason":"user_not_found"}'::jsonb else error end,
          status = case when status = 'pending' then 'failed' else status end
      where project_id = ${s.projectId}::uuid and user_id = ${s.externalId}::text`)
  }
}

/**
 * Webhook deliveries of the user's events (EVENTS.md §1.3, §4): those not yet succeeded are
 * cancelled `redacted` and their attempts (receivers' answers may echo the data) deleted; every
 * delivery of those events loses the external id from its ordering key, as the events do.
 */
const webhookDeliveries: ErasureStep = {
  name: "webhook_deliveries",
  run: async (tx, s) => {
    await tx.execute(sql`
      with mine as (
        select d.project_id, d.id, d.status from webhook_deliveries d
        join events e on e.project_id = d.project_id and e.id = d.event_id
        where e.project_id = ${s.projectId}::uuid and e.user_id = ${s.userId}::uuid
      ),
      redacted as (
        update webhook_deliveries d
        set ordering_key = 'redacted:' || ${s.userId}::text,
            status = case when d.status in ('pending', 'failed') then 'cancelled' else d.status end,
            cancelled_reason = case when d.status in ('pending', 'failed') then 'redacted' else d.cancelled_reason end,
            completed_at = case when d.status = 'pending' then clock_timestamp() else d.completed_at end,
            next_attempt_at = case when d.status = 'pending' then null else d.next_attempt_at end,
            claimed_by = case when d.status = 'pending' then null else d.claimed_by end,
            claimed_until = case when d.status = 'pending' then null else d.claimed_until end
        from mine where d.project_id = mine.project_id and d.id = mine.id
        returning d.project_id, d.id
      )
      delete from webhook_attempts a using mine
      where a.project_id = mine.project_id and a.delivery_id = mine.id and mine.status in ('pending', 'failed')`)
  }
}

/** The user's row; the foreign keys cascade to every set (global and user×tenant) and every ledger entry. */
const userRows: ErasureStep = {
  name: "users",
  run: async (tx, s) => {
    await tx.execute(sql`delete from users where project_id = ${s.projectId}::uuid and id = ${s.userId}::uuid`)
  }
}

/**
 * What erasure does, in order. Other features append their step (before `users`, whose cascade
 * removes the sets and ledger).
 */
export const ERASURE_STEPS: ReadonlyArray<ErasureStep> = [idempotencyRecords, webhookDeliveries, redactEvents, bulkItems, userRows]

/**
 * Erases a user in the given transaction: locks its row, runs {@link ERASURE_STEPS}, then writes
 * `notice` (`user.deleted`). Answers false (nothing done) when the user does not exist.
 */
export const eraseUser = async (
  tx: NotiflowsDatabase,
  projectId: ProjectId,
  externalId: string,
  notice: EventInput | undefined,
  steps: ReadonlyArray<ErasureStep> = ERASURE_STEPS
): Promise<boolean> => {
  const found = rowsOf(
    await tx.execute(sql`select id from users where project_id = ${projectId}::uuid and external_id = ${externalId} for update`)
  )[0]
  if (found === undefined) return false
  const subject: ErasureSubject = { projectId, userId: String(found["id"]) as UserId, externalId }
  for (const step of steps) await step.run(tx, subject)
  if (notice !== undefined) await tx.execute(eventRowsInsert(projectId, [renderEvent(uuidv7(), projectId, notice, subject.userId)]))
  return true
}
