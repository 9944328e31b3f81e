/**
 * {@link PreferenceRepository} over drizzle. The commit is ONE statement: a compare-and-set
 * `UPDATE ... WHERE version = $expected RETURNING` feeding the history `INSERT ... SELECT` in a CTE,
 * so the new set and its history entry are written atomically in one round trip.
 */
import type { SQL } from "drizzle-orm"
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ExternalUserId, HistoryEntry, PreferenceChoices, PreferenceCommit, PreferenceSet, ProjectId, Slice, StoredPreferences, UserId } from "@notiflows/domain"
import type { EventInput, StoredEvent } from "@notiflows/domain"
import { PreferenceRepository, renderEvent, UserNotFound, VersionConflict } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"
import { events, preferenceHistory, preferenceSets, users } from "./schema.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { run } from "./internal/promiseToEffect.js"
import { fromJson, hot, json } from "./internal/statements.js"
import type { Change, RepositoryError } from "@notiflows/domain"

const P = sql.placeholder

const toChoices = (value: unknown): PreferenceChoices => {
  const raw = fromJson<Partial<PreferenceChoices> | null>(value)
  return { channel_types: raw?.channel_types ?? {}, notiflows: raw?.notiflows ?? {} }
}

/**
 * The outbox write of a commit statement: the change's event, selected from the CTE that wrote
 * the set (`written`), so it exists exactly when the set changed; none when `eventId` is null.
 * `xid` and `seq` are the position (see `events` in schema.ts): the columns' default expressions,
 * written out because drizzle's `INSERT … SELECT` names every column (the sequence as a `regclass`
 * constant, resolved once at planning, not by name for every row).
 */
export const eventInsert = (db: NotiflowsDatabase, written: { readonly _: { readonly alias: string } } | SQL) =>
  db.$with("outbox").as(
    db
      .insert(events)
      .select(
        sql`select ${P("projectId")}::uuid, (pg_current_xact_id()::text)::bigint, nextval('events_seq_seq'::regclass),
                   ${P("eventId")}::uuid, ${P("eventType")}::text, ${P("changedAt")}::timestamptz, ${P("eventKey")}::text,
                   ${P("eventUserId")}::uuid, ${P("eventPayload")}::text
            from ${written} where ${P("eventId")}::uuid is not null`
      )
      .returning({ seq: events.seq })
  )

/**
 * An `INSERT` of rendered events in the order given: one `VALUES` row each, so their `seq` (the
 * column default) follows that order, and `xid` is the writing transaction's (EVENTS.md §3 (c)).
 */
export const eventRowsInsert = (projectId: ProjectId, rows: ReadonlyArray<StoredEvent>): SQL =>
  sql`insert into events (project_id, id, type, occurred_at, ordering_key, user_id, payload) values ${sql.join(
    rows.map(
      (e) =>
        sql`(${projectId}::uuid, ${e.id}::uuid, ${e.type}::text, ${e.occurredAt.toISOString()}::timestamptz, ${e.orderingKey}::text, ${e.userId}::uuid, ${e.payload}::text)`
    ),
    sql`, `
  )}`

/** The placeholder values of a commit's event (all null without one). */
export const eventValues = (projectId: ProjectId, userId: UserId, event: EventInput | undefined): Record<string, unknown> => {
  if (event === undefined) return { eventId: null, eventType: null, eventKey: null, eventUserId: null, eventPayload: null }
  const stored = renderEvent(uuidv7(), projectId, event, userId)
  return { eventId: stored.id, eventType: stored.type, eventKey: stored.orderingKey, eventUserId: stored.userId, eventPayload: stored.payload }
}

/**
 * The commit statement: compare-and-set on the version, then the history entry selected from the
 * updated row, and the change's event (the outbox) from it too. No row back = the version did not
 * match (or the user is gone), and nothing was written.
 */
