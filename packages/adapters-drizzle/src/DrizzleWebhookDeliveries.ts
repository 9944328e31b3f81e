/**
 * The delivery engine's storage (EVENTS.md §4.3), on drizzle: functions of the adapter used only
 * by the standalone service's engine (as `DrizzleConsentRetention`), not a domain port.
 *
 * - **dispatch**: per enabled endpoint (row-locked, `SKIP LOCKED`: one instance at a time), the
 *   events after its cursor and below the feed's horizon (docs/events.md: nothing can commit
 *   behind it later) become `pending` deliveries when the filter matches; the cursor moves past
 *   every event looked at. A unique index makes a repeated dispatch harmless.
 * - **claim**: per endpoint (row-locked first, in the claim's transaction, then read on a snapshot
 *   taken after the locks, so the in-flight count is exact across instances and a delivery is
 *   never claimed twice), the due heads of the lanes (endpoint, ordering key, trigger: the earliest
 *   pending delivery in feed order), up to 16 in flight, found by walking the endpoint's due
 *   deliveries in due order (cost grows with what is claimed, not with the backlog); the claim is
 *   held for the attempt timeout + 5 s and the attempt row is written `interrupted` at once (what
 *   it stays if this instance dies). An attempt whose lease became too short before it was sent
 *   is given back (**giveBack**).
 * - **finish**: the attempts' outcomes, a batch per statement, each only while this instance still
 *   holds the claim.
 *
 * All times are the database's (`clock_timestamp()`), so instances agree on claims and due times.
 */
import { sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import type { AttemptOutcome, NextStep, ProjectId, RepositoryError, Webhook } from "@notiflows/domain"
import { renderEvent, webhookToJson } from "@notiflows/domain"
import type { Database } from "./internal/database.js"
import { newId } from "./internal/ids.js"
import { run, runTransaction } from "./internal/promiseToEffect.js"
import { rowsOf } from "./internal/statements.js"
import type { FinishRow } from "./internal/webhookFinish.js"
import { finishStatement } from "./internal/webhookFinish.js"
import type { LockedEndpoint } from "./internal/webhookClaim.js"
import { claimStatement, giveBackStatement, lockEndpoints } from "./internal/webhookClaim.js"
import { toWebhook } from "./DrizzleWebhookRepository.js"

const HORIZON = sql.raw(`(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint`)

/** At most this many in flight per endpoint (EVENTS.md §4.3). */
export const MAX_IN_FLIGHT_PER_ENDPOINT = 16

/** Dispatches the events committed since each endpoint's cursor; answers how many events were looked at. */
export const dispatch = ({ db }: Database, batch = 1000): Effect.Effect<number, RepositoryError> =>
  Effect.map(
    run("webhooks.dispatch", () =>
      db.execute(sql`
        with ep as (
          select project_id, id, event_types, cursor_xid, cursor_seq from webhook_endpoints
          where status = 'enabled'
          for update skip locked
        ),
        ev as (
          select ep.project_id, ep.id as webhook_id, ep.event_types, e.xid, e.seq, e.id as event_id, e.type, e.ordering_key
          from ep cross join lateral (
            select x.xid, x.seq, x.id, x.type, x.ordering_key from events x
            where x.project_id = ep.project_id and (x.xid, x.seq) > (ep.cursor_xid, ep.cursor_seq) and x.xid < ${HORIZON}
            order by x.xid, x.seq limit ${batch}
          ) e
        ),
        ins as (
          insert into webhook_deliveries (project_id, id, webhook_id, event_id, event_type, ordering_key, event_xid, event_seq, trigger, status, created_at, next_attempt_at)
          select project_id, notiflows_uuidv7(), webhook_id, event_id, type, ordering_key, xid, seq, 'event', 'pending', clock_timestamp(), clock_timestamp()
          from ev
          where '*' = any(event_types) or type = any(event_types)
             or exists (select 1 from unnest(event_types) t where right(t, 2) = '.*' and starts_with(type, left(t, -1)))
          order by xid, seq
          on conflict do nothing
          returning 1
        ),
        last as (
          select distinct on (project_id, webhook_id) project_id, webhook_id, xid, seq from ev order by project_id, webhook_id, xid desc, seq desc
        ),
        moved as (
          update webhook_endpoints w set cursor_xid = last.xid, cursor_seq = last.seq
          from last where w.project_id = last.project_id and w.id = last.webhook_id
          returning 1
        )
        select (select count(*) from ev)::int as scanned, (select count(*) from ins)::int as inserted, (select count(*) from moved)::int as moved`)
    ),
    (result) => Number(rowsOf(result)[0]?.["scanned"] ?? 0)
  )

/** A claimed delivery, ready for one attempt. */
export interface ClaimedDelivery {
  readonly projectId: ProjectId
  readonly id: string
  readonly webhookId: string
  readonly eventId: string
  readonly trigger: "event" | "replay" | "test"
  /** This attempt's number (1-based). */
  readonly attempt: number
  readonly url: string
  readonly secrets: ReadonlyArray<string>
  /** The bytes to send (`undefined` when the event is gone, e.g. removed by retention). */
  readonly body: string | undefined
  readonly startedAt: Date
  /**
   * When the lease surely still holds until (this process's clock, epoch ms): `holdMs` after the
   * claim statement was sent. The attempt is sent only while it can end well before this.
   */
  readonly leaseUntil: number
}

const dateOf = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)))

