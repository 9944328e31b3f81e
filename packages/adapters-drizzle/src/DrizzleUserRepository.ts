/**
 * {@link UserRepository} over drizzle. Creating a user is one statement (user, empty or first
 * preference set, and its history entry in CTEs); an update carrying a preference write runs in
 * one transaction; erasure is one `DELETE` whose foreign keys cascade to every preference set
 * (global and user×tenant) and its history.
 */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ExternalUserId, ProjectId, RepositoryError, Slice, User, UserProfile, UserWrite } from "@notiflows/domain"
import { renderEvent, UserId, UserRepository, VersionConflict } from "@notiflows/domain"
import * as Schema from "effect/Schema"
import { v7 as uuidv7 } from "uuid"
import { commitQuery, commitValues, eventRowsInsert } from "./DrizzlePreferenceRepository.js"
import { eraseUser } from "./DrizzleErasure.js"
import { preferenceSets, users } from "./schema.js"
import type { Database, NotiflowsDatabase } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { isUniqueViolation, toRepositoryError } from "./internal/errors.js"
import { newUserId } from "./internal/ids.js"
import { Abort, run, runTransaction } from "./internal/promiseToEffect.js"
import { driverCall } from "./internal/timeouts.js"
import { fromJson, json } from "./internal/statements.js"

type UserRow = typeof users.$inferSelect

const toUser = (r: UserRow): User => ({
  id: r.id,
  external_id: r.externalId,
  email: r.email,
  phone: r.phone,
  first_name: r.firstName,
  last_name: r.lastName,
  avatar: r.avatar,
  locale: r.locale,
  timezone: r.timezone,
  custom_fields: fromJson<User["custom_fields"]>(r.customFields) ?? {},
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  revision: r.revision
})

const isUserId = Schema.is(UserId)