export const commitQuery = (db: NotiflowsDatabase, withCategories = false) => {
  const updated = db.$with("updated").as(
    db
      .update(preferenceSets)
      .set({
        choices: sql`${P("choices")}::jsonb`,
        // v1 writes keep the global set's category choices; v2 writes (MODEL.md) set them too.
        ...(withCategories ? { categories: sql`${P("categories")}::jsonb` } : {}),
        version: sql`${preferenceSets.version} + 1`,
        updatedAt: sql`${P("changedAt")}::timestamptz`
      })
      .where(
        and(
          eq(preferenceSets.projectId, P("projectId")),
          eq(preferenceSets.userId, P("userId")),
          eq(preferenceSets.version, P("expectedVersion"))
        )
      )
      .returning({ projectId: preferenceSets.projectId, userId: preferenceSets.userId, version: preferenceSets.version })
  )
  const outbox = eventInsert(db, updated)
  return db
    .with(updated, outbox)
    .insert(preferenceHistory)
    .select((qb) =>
      qb
        .select({
          projectId: updated.projectId,
          userId: updated.userId,
          version: updated.version,
          id: sql<string>`${P("historyId")}::uuid`.as("id"),
          changedAt: sql<Date>`${P("changedAt")}::timestamptz`.as("changed_at"),
          actorType: sql<string>`${P("actorType")}::text`.as("actor_type"),
          actorId: sql<string>`${P("actorId")}::text`.as("actor_id"),
          requestId: sql<string | null>`${P("requestId")}::text`.as("request_id"),
          changes: sql<unknown>`${P("changes")}::jsonb`.as("changes"),
          operation: sql<string>`${P("operation")}::text`.as("operation"),
          source: sql<string>`${P("source")}::text`.as("source"),
          context: sql<unknown>`${P("context")}::jsonb`.as("context")
        })
        .from(updated)
    )
    .returning({ version: preferenceHistory.version })
}

/** The ledger fields of a history row. */
export const ledgerOf = (r: { readonly operation: string; readonly source: string; readonly context: unknown }): Pick<HistoryEntry, "operation" | "source" | "context"> => ({
  operation: r.operation as HistoryEntry["operation"],
  source: r.source as HistoryEntry["source"],
  context: r.context === null || r.context === undefined ? null : fromJson<NonNullable<HistoryEntry["context"]>>(r.context)
})

/** The hot statements, built (and prepared when enabled) once per database. */
export const makePreferenceStatements = ({ db, prepare }: Database) => {
  const load = db
    .select({ userId: users.id, externalId: users.externalId, version: preferenceSets.version, choices: preferenceSets.choices })
    .from(users)
    .innerJoin(preferenceSets, and(eq(preferenceSets.projectId, users.projectId), eq(preferenceSets.userId, users.id)))
    .where(and(eq(users.projectId, P("projectId")), eq(users.externalId, P("externalId"))))

  const loadMany = db
    .select({ externalId: users.externalId, choices: preferenceSets.choices })
    .from(users)
    .innerJoin(preferenceSets, and(eq(preferenceSets.projectId, users.projectId), eq(preferenceSets.userId, users.id)))
    // One query for the whole list; a jsonb array parameter reads the same on both drivers.
    .where(and(eq(users.projectId, P("projectId")), sql`${users.externalId} in (select jsonb_array_elements_text(${P("externalIds")}::jsonb))`))

  const commit = commitQuery(db)

  const currentVersion = db
    .select({ version: preferenceSets.version })
    .from(preferenceSets)
    .where(and(eq(preferenceSets.projectId, P("projectId")), eq(preferenceSets.userId, P("userId"))))

  return {
    load: hot(load, "nf_preferences_load", prepare),
    loadMany: hot(loadMany, "nf_preferences_load_many", prepare),
    commit: hot(commit, "nf_preferences_commit", prepare),
    currentVersion: hot(currentVersion, "nf_preferences_current_version", prepare)
  }
}

export type PreferenceStatements = ReturnType<typeof makePreferenceStatements>