const toClaimed =
  (leaseUntil: number) =>
  (r: Record<string, unknown>): ClaimedDelivery => ({
    projectId: String(r["project_id"]) as ProjectId,
    id: String(r["id"]),
    webhookId: String(r["webhook_id"]),
    eventId: String(r["event_id"]),
    trigger: String(r["trigger"]) as ClaimedDelivery["trigger"],
    attempt: Number(r["attempts"]),
    url: String(r["url"]),
    secrets: r["previous_live"] === true ? [String(r["secret"]), String(r["previous_secret"])] : [String(r["secret"])],
    body: r["body"] === null || r["body"] === undefined ? undefined : String(r["body"]),
    startedAt: dateOf(r["started_at"]) ?? new Date(),
    leaseUntil
  })

/**
 * Claims up to `limit` due deliveries for instance `me`, holding each for `holdMs`: one transaction,
 * the endpoints locked first, then the claim on a snapshot taken after the locks
 * (`internal/webhookClaim.ts` says why).
 */
export const claim = ({ db }: Database, me: string, limit: number, holdMs: number): Effect.Effect<ReadonlyArray<ClaimedDelivery>, RepositoryError> =>
  runTransaction<ReadonlyArray<ClaimedDelivery>, never>("webhooks.claim", () =>
    db.transaction(async (tx) => {
      const endpoints = rowsOf(await tx.execute(lockEndpoints)).map((r): LockedEndpoint => ({ project_id: String(r["project_id"]), id: String(r["id"]) }))
      if (endpoints.length === 0) return []
      // The lease ends `holdMs` after the database's clock at the update, which is after this moment.
      const leaseUntil = Date.now() + holdMs
      return rowsOf(await tx.execute(claimStatement(endpoints, me, limit, holdMs, MAX_IN_FLIGHT_PER_ENDPOINT))).map(toClaimed(leaseUntil))
    })
  )

/** Gives a claimed attempt back unsent (see `internal/webhookClaim.ts`); a lost claim is left alone. */
export const giveBack = ({ db }: Database, me: string, d: Pick<ClaimedDelivery, "projectId" | "id" | "attempt">): Effect.Effect<void, RepositoryError> =>
  Effect.asVoid(run("webhooks.give_back", () => db.execute(giveBackStatement(me, d.projectId, d.id, d.attempt))))

/** One attempt's outcome and the delivery's next step, for {@link finish}. */
export interface Finished {
  readonly delivery: Pick<ClaimedDelivery, "projectId" | "id" | "webhookId" | "attempt" | "startedAt">
  readonly outcome: AttemptOutcome
  readonly next: NextStep
}

const statusOf = (next: NextStep): FinishRow["status"] =>
  next._tag === "Succeeded" ? "succeeded" : next._tag === "Retry" ? "pending" : next._tag === "Failed" ? "failed" : "cancelled"

/**
 * Records a batch of attempts (in completion order) and their deliveries' next steps in one
 * statement (`internal/webhookFinish.ts`), each only while `me` still holds its claim for that
 * attempt; moves the endpoints' `failing_since` (set at the first failure since a success, cleared
 * by a success). Answers, per item, the endpoint's `failing_since` after it for a failure, `null`
 * for a success, none, or a lost claim.
 */
export const finish = ({ db }: Database, me: string, items: ReadonlyArray<Finished>): Effect.Effect<ReadonlyArray<Date | null>, RepositoryError> => {
  const rows = items.map(({ delivery: d, outcome, next }, ord): FinishRow => ({
    ord,
    project_id: d.projectId,
    id: d.id,
    webhook_id: d.webhookId,
    attempt: d.attempt,
    started_at: d.startedAt.toISOString(),
    status: statusOf(next),
    cancelled_reason: next._tag === "Cancelled" ? next.reason : null,
    delay_ms: next._tag === "Retry" ? Math.round(next.delayMs) : null,
    duration_ms: outcome.durationMs,
    response_status: outcome.responseStatus,
    error: outcome.error,
    retry_after: outcome.retryAfter,
    response_body: outcome.responseBody
  }))
  return Effect.map(run("webhooks.finish", () => db.execute(finishStatement(me, rows))), (result) => {
    const failingSince = new Map<number, Date | null>()
    for (const r of rowsOf(result)) failingSince.set(Number(r["ord"]), dateOf(r["failing_since"]))
    return rows.map((r) => (r.status === "succeeded" ? null : (failingSince.get(r.ord) ?? null)))
  })
}

