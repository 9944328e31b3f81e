/**
 * The {@link StorageInspector} of the SQL adapters: raw SQL through the driver (not drizzle, not
 * the repositories), so the suites check what the tables really hold.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Actor, Change, ChannelChoices, PreferenceChoices, ProjectDefaults, SecurityMode } from "@notiflows/domain"
import type { ApiKeyRow, NotiflowRow } from "@notiflows/testing"
import { StorageInspector } from "@notiflows/testing"
import { DrizzleDatabase } from "../../src/index.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const parse = <A>(v: unknown): A => (typeof v === "string" ? (JSON.parse(v) as A) : (v as A))

export const layerSqlInspector: Layer.Layer<StorageInspector, never, DrizzleDatabase> = Layer.effect(
  StorageInspector,
  Effect.map(DrizzleDatabase, ({ query }) => {
    const q = (text: string, params: ReadonlyArray<unknown>) => Effect.orDie(Effect.tryPromise(() => query(text, params)))
    // Ids that are not uuids can match no row (and would be a cast error in SQL).
    const ids = (...values: ReadonlyArray<string>) => values.every((v) => UUID.test(v))
    return {
      preferenceRow: (projectId, userId) =>
        !ids(projectId, userId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q("select version, choices from preference_sets where project_id = $1 and user_id = $2", [projectId, userId]),
              (rows) =>
                Option.map(Option.fromNullable(rows[0]), (r) => ({
                  version: Number(r.version),
                  choices: parse<PreferenceChoices>(r.choices)
                }))
            ),
      historyRows: (projectId, userId) =>
        !ids(projectId, userId)
          ? Effect.succeed([])
          : Effect.map(
              q(
                "select version, actor_type, actor_id, request_id, changes from preference_history where project_id = $1 and user_id = $2 order by version",
                [projectId, userId]
              ),
              (rows) =>
                rows.map((r) => ({
                  version: Number(r.version),
                  actor: { type: r.actor_type as Actor["type"], id: String(r.actor_id) },
                  request_id: (r.request_id as string | null) ?? null,
                  changes: parse<ReadonlyArray<Change>>(r.changes)
                }))
            ),
      userRow: (projectId, externalId) =>
        !ids(projectId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q("select id, external_id, revision, email, custom_fields from users where project_id = $1 and external_id = $2", [
                projectId,
                externalId
              ]),
              (rows) =>
                Option.map(Option.fromNullable(rows[0]), (r) => ({
                  id: String(r.id),
                  external_id: String(r.external_id),
                  revision: Number(r.revision),
                  email: (r.email as string | null) ?? null,
                  custom_fields: parse<unknown>(r.custom_fields)
                }))
            ),
      userCount: (projectId) =>
        !ids(projectId)
          ? Effect.succeed(0)
          : Effect.map(q("select count(*)::int as n from users where project_id = $1", [projectId]), (rows) => Number(rows[0]?.n ?? 0)),
      notiflowRow: (projectId, id) =>
        !ids(projectId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q(
                `select id, name, include_in_preferences, required, default_enabled, default_channel_types,
                        deleted_at is not null as deleted, revision
                 from notiflows where project_id = $1 and id = $2`,
                [projectId, id]
              ),
              (rows) =>
                Option.map(
                  Option.fromNullable(rows[0]),
                  (r): NotiflowRow => ({
                    id: String(r.id) as NotiflowRow["id"],
                    name: String(r.name),
                    include_in_preferences: Boolean(r.include_in_preferences),
                    required: Boolean(r.required),
                    default_enabled: Boolean(r.default_enabled),
                    default_channel_types: parse<ChannelChoices>(r.default_channel_types),
                    deleted: Boolean(r.deleted),
                    revision: Number(r.revision)
                  })
                )
            ),
      apiKeyRows: (projectId) =>
        !ids(projectId)
          ? Effect.succeed([])
          : Effect.map(
              q(
                "select id, kind, prefix, hash, revoked_at is not null as revoked from api_keys where project_id = $1 order by created_at, id",
                [projectId]
              ),
              (rows) =>
                rows.map(
                  (r): ApiKeyRow => ({
                    id: String(r.id),
                    kind: r.kind as ApiKeyRow["kind"],
                    prefix: String(r.prefix),
                    hash: String(r.hash),
                    revoked: Boolean(r.revoked)
                  })
                )
            ),
      projectRow: (projectId) =>
        !ids(projectId)
          ? Effect.succeed(Option.none())
          : Effect.map(
              q("select id, name, security_mode, defaults, defaults_revision from projects where id = $1", [projectId]),
              (rows) =>
                Option.map(Option.fromNullable(rows[0]), (r) => ({
                  id: String(r.id),
                  name: String(r.name),
                  security_mode: r.security_mode as SecurityMode,
                  defaults: parse<ProjectDefaults>(r.defaults),
                  defaults_revision: Number(r.defaults_revision)
                }))
            )
    }
  })
)
