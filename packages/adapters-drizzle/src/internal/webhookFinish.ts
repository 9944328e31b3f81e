/**
 * The statement recording a batch of webhook attempts (EVENTS.md §4.3, §4.5), set-based: one round
 * trip for every outcome ready at once (the engine's group commit). Each delivery is written only
 * while instance `me` still holds its claim for that attempt; a redacted event's delivery keeps no
 * attempts (§1.3). An endpoint's `failing_since` follows the batch in completion order (`ord`): a
 * success clears it, the first failure after the last success sets it; the endpoint row is written
 * only when it changes (the claim locks endpoint rows with SKIP LOCKED: a write per delivery would
 * hide the endpoint from claims while held).
 */
import { sql } from "drizzle-orm"
import type { SQL } from "drizzle-orm"
import { json } from "./statements.js"

/** One attempt's outcome, as the statement reads it. */
export interface FinishRow {
  readonly ord: number
  readonly project_id: string
  readonly id: string
  readonly webhook_id: string
  readonly attempt: number
  readonly started_at: string
  readonly status: "succeeded" | "pending" | "failed" | "cancelled"
  readonly cancelled_reason: string | null
  readonly delay_ms: number | null
  readonly duration_ms: number
  readonly response_status: number | null
  readonly error: string | null
  readonly retry_after: number | null
  readonly response_body: string | null
}

/** Answers per written row: `ord`, and the endpoint's `failing_since` after the batch. */
export const finishStatement = (me: string, rows: ReadonlyArray<FinishRow>): SQL => sql`
  with input as (
    select * from jsonb_to_recordset(${json(rows)}::jsonb) as r(ord int, project_id uuid, id uuid, webhook_id uuid, attempt int,
      started_at timestamptz, status text, cancelled_reason text, delay_ms int, duration_ms int, response_status int, error text,
      retry_after int, response_body text)
  ),
  d as (
    update webhook_deliveries w set status = i.status, cancelled_reason = i.cancelled_reason,
      next_attempt_at = case when i.status = 'pending' then clock_timestamp() + i.delay_ms * interval '1 millisecond' end,
      completed_at = case when i.status = 'pending' then null else clock_timestamp() end,
      claimed_by = null, claimed_until = null
    from input i
    where w.project_id = i.project_id and w.id = i.id and w.claimed_by = ${me} and w.attempts = i.attempt and w.status = 'pending'
    returning i.*, (i.cancelled_reason = 'redacted') is true as redacted, i.status = 'succeeded' as ok
  ),
  a as (
    update webhook_attempts t set duration_ms = d.duration_ms, response_status = d.response_status, error = d.error,
      retry_after = d.retry_after, response_body = d.response_body
    from d where not d.redacted and t.project_id = d.project_id and t.delivery_id = d.id and t.number = d.attempt
    returning 1
  ),
  gone as (
    delete from webhook_attempts t using d where d.redacted and t.project_id = d.project_id and t.delivery_id = d.id
    returning 1
  ),
  ep as (
    select project_id, webhook_id, max(ord) filter (where ok) as last_ok from d where not redacted group by project_id, webhook_id
  ),
  target as (
    select e.project_id, e.id, e.failing_since as before,
      case when ep.last_ok is null then coalesce(e.failing_since, f.first_failure) else f.first_failure end as after
    from ep
    join webhook_endpoints e on e.project_id = ep.project_id and e.id = ep.webhook_id
    cross join lateral (
      select min(x.started_at) as first_failure from d x
      where x.project_id = ep.project_id and x.webhook_id = ep.webhook_id and not x.redacted and not x.ok and x.ord > coalesce(ep.last_ok, -1)
    ) f
  ),
  w as (
    update webhook_endpoints e set failing_since = t.after
    from target t where e.project_id = t.project_id and e.id = t.id and e.failing_since is distinct from t.after
    returning e.id
  )
  select d.ord, t.after as failing_since, (select count(*) from a)::int as a, (select count(*) from gone)::int as g, (select count(*) from w)::int as w
  from d left join target t on t.project_id = d.project_id and t.id = d.webhook_id`