/**
 * Disables an endpoint the service gave up on (`gone` after a 410, `failing` after the disabling
 * window): cancels its pending deliveries (`endpoint_disabled`) and writes `webhook.disabled` to
 * the feed, in one transaction. Answers `false` when it was not enabled (nothing done).
 */
export const disable = ({ db }: Database, projectId: ProjectId, webhookId: string, reason: "gone" | "failing"): Effect.Effect<boolean, RepositoryError> =>
  runTransaction<boolean, never>("webhooks.disable", () =>
    db.transaction(async (tx) => {
      const rows = rowsOf(
        await tx.execute(sql`
          update webhook_endpoints set status = 'disabled', disabled_reason = ${reason}, disabled_at = clock_timestamp(),
            updated_at = clock_timestamp(), revision = revision + 1
          where project_id = ${projectId}::uuid and id = ${webhookId}::uuid and status = 'enabled'
          returning project_id, id, url, description, event_types, status, disabled_reason, disabled_at, failing_since, secret, previous_secret,
            previous_secret_expires_at, created_at, updated_at, revision, cursor_xid, cursor_seq`)
      )
      const row = rows[0]
      if (row === undefined) return false
      const webhook = fromRaw(row)
      await tx.execute(sql`
        update webhook_deliveries set status = 'cancelled', cancelled_reason = 'endpoint_disabled', completed_at = clock_timestamp(),
          next_attempt_at = null, claimed_by = null, claimed_until = null
        where project_id = ${projectId}::uuid and webhook_id = ${webhookId}::uuid and status = 'pending'`)
      const at = webhook.disabledAt ?? new Date()
      const event = renderEvent(newId(), projectId, {
        type: "webhook.disabled",
        occurredAt: at,
        orderingKey: `webhook:${webhookId}`,
        aboutUser: false,
        data: () => ({ webhook: webhookToJson(webhook, at) })
      }, null)
      await tx.execute(sql`
        insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
        values (${projectId}::uuid, ${event.id}::uuid, ${event.type}, ${at.toISOString()}::timestamptz, ${event.orderingKey}, null, ${event.payload})`)
      return true
    })
  )

const fromRaw = (r: Record<string, unknown>): Webhook =>
  toWebhook({
    projectId: String(r["project_id"]) as ProjectId,
    id: String(r["id"]),
    url: String(r["url"]),
    description: r["description"] === null ? null : String(r["description"]),
    eventTypes: Array.isArray(r["event_types"]) ? (r["event_types"] as Array<string>) : parseArray(String(r["event_types"])),
    status: String(r["status"]),
    disabledReason: r["disabled_reason"] === null ? null : String(r["disabled_reason"]),
    disabledAt: dateOf(r["disabled_at"]),
    failingSince: dateOf(r["failing_since"]),
    secret: String(r["secret"]),
    previousSecret: r["previous_secret"] === null ? null : String(r["previous_secret"]),
    previousSecretExpiresAt: dateOf(r["previous_secret_expires_at"]),
    createdAt: dateOf(r["created_at"]) ?? new Date(0),
    updatedAt: dateOf(r["updated_at"]) ?? new Date(0),
    revision: Number(r["revision"]),
    cursorXid: 0n,
    cursorSeq: 0n
  })

/** A `text[]` in its text form (`{a,b}`), for drivers that answer it unparsed. */
const parseArray = (s: string): Array<string> =>
  s === "{}" ? [] : s.slice(1, -1).split(",").map((x) => x.replace(/^"(.*)"$/, "$1").replace(/\\(.)/g, "$1"))

/**
 * The deliveries log is kept as long as events (EVENTS.md §4.5): completed deliveries whose event
 * retention removed go, and test pings older than `before`. Pending ones stay (they finish or are
 * given up first). Answers how many were removed; idempotent, so instances may run it at once.
 */
export const purgeLog = ({ db }: Database, before: Date): Effect.Effect<number, RepositoryError> =>
  Effect.map(
    run("webhooks.purge_log", () =>
      db.execute(sql`
        with gone as (
          delete from webhook_deliveries d
          where d.status <> 'pending'
            and ((d.trigger = 'test' and d.created_at < ${before.toISOString()}::timestamptz)
              or (d.trigger <> 'test' and not exists (select 1 from events e where e.project_id = d.project_id and e.id = d.event_id)))
          returning 1
        )
        select count(*)::int as n from gone`)
    ),
    (result) => Number(rowsOf(result)[0]?.["n"] ?? 0)
  )
