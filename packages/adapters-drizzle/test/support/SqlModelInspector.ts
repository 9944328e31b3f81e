/**
 * The {@link ModelInspector} of the SQL adapters: raw SQL through the driver (not drizzle, not the
 * repositories), so the model suites check what the v2 tables really hold.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Actor, CategoryChoice, Change, ChannelChoices, PreferenceChoicesV2 } from "@notiflows/domain"
import type { CategoryRow } from "@notiflows/testing"
import { ModelInspector } from "@notiflows/testing"
import { DrizzleDatabase } from "../../src/index.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const parse = <A>(v: unknown): A => (typeof v === "string" ? (JSON.parse(v) as A) : (v as A))

const choices = (v: unknown): PreferenceChoicesV2 => {
  const c = parse<Partial<PreferenceChoicesV2>>(v)
  return { channel_types: c.channel_types ?? {}, categories: c.categories ?? {}, notiflows: c.notiflows ?? {} }
}

export const layerSqlModelInspector: Layer.Layer<ModelInspector, never, DrizzleDatabase> = Layer.effect(
  ModelInspector,
  Effect.map(DrizzleDatabase, ({ query }) => {
    const q = (text: string, params: ReadonlyArray<unknown>) => Effect.orDie(Effect.tryPromise(() => query(text, params)))
    // Ids that are not uuids can match no row (and would be a cast error in SQL).
    const ids = (...values: ReadonlyArray<string>) => values.every((v) => UUID.test(v))
    return {
      categoryRow: (projectId, id) =>
        !ids(projectId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q(
                `select id, name, include_in_preferences, default_enabled, default_channel_types, deleted_at is not null as deleted, revision
                 from categories where project_id = $1 and id = $2`,
                [projectId, id]
              ),
              (rows) =>
                Option.map(
                  Option.fromNullable(rows[0]),
                  (r): CategoryRow => ({
                    id: String(r.id) as CategoryRow["id"],
                    name: String(r.name),
                    include_in_preferences: Boolean(r.include_in_preferences),
                    default_enabled: Boolean(r.default_enabled),
                    default_channel_types: parse<ChannelChoices>(r.default_channel_types),
                    deleted: Boolean(r.deleted),
                    revision: Number(r.revision)
                  })
                )
            ),
      membershipRows: (projectId, notiflowId) =>
        !ids(projectId)
          ? Effect.succeed([])
          : Effect.map(
              q("select category_id from notiflow_categories where project_id = $1 and notiflow_id = $2 order by position", [projectId, notiflowId]),
              (rows) => rows.map((r) => String(r.category_id))
            ),
      globalCategoryRows: (projectId, userId) =>
        !ids(projectId, userId)
          ? Effect.succeed({})
          : Effect.map(q("select categories from preference_sets where project_id = $1 and user_id = $2", [projectId, userId]), (rows) =>
              rows[0] === undefined ? {} : parse<Readonly<Record<string, CategoryChoice>>>(rows[0].categories)
            ),
      tenantSetRow: (projectId, userId, tenantId) =>
        !ids(projectId, userId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q("select version, choices from tenant_preference_sets where project_id = $1 and user_id = $2 and tenant_id = $3", [
                projectId,
                userId,
                tenantId
              ]),
              (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ version: Number(r.version), choices: choices(r.choices) }))
            ),
      tenantHistoryRows: (projectId, userId, tenantId) =>
        !ids(projectId, userId)
          ? Effect.succeed([])
          : Effect.map(
              q(
                `select version, actor_type, actor_id, request_id, changes from tenant_preference_history
                 where project_id = $1 and user_id = $2 and tenant_id = $3 order by version`,
                [projectId, userId, tenantId]
              ),
              (rows) =>
                rows.map((r) => ({
                  version: Number(r.version),
                  actor: { type: r.actor_type as Actor["type"], id: String(r.actor_id) },
                  request_id: (r.request_id as string | null) ?? null,
                  changes: parse<ReadonlyArray<Change>>(r.changes)
                }))
            ),
      tenantDefaultsRow: (projectId, tenantId) =>
        !ids(projectId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q("select defaults, locks, revision from tenant_defaults where project_id = $1 and tenant_id = $2", [projectId, tenantId]),
              (rows) =>
                Option.map(Option.fromNullable(rows[0]), (r) => ({
                  defaults: { ...choices(r.defaults), locks: choices(r.locks) },
                  revision: Number(r.revision)
                }))
            )
    }
  })
)
