/**
 * Use cases over webhook endpoints (EVENTS.md §4.1): create (limit, URL rules, secret), read,
 * list, merge-patch and delete with `If-Match`, secret rotation with overlap.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { PreconditionFailed, ValidationFailed, WebhookNotFound } from "./Errors.js"
import type { FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, withIssues } from "./Issues.js"
import type { SliceQuery } from "./Pagination.js"
import { toPage } from "./Pagination.js"
import type { ProjectId } from "./Preferences.js"
import { retryOnConflict } from "./internal/retry.js"
import { WebhookRepository } from "./WebhookRepository.js"
import type { Webhook, WebhookFields } from "./Webhooks.js"
import {
  applyWebhookPatch,
  checkWebhookUrl,
  DEFAULT_OVERLAP_SECONDS,
  MAX_WEBHOOKS,
  newWebhookSecret,
  sameWebhookFields,
  WebhookCreateSchema,
  WebhookPatchSchema,
  WEBHOOK_URL_MAX,
  WebhookRotateSchema
} from "./Webhooks.js"

/**
 * Where webhooks may point (EVENTS.md §4.4): `allowPrivate` (`NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE`,
 * development and tests) allows `http:` and any address. Default: public `https:` only, and the
 * test ping's timeout (`NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS`, default 10 s).
 */
export class WebhookPolicy extends Context.Reference<WebhookPolicy>()("@notiflows/domain/WebhookPolicy", {
  defaultValue: (): { readonly allowPrivate: boolean; readonly timeoutMs: number } => ({ allowPrivate: false, timeoutMs: 10_000 })
}) {}

/** A precondition on the current endpoint (`If-Match`): `undefined` when it holds, else the current tag. */
export type WebhookPrecondition = (webhook: Webhook, now: Date) => string | undefined

const decodeCreate = decoderFor(WebhookCreateSchema)
const decodePatch = decoderFor(WebhookPatchSchema)
const decodeRotate = decoderFor(WebhookRotateSchema)

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
const invalid = (issues: ReadonlyArray<FieldIssue>) => Effect.fail(new ValidationFailed({ issues }))

/**
 * The §4.4 URL check, a second pass over the body's `url` when it is a string of allowed length:
 * its issue joins the Schema's, so every problem is listed at once. Answers the normalised URL.
 */
const checkUrl = (body: unknown) =>
  Effect.map(WebhookPolicy, (policy) => {
    const raw = isJsonObject(body) ? body["url"] : undefined
    if (typeof raw !== "string" || raw.length > WEBHOOK_URL_MAX) return { url: undefined, issues: [] }
    const checked = checkWebhookUrl(raw, policy.allowPrivate)
    return "issue" in checked ? { url: undefined, issues: [checked.issue] } : { url: checked.url, issues: [] }
  })

/** `POST /admin/webhooks`: the endpoint and its secret (shown once). */
export const createWebhook = (projectId: ProjectId, body: unknown) =>
  Effect.gen(function* () {
    const url = yield* checkUrl(body)
    const decoded = withIssues(decodeCreate(body), url.issues)
    if (!decoded.ok) return yield* invalid(decoded.issues)
    const at = yield* now
    const secret = decoded.value.secret ?? newWebhookSecret()
    const repo = yield* WebhookRepository
    const webhook = yield* repo
      .create(
        projectId,
        {
          url: url.url ?? decoded.value.url,
          description: decoded.value.description ?? null,
          eventTypes: decoded.value.event_types ?? ["*"],
          status: decoded.value.status ?? "enabled",
          secret,
          at
        },
        MAX_WEBHOOKS
      )
      .pipe(Effect.catchTag("WebhookLimitReached", () => invalid([issue("", "too_many", `at most ${MAX_WEBHOOKS} webhook endpoints per project`)])))
    return { webhook, secret, at }
  })

/** One endpoint; 404 `webhook` when unknown. */
export const getWebhook = (projectId: ProjectId, webhookId: string) =>
  Effect.flatMap(WebhookRepository, (repo) =>
    Effect.flatMap(repo.get(projectId, webhookId), (o) =>
      Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(new WebhookNotFound({ webhookId }))
    )
  )

/** Endpoints newest first, paginated like users. */
export const listWebhooks = (projectId: ProjectId, query: SliceQuery<string>) =>
  Effect.map(
    Effect.flatMap(WebhookRepository, (repo) => repo.list(projectId, query)),
    (slice) => toPage<Webhook, string>(slice, query, (w) => w.id)
  )

/** `PATCH /admin/webhooks/{id}`: a merge patch; body problems (422) before 404 and `If-Match` (412). */
export const updateWebhook = (projectId: ProjectId, webhookId: string, body: unknown, precondition?: WebhookPrecondition) =>
  Effect.gen(function* () {
    const checked = yield* checkUrl(body)
    const decoded = withIssues(decodePatch(body), checked.issues)
    if (!decoded.ok) return yield* invalid(decoded.issues)
    const url = checked.url
    const repo = yield* WebhookRepository
    return yield* retryOnConflict(
      Effect.gen(function* () {
        const current = yield* getWebhook(projectId, webhookId)
        const at = yield* now
        const tag = precondition?.(current, at)
        if (tag !== undefined) return yield* Effect.fail(new PreconditionFailed({ current: tag }))
        const next: WebhookFields = applyWebhookPatch(current, decoded.value, url, at)
        if (sameWebhookFields(next, current)) return current
        return yield* repo.update(projectId, webhookId, next, current.revision, at)
      })
    )
  })

/** `DELETE /admin/webhooks/{id}`: the endpoint, its pending deliveries and log go. */
export const deleteWebhook = (projectId: ProjectId, webhookId: string, precondition?: WebhookPrecondition) =>
  Effect.gen(function* () {
    const current = yield* getWebhook(projectId, webhookId)
    const tag = precondition?.(current, yield* now)
    if (tag !== undefined) return yield* Effect.fail(new PreconditionFailed({ current: tag }))
    const removed = yield* Effect.flatMap(WebhookRepository, (repo) => repo.remove(projectId, webhookId))
    if (!removed) return yield* Effect.fail(new WebhookNotFound({ webhookId }))
  })

/** `POST …/secret/rotate`: the new secret, and until when the previous one still signs. */
export const rotateWebhookSecret = (projectId: ProjectId, webhookId: string, body: unknown) =>
  Effect.gen(function* () {
    const decoded = decodeRotate(body)
    if (!decoded.ok) return yield* invalid(decoded.issues)
    yield* getWebhook(projectId, webhookId)
    const at = yield* now
    const overlap = decoded.value.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS
    const secret = decoded.value.secret ?? newWebhookSecret()
    const expires = overlap === 0 ? null : new Date(at.getTime() + overlap * 1000)
    const webhook = yield* Effect.flatMap(WebhookRepository, (repo) => repo.rotateSecret(projectId, webhookId, secret, expires, at))
    return { secret, previousSecretExpiresAt: expires, webhook }
  })
