/**
 * {@link CategoryRepository} over drizzle: categories keyed by (project, id) with optimistic
 * revisions and soft delete (`deleted_at`); notiflow memberships as ordered rows. A save that
 * makes a category live checks the live limit in the same transaction, serialised per project by
 * a row lock on the project (two concurrent creations cannot both take the last place).
 */
import { and, asc, count, desc, eq, isNull, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { CategoryCatalogEntry, CategoryId, ChannelChoices, EventInput, NotiflowId, ProjectId, RepositoryError, Slice, StoredCategory } from "@notiflows/domain"
import { CategoryLimitReached, CategoryRepository, VersionConflict } from "@notiflows/domain"
import { categories, notiflowCategories, notiflows, projects } from "./schema.js"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { Abort, run, runTransaction } from "./internal/promiseToEffect.js"
import { writeEvents } from "./internal/outbox.js"
import { fromJson, json } from "./internal/statements.js"

type Row = typeof categories.$inferSelect

const toStored = (r: Row): StoredCategory => ({
  id: r.id as CategoryId,
  name: r.name,
  include_in_preferences: r.includeInPreferences,
  default_enabled: r.defaultEnabled,
  default_channel_types: fromJson<ChannelChoices>(r.defaultChannelTypes) ?? {},
  deleted: r.deletedAt !== null,
  revision: r.revision,
  created_at: r.createdAt,
  updated_at: r.updatedAt
})

const settings = (entry: CategoryCatalogEntry, at: Date) => ({
  name: entry.name,
  includeInPreferences: entry.include_in_preferences,
  defaultEnabled: entry.default_enabled,
  defaultChannelTypes: sql`${json(entry.default_channel_types)}::jsonb`,
  updatedAt: at
})

/** Ids compare in byte order (collation "C"), as everywhere else. */
const byteOrder = sql`${categories.id} collate "C"`

/** The port over a database. */
export const make = ({ db }: Database): CategoryRepository["Type"] => {
  const byId = (projectId: ProjectId, id: CategoryId) => and(eq(categories.projectId, projectId), eq(categories.id, id))

  const save = (
    projectId: ProjectId,
    entry: CategoryCatalogEntry,
    expectedRevision: number | null,
    at: Date,
    liveLimit: number,
    events?: ReadonlyArray<EventInput>
  ): Effect.Effect<StoredCategory, VersionConflict | CategoryLimitReached | RepositoryError> =>
    runTransaction<StoredCategory, VersionConflict | CategoryLimitReached>("categories.save", () =>
      db.transaction(async (tx) => {
        // Serialises the category writes of the project (the live count below stays true until commit).
        await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).for("update")
        const [existing] = await tx
          .select({ revision: categories.revision, deletedAt: categories.deletedAt })
          .from(categories)
          .where(byId(projectId, entry.id))
        const actual = existing?.revision ?? null
        if (actual !== expectedRevision) throw new Abort(new VersionConflict({ expected: expectedRevision, actual }))
        const becomesLive = !entry.deleted && (existing === undefined || existing.deletedAt !== null)
        if (becomesLive) {
          const [live] = await tx
            .select({ n: count() })
            .from(categories)
            .where(and(eq(categories.projectId, projectId), isNull(categories.deletedAt)))
          if ((live?.n ?? 0) >= liveLimit) throw new Abort(new CategoryLimitReached({ limit: liveLimit }))
        }
        const rows =
          existing === undefined
            ? await tx
                .insert(categories)
                .values({ projectId, id: entry.id, ...settings(entry, at), deletedAt: entry.deleted ? at : null, revision: 1, createdAt: at })
                .returning()
            : await tx
                .update(categories)
                .set({
                  ...settings(entry, at),
                  // A deletion keeps its first time; a restore clears it.
                  deletedAt: entry.deleted ? sql`coalesce(${categories.deletedAt}, ${at.toISOString()}::timestamptz)` : null,
                  revision: sql`${categories.revision} + 1`
                })
                .where(byId(projectId, entry.id))
                .returning()
        await writeEvents(tx, projectId, events)
        return toStored(rows[0]!)
      })
    )

  return {
    list: (projectId) =>
      Effect.map(
        run("categories.list", () => db.select().from(categories).where(eq(categories.projectId, projectId)).orderBy(byteOrder)),
        (rows) => rows.map(toStored)
      ),
    page: (projectId, query) => {
      const { after, before, limit } = query
      const where = and(
        eq(categories.projectId, projectId),
        isNull(categories.deletedAt),
        after !== undefined ? sql`${byteOrder} > ${after}` : undefined,
        before !== undefined ? sql`${byteOrder} < ${before}` : undefined
      )
      // Reading `before` a key takes the nearest smaller ids (descending), answered ascending.
      return Effect.map(
        run("categories.page", () =>
          db
            .select()
            .from(categories)
            .where(where)
            .orderBy(before !== undefined ? desc(byteOrder) : asc(byteOrder))
            .limit(limit + 1)
        ),
        (rows): Slice<StoredCategory> => {
          const items = rows.slice(0, limit).map(toStored)
          return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
        }
      )
    },
    get: (projectId, id) =>
      Effect.map(
        run("categories.get", () => db.select().from(categories).where(byId(projectId, id))),
        (rows) => Option.map(Option.fromNullable(rows[0]), toStored)
      ),
    countLive: (projectId) =>
      Effect.map(
        run("categories.countLive", () =>
          db
            .select({ n: count() })
            .from(categories)
            .where(and(eq(categories.projectId, projectId), isNull(categories.deletedAt)))
        ),
        (rows) => rows[0]?.n ?? 0
      ),
    save,
    memberships: (projectId) =>
      Effect.map(
        run("categories.memberships", () =>
          db
            .select({ notiflowId: notiflowCategories.notiflowId, categoryId: notiflowCategories.categoryId })
            .from(notiflowCategories)
            .where(eq(notiflowCategories.projectId, projectId))
            .orderBy(notiflowCategories.notiflowId, notiflowCategories.position)
        ),
        (rows) => {
          const out = new Map<NotiflowId, Array<CategoryId>>()
          for (const r of rows) {
            const list = out.get(r.notiflowId as NotiflowId)
            if (list === undefined) out.set(r.notiflowId as NotiflowId, [r.categoryId as CategoryId])
            else list.push(r.categoryId as CategoryId)
          }
          return out
        }
      ),
    membershipsOf: (projectId, notiflowId) =>
      Effect.map(
        run("categories.membershipsOf", () =>
          db
            .select({ categoryId: notiflowCategories.categoryId })
            .from(notiflowCategories)
            .where(and(eq(notiflowCategories.projectId, projectId), eq(notiflowCategories.notiflowId, notiflowId)))
            .orderBy(notiflowCategories.position)
        ),
        (rows) => rows.map((r) => r.categoryId as CategoryId)
      ),
    setMemberships: (projectId, notiflowId, categoryIds, revision) =>
      runTransaction<void, VersionConflict>("categories.setMemberships", () =>
        db.transaction(async (tx) => {
          // The notiflow's row lock orders this after (or before) any concurrent save of it.
          const [row] = await tx
            .select({ revision: notiflows.revision })
            .from(notiflows)
            .where(and(eq(notiflows.projectId, projectId), eq(notiflows.id, notiflowId)))
            .for("update")
          if (row?.revision !== revision) throw new Abort(new VersionConflict({ expected: revision, actual: row?.revision ?? null }))
          await tx
            .delete(notiflowCategories)
            .where(and(eq(notiflowCategories.projectId, projectId), eq(notiflowCategories.notiflowId, notiflowId)))
          if (categoryIds.length > 0) {
            await tx
              .insert(notiflowCategories)
              .values(categoryIds.map((categoryId, position) => ({ projectId, notiflowId, categoryId, position })))
          }
        })
      )
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<CategoryRepository, never, DrizzleDatabase> = Layer.effect(CategoryRepository, Effect.map(DrizzleDatabase, make))
