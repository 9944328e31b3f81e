/**
 * The write of one bulk item as ONE statement (BULK.md §1.2): the item row is locked first and
 * must still be `pending` (`FOR UPDATE`: a second runner of the same item waits, then finds it
 * settled), then the scope's compare-and-set, its ledger entry, its event and the item's result,
 * each a CTE selected from the one before. Nothing is written when the item was settled or the
 * version did not match. `pending` tells the two apart (1: the item was pending, so a missing
 * `version` means the set moved or the user is gone).
 */
import type { SQL } from "drizzle-orm"
import { sql } from "drizzle-orm"
import type { JobItemRef, ScopedCommit } from "@notiflows/domain"
import { commitValues } from "../DrizzlePreferenceRepository.js"
import { choicesJson } from "../DrizzleTenantRepository.js"

/** The statement; its one row is `{pending, version}`. */
export const jobItemCommit = (c: ScopedCommit, ref: JobItemRef): SQL => {
  const v = commitValues({
    projectId: c.projectId,
    userId: c.userId,
    expectedVersion: c.expectedVersion,
    choices: { channel_types: c.choices.channel_types, notiflows: c.choices.notiflows },
    categories: c.choices.categories,
    history: c.history,
    event: c.event
  })
  const p = sql`${c.projectId}::uuid`
  const u = sql`${c.userId}::uuid`
  const at = sql`${v["changedAt"]}::timestamptz`
  const item = sql`item as (select 1 from job_items where project_id = ${ref.projectId}::uuid and job_id = ${ref.jobId}::uuid
    and idx = ${ref.index} and status = 'pending' for update)`
  const written =
    c.scope._tag === "Global"
      ? sql`written as (
          update preference_sets set choices = ${v["choices"]}::jsonb, categories = ${v["categories"]}::jsonb, version = version + 1, updated_at = ${at}
          where project_id = ${p} and user_id = ${u} and version = ${c.expectedVersion}::int and exists (select 1 from item)
          returning version),
        entry as (
          insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
          select ${p}, ${u}, w.version, ${v["historyId"]}::uuid, ${at}, ${v["actorType"]}::text, ${v["actorId"]}::text, ${v["requestId"]}::text,
            ${v["changes"]}::jsonb, ${v["operation"]}::text, ${v["source"]}::text, ${v["context"]}::jsonb from written w)`
      : sql`updated as (
          update tenant_preference_sets set choices = ${choicesJson(c.choices)}::jsonb, version = version + 1, updated_at = ${at}
          where project_id = ${p} and user_id = ${u} and tenant_id = ${c.scope.tenantId}::text and version = ${c.expectedVersion}::int
            and exists (select 1 from item)
          returning version),
        inserted as (
          insert into tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
          select project_id, id, ${c.scope.tenantId}::text, ${choicesJson(c.choices)}::jsonb, 1, ${at} from users
          where project_id = ${p} and id = ${u} and ${c.expectedVersion}::int = 0 and exists (select 1 from item)
          -- KEY SHARE: a concurrent DELETE of the user is waited for, then the user is not found.
          for key share
          on conflict do nothing
          returning version),
        written as (select version from updated union all select version from inserted),
        entry as (
          insert into tenant_preference_history (project_id, user_id, tenant_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
          select ${p}, ${u}, ${c.scope.tenantId}::text, w.version, ${v["historyId"]}::uuid, ${at}, ${v["actorType"]}::text, ${v["actorId"]}::text,
            ${v["requestId"]}::text, ${v["changes"]}::jsonb, ${v["operation"]}::text, ${v["source"]}::text, ${v["context"]}::jsonb from written w)`
  return sql`with ${item}, ${written},
    outbox as (
      insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
      select ${p}, ${v["eventId"]}::uuid,
        ${v["eventType"]}::text, ${at}, ${v["eventKey"]}::text, ${v["eventUserId"]}::uuid, ${v["eventPayload"]}::text
      from written where ${v["eventId"]}::uuid is not null),
    done as (
      update job_items set status = 'updated', version = (select version from written)
      where project_id = ${ref.projectId}::uuid and job_id = ${ref.jobId}::uuid and idx = ${ref.index} and exists (select 1 from written))
    select (select count(*)::int from item) as pending, (select version from written) as version`
}
