/**
 * Port: a project's webhook endpoints (EVENTS.md §4.1). Adapters mint ids and keep the per-endpoint
 * dispatch cursor (where in the feed the delivery engine continues).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RepositoryError, VersionConflict, WebhookLimitReached, WebhookNotFound } from "./Errors.js"
import type { Slice, SliceQuery } from "./Pagination.js"
import type { ProjectId } from "./Preferences.js"
import type { Webhook, WebhookFields } from "./Webhooks.js"

/** A new endpoint. */
export interface NewWebhook {
  readonly url: string
  readonly description: string | null
  readonly eventTypes: ReadonlyArray<string>
  readonly status: "enabled" | "disabled"
  readonly secret: string
  readonly at: Date
}

export class WebhookRepository extends Context.Tag("@notiflows/domain/WebhookRepository")<
  WebhookRepository,
  {
    /**
     * Creates an endpoint (revision 1) unless the project already has `limit` of them
     * (`WebhookLimitReached`; the count and the insert are atomic). Its dispatch starts at the
     * feed's end: events committed from then on. A disabled one is `manual`.
     */
    readonly create: (projectId: ProjectId, input: NewWebhook, limit: number) => Effect.Effect<Webhook, WebhookLimitReached | RepositoryError>
    readonly get: (projectId: ProjectId, webhookId: string) => Effect.Effect<Option.Option<Webhook>, RepositoryError>
    /** Newest first (by id, UUIDv7), keyed by id. */
    readonly list: (projectId: ProjectId, query: SliceQuery<string>) => Effect.Effect<Slice<Webhook>, RepositoryError>
    /**
     * Compare-and-set at `expectedRevision`. Going `disabled` cancels the endpoint's pending
     * deliveries (`endpoint_disabled`) in the same transaction; going `enabled` restarts its
     * dispatch at the feed's end.
     */
    readonly update: (
      projectId: ProjectId,
      webhookId: string,
      fields: WebhookFields,
      expectedRevision: number,
      at: Date
    ) => Effect.Effect<Webhook, WebhookNotFound | VersionConflict | RepositoryError>
    /** Deletes the endpoint with its deliveries and their attempts; `false` when there was none. */
    readonly remove: (projectId: ProjectId, webhookId: string) => Effect.Effect<boolean, RepositoryError>
    /**
     * The new secret signs from now; the current one becomes the previous, live until
     * `previousExpiresAt` (`null`: dropped at once). Any older previous secret is retired.
     */
    readonly rotateSecret: (
      projectId: ProjectId,
      webhookId: string,
      secret: string,
      previousExpiresAt: Date | null,
      at: Date
    ) => Effect.Effect<Webhook, WebhookNotFound | RepositoryError>
  }
>() {}
