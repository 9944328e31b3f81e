/**
 * {@link WebhookRepository} over drizzle (EVENTS.md §4.1). A create counts and inserts in one
 * transaction serialised per project (the project row's lock), so two concurrent creates never
 * pass the limit together; a disabling update cancels the endpoint's pending deliveries in the
 * same statement; dispatch cursors start at the feed's end (docs/events.md's horizon).
 */
import { and, count, desc, eq, gt, lt, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { DisabledReason, ProjectId, Webhook, WebhookStatus } from "@notiflows/domain"
import { VersionConflict, WebhookLimitReached, WebhookNotFound, WebhookRepository } from "@notiflows/domain"
import { projects, webhookEndpoints } from "./schema.js"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { newId } from "./internal/ids.js"
import { Abort, run, runTransaction } from "./internal/promiseToEffect.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The feed's end now: every event committed later comes after it (as `EventRepository.end`). */
export const FEED_END_XID = sql`((pg_snapshot_xmin(pg_current_snapshot())::text)::bigint - 1)`
export const FEED_END_SEQ = sql`${(1n << 62n).toString()}::bigint`

type Row = typeof webhookEndpoints.$inferSelect

export const toWebhook = (r: Row): Webhook => ({
  id: r.id,
  projectId: r.projectId,
  url: r.url,
  description: r.description,
  eventTypes: r.eventTypes,
  status: r.status as WebhookStatus,
  disabledReason: r.disabledReason as DisabledReason | null,
  disabledAt: r.disabledAt,
  failingSince: r.failingSince,
  secret: r.secret,
  previousSecret: r.previousSecret,
  previousSecretExpiresAt: r.previousSecretExpiresAt,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  revision: r.revision
})

/** The port over a database. */
export const make = ({ db }: Database): WebhookRepository["Type"] => {
  const byId = (projectId: ProjectId, id: string) => and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.id, id))

  const get: WebhookRepository["Type"]["get"] = (projectId, webhookId) =>
    !UUID.test(webhookId)
      ? Effect.succeed(Option.none())
      : Effect.map(
          run("webhooks.get", () => db.select().from(webhookEndpoints).where(byId(projectId, webhookId))),
          (rows) => Option.map(Option.fromNullable(rows[0]), toWebhook)
        )

  return {
    create: (projectId, input, limit) =>
      runTransaction<Webhook, WebhookLimitReached>("webhooks.create", () =>
        db.transaction(async (tx) => {
          // Serialises the project's creates: the count below stays true until commit.
          await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for("update")
          const [existing] = await tx.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.projectId, projectId))
          if ((existing?.n ?? 0) >= limit) throw new Abort(new WebhookLimitReached({ limit }))
          const disabled = input.status === "disabled"
          const rows = await tx
            .insert(webhookEndpoints)
            .values({
              projectId,
              id: newId(),
              url: input.url,
              description: input.description,
              eventTypes: [...input.eventTypes],
              status: input.status,
              disabledReason: disabled ? "manual" : null,
              disabledAt: disabled ? input.at : null,
              failingSince: null,
              secret: input.secret,
              previousSecret: null,
              previousSecretExpiresAt: null,
              createdAt: input.at,
              updatedAt: input.at,
              revision: 1,
              cursorXid: FEED_END_XID,
              cursorSeq: FEED_END_SEQ
            })
            .returning()
          return toWebhook(rows[0]!)
        })
      ),
    get,
    list: (projectId, query) => {
      const { after, before, limit } = query
      const bad = (k: string | undefined) => k !== undefined && !UUID.test(k)
      if (bad(after) || bad(before)) return Effect.succeed({ items: [], hasMore: false })
      return Effect.map(
        run("webhooks.list", () =>
          db
            .select()
            .from(webhookEndpoints)
            .where(
              and(
                eq(webhookEndpoints.projectId, projectId),
                after !== undefined ? lt(webhookEndpoints.id, after) : undefined,
                before !== undefined ? gt(webhookEndpoints.id, before) : undefined
              )
            )
            .orderBy(before !== undefined ? webhookEndpoints.id : desc(webhookEndpoints.id))
            .limit(limit + 1)
        ),
        (rows) => {
          const items = rows.slice(0, limit).map(toWebhook)
          return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
        }
      )
    },
    update: (projectId, webhookId, fields, expectedRevision, at) =>
      runTransaction<Webhook, WebhookNotFound | VersionConflict>("webhooks.update", () =>
        db.transaction(async (tx) => {
          const [current] = await tx.select().from(webhookEndpoints).where(byId(projectId, webhookId)).for("update")
          if (current === undefined) throw new Abort(new WebhookNotFound({ webhookId }))
          if (current.revision !== expectedRevision) throw new Abort(new VersionConflict({ expected: expectedRevision, actual: current.revision }))
          const reenabled = current.status === "disabled" && fields.status === "enabled"
          const rows = await tx
            .update(webhookEndpoints)
            .set({
              url: fields.url,
              description: fields.description,
              eventTypes: [...fields.eventTypes],
              status: fields.status,
              disabledReason: fields.disabledReason,
              disabledAt: fields.disabledAt,
              failingSince: fields.failingSince,
              updatedAt: at,
              revision: sql`${webhookEndpoints.revision} + 1`,
              // Re-enabled: events committed from then on (EVENTS.md §4.1; replay fills the gap).
              ...(reenabled ? { cursorXid: FEED_END_XID, cursorSeq: FEED_END_SEQ } : {})
            })
            .where(byId(projectId, webhookId))
            .returning()
          if (current.status === "enabled" && fields.status === "disabled") {
            await tx.execute(sql`
              update webhook_deliveries set status = 'cancelled', cancelled_reason = 'endpoint_disabled', completed_at = ${at.toISOString()}::timestamptz,
                next_attempt_at = null, claimed_by = null, claimed_until = null
              where project_id = ${projectId}::uuid and webhook_id = ${webhookId}::uuid and status = 'pending'`)
          }
          return toWebhook(rows[0]!)
        })
      ),
    remove: (projectId, webhookId) =>
      !UUID.test(webhookId)
        ? Effect.succeed(false)
        : Effect.map(
            run("webhooks.remove", () => db.delete(webhookEndpoints).where(byId(projectId, webhookId)).returning({ id: webhookEndpoints.id })),
            (rows) => rows.length > 0
          ),
    rotateSecret: (projectId, webhookId, secret, previousExpiresAt, at) =>
      Effect.flatMap(
        !UUID.test(webhookId)
          ? Effect.succeed([] as Array<Row>)
          : run("webhooks.rotate", () =>
              db
                .update(webhookEndpoints)
                .set({
                  secret,
                  previousSecret: previousExpiresAt === null ? null : sql`${webhookEndpoints.secret}`,
                  previousSecretExpiresAt: previousExpiresAt,
                  updatedAt: at,
                  revision: sql`${webhookEndpoints.revision} + 1`
                })
                .where(byId(projectId, webhookId))
                .returning()
            ),
        (rows) => (rows[0] === undefined ? Effect.fail(new WebhookNotFound({ webhookId })) : Effect.succeed(toWebhook(rows[0])))
      )
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<WebhookRepository, never, DrizzleDatabase> = Layer.effect(WebhookRepository, Effect.map(DrizzleDatabase, make))