/** The placeholder values of a commit statement. */
export const commitValues = (c: {
  readonly projectId: ProjectId
  readonly userId: UserId
  readonly expectedVersion: number
  readonly choices: PreferenceChoices
  readonly categories?: Readonly<Record<string, unknown>>
  readonly history: PreferenceCommit["history"]
  readonly event?: EventInput | undefined
}): Record<string, unknown> => ({
  ...eventValues(c.projectId, c.userId, c.event),
  projectId: c.projectId,
  userId: c.userId,
  expectedVersion: c.expectedVersion,
  choices: json({ channel_types: c.choices.channel_types, notiflows: c.choices.notiflows }),
  ...(c.categories !== undefined ? { categories: json(c.categories) } : {}),
  historyId: uuidv7(),
  changedAt: c.history.changed_at.toISOString(),
  actorType: c.history.actor.type,
  actorId: c.history.actor.id,
  requestId: c.history.request_id,
  changes: json(c.history.changes),
  operation: c.history.operation,
  source: c.history.source,
  context: c.history.context === null ? null : json(c.history.context)
})

/** The port over a database. */
export const make = (database: Database): PreferenceRepository["Type"] => {
  const { db } = database
  const st = makePreferenceStatements(database)

  const commit = (c: PreferenceCommit): Effect.Effect<PreferenceSet, VersionConflict | UserNotFound | RepositoryError> =>
    Effect.gen(function* () {
      const rows = yield* run("preferences.commit", () => st.commit.execute(commitValues(c)))
      const row = rows[0]
      if (row !== undefined) {
        return { version: row.version, channel_types: c.choices.channel_types, notiflows: c.choices.notiflows }
      }
      // Conflict path: a fresh statement reads the version the concurrent writer left.
      const current = yield* run("preferences.commit", () => st.currentVersion.execute({ projectId: c.projectId, userId: c.userId }))
      const actual = current[0]
      return yield* actual === undefined
        ? Effect.fail(new UserNotFound({ userId: c.userId }))
        : Effect.fail(new VersionConflict({ expected: c.expectedVersion, actual: actual.version }))
    })

  return {
    load: (projectId, externalId) =>
      Effect.map(
        run("preferences.load", () => st.load.execute({ projectId, externalId })),
        (rows) =>
          Option.map(
            Option.fromNullable(rows[0]),
            (r): StoredPreferences => ({
              userId: r.userId,
              externalId: r.externalId,
              preferences: { version: r.version, ...toChoices(r.choices) }
            })
          )
      ),
    loadMany: (projectId, externalIds) =>
      externalIds.length === 0
        ? Effect.succeed(new Map())
        : Effect.map(
            run("preferences.loadMany", () => st.loadMany.execute({ projectId, externalIds: json(externalIds) })),
            (rows) => new Map(rows.map((r) => [r.externalId, toChoices(r.choices)]))
          ),
    commit,
    history: (projectId, userId, query) => {
      const { after, before, limit } = query
      // Not a version (a forged cursor): nothing compares to it, as in the reference adapter.
      const badCursor = (after !== undefined && !Number.isSafeInteger(after)) || (before !== undefined && !Number.isSafeInteger(before))
      if (badCursor) return Effect.succeed({ items: [], hasMore: false })
      const where = and(
        eq(preferenceHistory.projectId, projectId),
        eq(preferenceHistory.userId, userId),
        after !== undefined ? lt(preferenceHistory.version, after) : undefined,
        before !== undefined ? gt(preferenceHistory.version, before) : undefined
      )
      // Reading `before` a cursor takes the nearest newer entries (ascending), answered newest first.
      const order = before !== undefined ? asc(preferenceHistory.version) : desc(preferenceHistory.version)
      return Effect.map(
        run("preferences.history", () =>
          db.select().from(preferenceHistory).where(where).orderBy(order).limit(limit + 1)
        ),
        (rows): Slice<HistoryEntry> => {
          const page = rows.slice(0, limit)
          const items = page.map(
            (r): HistoryEntry => ({
              id: r.id,
              version: r.version,
              changed_at: r.changedAt,
              actor: { type: r.actorType as HistoryEntry["actor"]["type"], id: r.actorId },
              request_id: r.requestId,
              changes: fromJson<ReadonlyArray<Change>>(r.changes),
              ...ledgerOf(r)
            })
          )
          return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
        }
      )
    }
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<PreferenceRepository, never, DrizzleDatabase> = Layer.effect(
  PreferenceRepository,
  Effect.map(DrizzleDatabase, make)
)
