/**
 * The statements of a webhook claim (EVENTS.md §4.3), run in one transaction by
 * `DrizzleWebhookDeliveries.claim`:
 *
 * 1. {@link lockEndpoints}: the enabled endpoints with due work, row-locked (`SKIP LOCKED`: an
 *    endpoint another instance is claiming for is left to it);
 * 2. {@link claimStatement}: for those endpoints only, the due heads of the lanes up to 16 in flight,
 *    claimed, their attempt rows written `interrupted`.
 *
 * Why two statements: a statement's snapshot is taken when it starts, before its row locks are
 * granted. In one statement, an instance whose snapshot predated another instance's claim (which
 * committed just before the endpoint lock was granted) saw those deliveries unclaimed, and the
 * `UPDATE` claimed them again (READ COMMITTED re-checks only the update's own conditions on the
 * newer row): the same delivery was sent by two instances at once. The second statement here
 * starts after the locks are held, so it sees every claim committed on those endpoints; the
 * update's conditions (unclaimed, the attempt number read) are checked again on the newest row
 * anyway, so a delivery can never be claimed twice.
 */
import { sql } from "drizzle-orm"
import type { SQL } from "drizzle-orm"
import { json } from "./statements.js"

/** An endpoint locked for the claim. */
export interface LockedEndpoint {
  readonly project_id: string
  readonly id: string
}

const due = sql`d.status = 'pending' and d.next_attempt_at <= clock_timestamp() and (d.claimed_until is null or d.claimed_until < clock_timestamp())`

/**
 * Locks the enabled endpoints with due work. The probe is ordered (the index's order, so it stays
 * an index probe: as a plain EXISTS the planner chose a sequential scan, 4.6 ms per endpoint).
 */
export const lockEndpoints: SQL = sql`
  select w.project_id, w.id from webhook_endpoints w
  cross join lateral (
    select 1 from webhook_deliveries d
    where d.project_id = w.project_id and d.webhook_id = w.id and ${due}
    order by d.next_attempt_at limit 1
  ) due_work
  where w.status = 'enabled'
  for update of w skip locked`

/** Claims up to `limit` due deliveries of the locked endpoints for `me`, each held `holdMs`. */
export const claimStatement = (endpoints: ReadonlyArray<LockedEndpoint>, me: string, limit: number, holdMs: number, maxPerEndpoint: number): SQL => sql`
  with ep as (
    select * from jsonb_to_recordset(${json(endpoints)}::jsonb) as e(project_id uuid, id uuid)
  ),
  -- Free slots per endpoint: the bound minus its live claims (an index holds only claimed pending rows).
  slots as (
    select ep.project_id, ep.id as webhook_id, ${maxPerEndpoint} - (
      select count(*) from webhook_deliveries d
      where d.project_id = ep.project_id and d.webhook_id = ep.id and d.status = 'pending'
        and d.claimed_until is not null and d.claimed_until >= clock_timestamp())::int as free
    from ep
  ),
  -- Per endpoint, its due unclaimed deliveries in due order (an index walk, stopped at the free
  -- slots) that head their lane (endpoint, ordering key, trigger): no earlier pending delivery in
  -- feed order. Only a head may be attempted: a key's next delivery waits until the previous
  -- succeeded or was given up. Deliveries without a key (test pings) form one lane per trigger.
  -- The lane probe is kept a correlated subplan (\`offset 0\`: PostgreSQL does not turn such an
  -- EXISTS into a join), one index probe on the key index per candidate. As an anti join, planned
  -- while a replay had just filled the table (no statistics yet: 1 row estimated), it scanned the
  -- endpoint's whole pending range for every candidate: 1,055 rows a probe, 50 ms a claim.
  due as (
    select s.project_id, h.id, h.attempts,
           row_number() over (partition by s.project_id, s.webhook_id order by h.next_attempt_at, h.event_xid, h.event_seq) as rn
    from slots s cross join lateral (
      select d.id, d.attempts, d.next_attempt_at, d.event_xid, d.event_seq from webhook_deliveries d
      where d.project_id = s.project_id and d.webhook_id = s.webhook_id and ${due}
        and not exists (
          select 1 from webhook_deliveries p
          where p.project_id = d.project_id and p.webhook_id = d.webhook_id and p.ordering_key = d.ordering_key and p.trigger = d.trigger
            and p.status = 'pending' and (p.event_xid, p.event_seq) < (d.event_xid, d.event_seq)
          offset 0)
        and (d.ordering_key is not null or not exists (
          select 1 from webhook_deliveries p
          where p.project_id = d.project_id and p.webhook_id = d.webhook_id and p.ordering_key is null and p.trigger = d.trigger
            and p.status = 'pending' and (p.event_xid, p.event_seq) < (d.event_xid, d.event_seq)))
      order by d.next_attempt_at, d.event_xid, d.event_seq
      limit greatest(s.free, 0)
    ) h
  ),
  picked as (select project_id, id, attempts from due order by rn limit ${limit}),
  -- The conditions are checked again on the newest version of each row (READ COMMITTED): a
  -- delivery claimed or finished meanwhile is left alone.
  claimed as (
    update webhook_deliveries d
    set claimed_by = ${me}, claimed_until = clock_timestamp() + ${holdMs} * interval '1 millisecond', attempts = d.attempts + 1
    from picked
    where d.project_id = picked.project_id and d.id = picked.id and d.attempts = picked.attempts
      and d.status = 'pending' and (d.claimed_until is null or d.claimed_until < clock_timestamp())
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
  left join events e on e.project_id = c.project_id and e.id = c.event_id`

/**
 * Gives a claimed attempt back unsent (its lease too short to send it safely): the claim and the
 * attempt number are undone and the attempt row removed, only while `me` still holds that attempt.
 */
export const giveBackStatement = (me: string, projectId: string, id: string, attempt: number): SQL => sql`
  with back as (
    update webhook_deliveries set claimed_by = null, claimed_until = null, attempts = attempts - 1
    where project_id = ${projectId}::uuid and id = ${id}::uuid and claimed_by = ${me} and attempts = ${attempt} and status = 'pending'
    returning project_id, id
  )
  delete from webhook_attempts a using back
  where a.project_id = back.project_id and a.delivery_id = back.id and a.number = ${attempt}`
