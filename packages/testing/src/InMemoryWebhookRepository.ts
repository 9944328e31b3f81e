/**
 * In-memory {@link WebhookRepository}: endpoints per project with revision checks, the limit
 * checked in the same synchronous section as the insert, dispatch cursors at the feed's end.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Webhook, WebhookRepository } from "@notiflows/domain"
import { VersionConflict, WebhookLimitReached, WebhookNotFound } from "@notiflows/domain"
import { uuidv7 } from "./internal/ids.js"
import type { ProjectRecord, Store, WebhookRecord } from "./internal/store.js"
import { requireProject, sliceNewestFirst, snapshot } from "./internal/store.js"

const endpoints = (project: ProjectRecord): Map<string, WebhookRecord> => (project.webhooks ??= new Map())

/** The port over a shared store. */
export const makeWebhookRepository = (store: Store): WebhookRepository["Type"] => {
  const record = (projectId: string, webhookId: string): WebhookRecord | undefined => store.projects.get(projectId)?.webhooks?.get(webhookId)
  const missing = (webhookId: string) => Effect.fail(new WebhookNotFound({ webhookId }))

  return {
    create: (projectId, input, limit) =>
      Effect.flatMap(requireProject(store, projectId, "webhooks.create"), (project) =>
        Effect.suspend(() => {
          const all = endpoints(project)
          if (all.size >= limit) return Effect.fail(new WebhookLimitReached({ limit }))
          const webhook: Webhook = snapshot({
            id: uuidv7(input.at.getTime()),
            projectId,
            url: input.url,
            description: input.description,
            eventTypes: [...input.eventTypes],
            status: input.status,
            disabledReason: input.status === "disabled" ? "manual" : null,
            disabledAt: input.status === "disabled" ? input.at : null,
            failingSince: null,
            secret: input.secret,
            previousSecret: null,
            previousSecretExpiresAt: null,
            createdAt: input.at,
            updatedAt: input.at,
            revision: 1
          })
          all.set(webhook.id, { webhook, cursor: store.eventSeq, deliveries: [] })
          return Effect.succeed(webhook)
        })
      ),
    get: (projectId, webhookId) => Effect.sync(() => Option.fromNullable(record(projectId, webhookId)?.webhook)),
    list: (projectId, query) =>
      Effect.sync(() => {
        const all = [...(store.projects.get(projectId)?.webhooks?.values() ?? [])].map((r) => r.webhook)
        all.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        return sliceNewestFirst(all, (w) => w.id, query)
      }),
    update: (projectId, webhookId, fields, expectedRevision, at) =>
      Effect.suspend((): Effect.Effect<Webhook, WebhookNotFound | VersionConflict> => {
        const r = record(projectId, webhookId)
        if (r === undefined) return missing(webhookId)
        if (r.webhook.revision !== expectedRevision) return Effect.fail(new VersionConflict({ expected: expectedRevision, actual: r.webhook.revision }))
        const before = r.webhook
        r.webhook = snapshot({ ...before, ...fields, eventTypes: [...fields.eventTypes], updatedAt: at, revision: before.revision + 1 })
        if (before.status === "disabled" && fields.status === "enabled") r.cursor = store.eventSeq
        if (before.status === "enabled" && fields.status === "disabled") {
          for (const d of r.deliveries) {
            if (d.delivery.status === "pending") {
              d.delivery = { ...d.delivery, status: "cancelled", cancelled_reason: "endpoint_disabled", next_attempt_at: null, completed_at: at }
            }
          }
        }
        return Effect.succeed(r.webhook)
      }),
    remove: (projectId, webhookId) => Effect.sync(() => store.projects.get(projectId)?.webhooks?.delete(webhookId) ?? false),
    rotateSecret: (projectId, webhookId, secret, previousExpiresAt, at) =>
      Effect.suspend((): Effect.Effect<Webhook, WebhookNotFound> => {
        const r = record(projectId, webhookId)
        if (r === undefined) return missing(webhookId)
        const before = r.webhook
        r.webhook = snapshot({
          ...before,
          secret,
          previousSecret: previousExpiresAt === null ? null : before.secret,
          previousSecretExpiresAt: previousExpiresAt,
          updatedAt: at,
          revision: before.revision + 1
        })
        return Effect.succeed(r.webhook)
      })
  }
}
