/**
 * {@link NotiflowCatalogRepository} over drizzle: entries keyed by (project, id), optimistic
 * revisions, soft delete kept as `deleted_at`.
 */
import { and, eq, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ChannelChoices, EventInput, MembershipChange, NotiflowCatalogEntry, NotiflowId, ProjectId, RepositoryError, StoredNotiflow } from "@notiflows/domain"
import { NotiflowCatalogRepository, VersionConflict } from "@notiflows/domain"
import { notiflows } from "./schema.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { replaceMemberships } from "./internal/memberships.js"
import { run, runTransaction } from "./internal/promiseToEffect.js"
import { withEvents, writeEvents } from "./internal/outbox.js"
import { fromJson, json } from "./internal/statements.js"

type Row = typeof notiflows.$inferSelect

const toStored = (r: Row): StoredNotiflow => ({
  id: r.id as StoredNotiflow["id"],
  name: r.name,
  include_in_preferences: r.includeInPreferences,
  required: r.required,
  default_enabled: r.defaultEnabled,
  default_channel_types: fromJson<ChannelChoices>(r.defaultChannelTypes) ?? {},
  deleted: r.deletedAt !== null,
  revision: r.revision,
  created_at: r.createdAt,
  updated_at: r.updatedAt
})

const settings = (entry: NotiflowCatalogEntry, at: Date) => ({
  name: entry.name,
  includeInPreferences: entry.include_in_preferences,
  required: entry.required,
  defaultEnabled: entry.default_enabled,
  defaultChannelTypes: sql`${json(entry.default_channel_types)}::jsonb`,
  updatedAt: at
})

/** The port over a database. */
export const make = ({ db }: Database): NotiflowCatalogRepository["Type"] => {
  const byId = (projectId: ProjectId, id: NotiflowId) => and(eq(notiflows.projectId, projectId), eq(notiflows.id, id))

  const actualRevision = (projectId: ProjectId, id: NotiflowId) =>
    Effect.map(
      run("notiflows.save", () => db.select({ revision: notiflows.revision }).from(notiflows).where(byId(projectId, id))),
      (rows) => rows[0]?.revision ?? null
    )

  const insert = (tx: NotiflowsDatabase, projectId: ProjectId, entry: NotiflowCatalogEntry, at: Date) =>
    tx
      .insert(notiflows)
      .values({ projectId, id: entry.id, ...settings(entry, at), deletedAt: entry.deleted ? at : null, revision: 1, createdAt: at })
      .onConflictDoNothing()
      .returning()
  const update = (tx: NotiflowsDatabase, projectId: ProjectId, entry: NotiflowCatalogEntry, expectedRevision: number, at: Date) =>
    tx
      .update(notiflows)
      .set({
        ...settings(entry, at),
        // A deletion keeps its first time; a restore clears it.
        deletedAt: entry.deleted ? sql`coalesce(${notiflows.deletedAt}, ${at.toISOString()}::timestamptz)` : null,
        revision: sql`${notiflows.revision} + 1`
      })
      .where(and(byId(projectId, entry.id), eq(notiflows.revision, expectedRevision)))
      .returning()

  const save = (
    projectId: ProjectId,
    entry: NotiflowCatalogEntry,
    expectedRevision: number | null,
    at: Date,
    events?: ReadonlyArray<EventInput>,
    memberships?: MembershipChange
  ): Effect.Effect<StoredNotiflow, VersionConflict | RepositoryError> => {
    const write = (tx: NotiflowsDatabase) => (expectedRevision === null ? insert(tx, projectId, entry, at) : update(tx, projectId, entry, expectedRevision, at))
    // The entry, its events and its membership list commit together (one transaction when there
    // is more than the entry); the row the write locked orders the list with other writers.
    const written =
      memberships === undefined
        ? run("notiflows.save", () => withEvents(db, projectId, events, write))
        : runTransaction<ReadonlyArray<Row>, VersionConflict>("notiflows.save", () =>
            db.transaction(async (tx) => {
              const rows = await write(tx)
              if (rows[0] === undefined) return rows
              await replaceMemberships(tx, projectId, entry.id, memberships, rows[0].revision)
              await writeEvents(tx, projectId, events)
              return rows
            })
          )
    return Effect.flatMap(written, (rows) =>
      rows[0] !== undefined
        ? Effect.succeed(toStored(rows[0]))
        : Effect.flatMap(actualRevision(projectId, entry.id), (actual) =>
            Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
          )
    )
  }

  return {
    list: (projectId) =>
      Effect.map(
        run("notiflows.list", () =>
          // Byte order (collation "C"), as ids are compared everywhere else.
          db.select().from(notiflows).where(eq(notiflows.projectId, projectId)).orderBy(sql`${notiflows.id} collate "C"`)
        ),
        (rows) => rows.map(toStored)
      ),
    get: (projectId, id) =>
      Effect.map(
        run("notiflows.get", () => db.select().from(notiflows).where(byId(projectId, id))),
        (rows) => Option.map(Option.fromNullable(rows[0]), toStored)
      ),
    save
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<NotiflowCatalogRepository, never, DrizzleDatabase> = Layer.effect(
  NotiflowCatalogRepository,
  Effect.map(DrizzleDatabase, make)
)