/** The port over a database. */
export const make = (database: Database): UserRepository["Type"] => {
  const { db } = database

  const revisionOf = (projectId: ProjectId, externalId: ExternalUserId) =>
    Effect.map(
      run("users.save", () =>
        db
          .select({ revision: users.revision })
          .from(users)
          .where(and(eq(users.projectId, projectId), eq(users.externalId, externalId)))
      ),
      (rows) => rows[0]?.revision ?? null
    )

  /** Insert the user, its preference set (version 0, or 1 with the first choices) and that history entry in one statement. */
  const create = (write: UserWrite): Effect.Effect<User, VersionConflict | RepositoryError> => {
    const pw = write.preferences
    if (pw !== undefined && pw.expectedVersion !== 0) {
      return Effect.fail(new VersionConflict({ expected: pw.expectedVersion, actual: 0 }))
    }
    const id = newUserId()
    const at = write.at.toISOString()
    const p = write.profile
    const choices = pw === undefined ? { channel_types: {}, notiflows: {} } : { channel_types: pw.choices.channel_types, notiflows: pw.choices.notiflows }
    // Profile events first, then the preference event: VALUES rows take their `seq` in order.
    const rows = [...(write.events ?? []), ...(pw?.event !== undefined ? [pw.event] : [])].map((e) => renderEvent(uuidv7(), write.projectId, e, id))
    const ctx = pw?.history.context ?? null
    const statement = sql`
      with u as (
        insert into users (project_id, id, external_id, email, phone, first_name, last_name, avatar, locale, timezone, custom_fields, revision, created_at, updated_at)
        values (${write.projectId}::uuid, ${id}::uuid, ${write.externalId}, ${p.email}, ${p.phone}, ${p.first_name}, ${p.last_name}, ${p.avatar},
                ${p.locale}, ${p.timezone}, ${json(p.custom_fields)}::jsonb, 1, ${at}::timestamptz, ${at}::timestamptz)
        returning project_id, id
      ), s as (
        insert into preference_sets (project_id, user_id, choices, categories, version, updated_at)
        select project_id, id, ${json(choices)}::jsonb, ${json(pw?.categories ?? {})}::jsonb, ${pw === undefined ? 0 : 1}::int, ${at}::timestamptz from u
        returning project_id, user_id, version
      ), h as (
        insert into preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes, operation, source, context)
        select project_id, user_id, version, ${uuidv7()}::uuid, ${pw?.history.changed_at.toISOString() ?? at}::timestamptz,
               ${pw?.history.actor.type ?? "system"}, ${pw?.history.actor.id ?? ""}, ${pw?.history.request_id ?? null}::text,
               ${json(pw?.history.changes ?? [])}::jsonb, ${pw?.history.operation ?? "patch"}::text, ${pw?.history.source ?? "system"}::text,
               ${ctx === null ? null : json(ctx)}::jsonb
        from s where s.version > 0
        returning version
      )${rows.length === 0 ? sql`` : sql`, e as (${eventRowsInsert(write.projectId, rows)} returning seq)`}
      select id from u`
    return driverCall(() => db.execute(statement), (e) => e).pipe(
      Effect.as<User>({
        ...p,
        id,
        external_id: write.externalId,
        created_at: write.at,
        updated_at: write.at,
        revision: 1
      }),
      Effect.catchAll((e) =>
        isUniqueViolation(e)
          ? // A concurrent creation won: the domain retries as an update.
            Effect.flatMap(revisionOf(write.projectId, write.externalId), (actual) =>
              Effect.fail(new VersionConflict({ expected: null, actual }))
            )
          : Effect.fail(toRepositoryError("users.save")(e))
      )
    )
  }

  /** An update with events (or a preference write): one transaction, profile events before the preference commit. */
  const updateWithEvents = (write: UserWrite, expectedRevision: number): Effect.Effect<User | null, VersionConflict | RepositoryError> => {
    const pw = write.preferences
    return runTransaction<User | null, VersionConflict>("users.save", () =>
      db.transaction(async (tx) => {
        const [row] = await updateQuery(tx, write, expectedRevision)
        if (row === undefined) return null
        const rows = (write.events ?? []).map((e) => renderEvent(uuidv7(), write.projectId, e, row.id))
        if (rows.length > 0) await tx.execute(eventRowsInsert(write.projectId, rows))
        if (pw !== undefined) {
          const committed = await commitQuery(tx, pw.categories !== undefined).execute(commitValues({ ...pw, projectId: write.projectId, userId: row.id }))
          if (committed.length === 0) {
            const [current] = await tx
              .select({ version: preferenceSets.version })
              .from(preferenceSets)
              .where(and(eq(preferenceSets.projectId, write.projectId), eq(preferenceSets.userId, row.id)))
            throw new Abort(new VersionConflict({ expected: pw.expectedVersion, actual: current?.version ?? null }))
          }
        }
        return toUser(row)
      })
    )
  }

  const updateQuery = (tx: NotiflowsDatabase, write: UserWrite, expectedRevision: number) =>
    tx
      .update(users)
      .set({
        email: write.profile.email,
        phone: write.profile.phone,
        firstName: write.profile.first_name,
        lastName: write.profile.last_name,
        avatar: write.profile.avatar,
        locale: write.profile.locale,
        timezone: write.profile.timezone,
        customFields: sql`${json(write.profile.custom_fields)}::jsonb`,
        revision: sql`${users.revision} + 1`,
        updatedAt: write.at
      })
      .where(and(eq(users.projectId, write.projectId), eq(users.externalId, write.externalId), eq(users.revision, expectedRevision)))
      .returning()

  const update = (write: UserWrite, expectedRevision: number): Effect.Effect<User, VersionConflict | RepositoryError> => {
    const pw = write.preferences
    const conflict = Effect.flatMap(revisionOf(write.projectId, write.externalId), (actual) =>
      Effect.fail(new VersionConflict({ expected: expectedRevision, actual }))
    )
    if (pw === undefined && (write.events ?? []).length === 0) {
      return Effect.flatMap(run("users.save", () => updateQuery(db, write, expectedRevision)), (rows) =>
        rows[0] !== undefined ? Effect.succeed(toUser(rows[0])) : conflict
      )
    }
    // Profile, events and preferences change together or not at all.
    return updateWithEvents(write, expectedRevision).pipe(Effect.flatMap((user) => (user === null ? conflict : Effect.succeed(user))))
  }

  return {
    find: (projectId, externalId) =>
      Effect.map(
        run("users.find", () =>
          db
            .select()
            .from(users)
            .where(and(eq(users.projectId, projectId), eq(users.externalId, externalId)))
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), toUser)
      ),
    list: (projectId, query) => {
      const { after, before, limit } = query
      // Cursors are opaque strings: a non-uuid one is still compared, as text.
      const cmp = (op: typeof lt, key: string, textOp: string) =>
        isUserId(key) ? op(users.id, key) : sql`${users.id}::text ${sql.raw(textOp)} ${key}`
      const where = and(
        eq(users.projectId, projectId),
        after !== undefined ? cmp(lt, after, "<") : undefined,
        before !== undefined ? cmp(gt, before, ">") : undefined
      )
      return Effect.map(
        run("users.list", () =>
          db
            .select()
            .from(users)
            .where(where)
            .orderBy(before !== undefined ? asc(users.id) : desc(users.id))
            .limit(limit + 1)
        ),
        (rows): Slice<User> => {
          const items = rows.slice(0, limit).map(toUser)
          return { items: before !== undefined ? items.reverse() : items, hasMore: rows.length > limit }
        }
      )
    },
    save: (write) =>
      write.expectedRevision === null ? create(write) : update(write, write.expectedRevision),
    // Erasure (EVENTS.md §1.3): one transaction running the steps of DrizzleErasure.ts.
    remove: (projectId, externalId, notice) =>
      runTransaction<boolean, never>("users.remove", () => db.transaction((tx) => eraseUser(tx, projectId, externalId, notice)))
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<UserRepository, never, DrizzleDatabase> = Layer.effect(UserRepository, Effect.map(DrizzleDatabase, make))
