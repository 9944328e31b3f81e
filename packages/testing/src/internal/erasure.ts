/**
 * Erasure in the in-memory store (EVENTS.md §1.3), one synchronous section like a transaction:
 * the reference for the SQL adapter's `DrizzleErasure.ts`. The steps, in order: the idempotency
 * records naming the user, the user's earlier events redacted in place with their webhook
 * deliveries (those not yet succeeded cancelled `redacted`, every attempt deleted), its bulk-job
 * items anonymised, the user with its sets and ledger, then the `user.deleted` notice.
 */
import type { EventInput, ProjectId, StoredEvent } from "@notiflows/domain"
import type { Store } from "./store.js"
import { appendEvent } from "./store.js"

/** An event's redacted form: same id, type, time and position; `data` is `{"redacted": true}`. */
export const redacted = (event: StoredEvent, projectId: string): StoredEvent => {
  const { id, type, occurred_at } = JSON.parse(event.payload) as { id: string; type: string; occurred_at: string }
  return {
    ...event,
    orderingKey: `redacted:${event.userId}`,
    payload: JSON.stringify({ id, type, occurred_at, project_id: projectId, data: { redacted: true } })
  }
}

/** Erases a user; false (nothing changed) when absent. */
export const eraseUser = (store: Store, projectId: ProjectId, externalId: string, notice: EventInput | undefined): boolean => {
  const project = store.projects.get(projectId)
  const record = project?.users.get(externalId)
  if (project === undefined || record === undefined) return false
  const userId = record.user.id
  for (const [key, r] of store.idempotency) {
    if (r.projectId === projectId && (r.scope === `user:${externalId}` || r.subjects.includes(externalId))) store.idempotency.delete(key)
  }
  const mine = new Set<string>()
  for (const slot of project.events ?? []) {
    if (slot.event.userId === userId) {
      mine.add(slot.event.id)
      slot.event = redacted(slot.event, projectId)
    }
  }
  // Webhook deliveries of those events: not yet succeeded ones cancelled `redacted`; the attempts of
  // every one deleted (a receiver's answer may echo the data).
  for (const endpoint of project.webhooks?.values() ?? []) {
    for (const d of endpoint.deliveries) {
      if (!mine.has(d.delivery.event_id)) continue
      d.delivery =
        d.delivery.status === "pending" || d.delivery.status === "failed"
          ? { ...d.delivery, status: "cancelled", cancelled_reason: "redacted", next_attempt_at: null, completed_at: d.delivery.completed_at ?? new Date(), attempts: [] }
          : { ...d.delivery, attempts: [] }
    }
  }
  // Bulk-job items: the user's id goes, results stay; a pending item fails as an unknown user.
  for (const job of store.jobs?.values() ?? []) {
    if (job.job.projectId !== projectId) continue
    for (const entry of job.items) {
      if (entry.item.userId !== externalId) continue
      entry.item =
        entry.item.status === "pending"
          ? { ...entry.item, userId: null, status: "failed", failure: { reason: "user_not_found" } }
          : { ...entry.item, userId: null }
    }
  }
  project.users.delete(externalId)
  project.userIds.delete(userId)
  appendEvent(store, projectId, notice, userId)
  return true
}
