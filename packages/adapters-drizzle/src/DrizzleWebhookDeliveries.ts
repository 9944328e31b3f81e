/**
 * The delivery engine's storage (EVENTS.md §4.3), on drizzle: functions of the adapter used only
 * by the standalone service's engine (as `DrizzleConsentRetention`), not a domain port.
 *
 * - **dispatch**: per enabled endpoint (row-locked, `SKIP LOCKED`: one instance at a time), the
 *   events after its cursor and below the feed's horizon (docs/events.md: nothing can commit
 *   behind it later) become `pending` deliveries when the filter matches; the cursor moves past
 *   every event looked at. A unique index makes a repeated dispatch harmless.
 * - **claim**: per endpoint (row-locked again, so the in-flight count is exact across instances),
 *   the due heads of the lanes (endpoint, ordering key, trigger: the earliest pending delivery in
 *   feed order), up to 16 in flight, found by walking the endpoint's due deliveries in due order
 *   (cost grows with what is claimed, not with the backlog); the claim is held for the attempt
 *   timeout + 5 s and the attempt row is written `interrupted` at once (what it stays if this
 *   instance dies).
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
}

const dateOf = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)))

/** Claims up to `limit` due deliveries for instance `me`, holding each for `holdMs`. */
export const claim = ({ db }: Database, me: string, limit: number, holdMs: number): Effect.Effect<ReadonlyArray<ClaimedDelivery>, RepositoryError> =>
  Effect.map(
    run("webhooks.claim", () =>
      db.execute(sql`
        -- The endpoints with due work. The probe is ordered (the index's order, so it stays an index
        -- probe: as a plain EXISTS the planner chose a sequential scan, 4.6 ms per endpoint).
        with ep as (
          select w.project_id, w.id from webhook_endpoints w
          cross join lateral (
            select 1 from webhook_deliveries d
            where d.project_id = w.project_id and d.webhook_id = w.id and d.status = 'pending'
              and d.next_attempt_at <= clock_timestamp() and (d.claimed_until is null or d.claimed_until < clock_timestamp())
            order by d.next_attempt_at limit 1
          ) due_work
          where w.status = 'enabled'
          for update of w skip locked
        ),
        -- Free slots per endpoint: 16 minus its live claims (an index holds only claimed pending rows).
        slots as (
          select ep.project_id, ep.id as webhook_id, ${MAX_IN_FLIGHT_PER_ENDPOINT} - (
            select count(*) from webhook_deliveries d
            where d.project_id = ep.project_id and d.webhook_id = ep.id and d.status = 'pending'
              and d.claimed_until is not null and d.claimed_until >= clock_timestamp())::int as free
          from ep
        ),
        -- Per endpoint, its due unclaimed deliveries in due order (an index walk, stopped at the free
        -- slots) that head their lane (endpoint, ordering key, trigger): no earlier pending delivery
        -- in feed order. Only a head may be attempted: a key's next delivery waits until the previous
        -- succeeded or was given up. Deliveries without a key (test pings) form one lane per trigger.
        due as (
          select s.project_id, h.id,
                 row_number() over (partition by s.project_id, s.webhook_id order by h.next_attempt_at, h.event_xid, h.event_seq) as rn
          from slots s cross join lateral (
            select d.id, d.next_attempt_at, d.event_xid, d.event_seq from webhook_deliveries d
            where d.project_id = s.project_id and d.webhook_id = s.webhook_id and d.status = 'pending'
              and d.next_attempt_at <= clock_timestamp() and (d.claimed_until is null or d.claimed_until < clock_timestamp())
              and not exists (
                select 1 from webhook_deliveries p
                where p.project_id = d.project_id and p.webhook_id = d.webhook_id and p.ordering_key = d.ordering_key and p.trigger = d.trigger
                  and p.status = 'pending' and (p.event_xid, p.event_seq) < (d.event_xid, d.event_seq))
              and (d.ordering_key is not null or not exists (
                select 1 from webhook_deliveries p
                where p.project_id = d.project_id and p.webhook_id = d.webhook_id and p.ordering_key is null and p.trigger = d.trigger
                  and p.status = 'pending' and (p.event_xid, p.event_seq) < (d.event_xid, d.event_seq)))
            order by d.next_attempt_at, d.event_xid, d.event_seq
            limit greatest(s.free, 0)
          ) h
        ),
        picked as (select project_id, id from due order by rn limit ${limit}),
        claimed as (
          update webhook_deliveries d
          set claimed_by = ${me}, claimed_until = clock_timestamp() + ${holdMs} * interval '1 millisecond', attempts = d.attempts + 1
          from picked where d.project_id = picked.project_id and d.id = picked.id
          returning d.project_id, d.id, d.webhook_id, d.event_id, d.trigger, d.attempts, d.payload
        ),
        started as (
          insert into webhook_attempts (project_id, delivery_id, number, started_at, error)
          select project_id, id, attempts, clock_timestamp(), 'interrupted' from claimed
          returning delivery_id, started_at
        )
        select c.project_id, c.id, c.webhook_id, c.event_id, c.trigger, c.attempts, s.started_at,
               coalesce(c.payload, e.payload) as body, w.url, w.secret, w.previous_secret,
               (w.previous_secret is not null and w.previous_secret_expires_at > clock_timestamp()) as previous_live
        from claimed c
        join started s on s.delivery_id = c.id
        join webhook_endpoints w on w.project_id = c.project_id and w.id = c.webhook_id
        left join events e on e.project_id = c.project_id and e.id = c.event_id`)
    ),
    (result) =>
      rowsOf(result).map(
        (r): ClaimedDelivery => ({
          projectId: String(r["project_id"]) as ProjectId,
          id: String(r["id"]),
          webhookId: String(r["webhook_id"]),
          eventId: String(r["event_id"]),
          trigger: String(r["trigger"]) as ClaimedDelivery["trigger"],
          attempt: Number(r["attempts"]),
          url: String(r["url"]),
          secrets: r["previous_live"] === true ? [String(r["secret"]), String(r["previous_secret"])] : [String(r["secret"])],
          body: r["body"] === null || r["body"] === undefined ? undefined : String(r["body"]),
          startedAt: dateOf(r["started_at"]) ?? new Date()
        })
      )
  )

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
