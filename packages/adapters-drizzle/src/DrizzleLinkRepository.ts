/**
 * {@link LinkRepository} over drizzle: link keys (one active per project), scope records shared
 * by every token naming them, and users' `links_valid_after`.
 */
import { and, asc, eq, ne, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ExternalUserId, LinkKey, LinkScope, LinkScopeRecord, LinkUser, ProjectId, TenantId } from "@notiflows/domain"
import { LinkKeyActive, LinkKeyNotFound, LinkRepository, scopeRecordKey } from "@notiflows/domain"
import { linkKeys, linkScopes, users } from "./schema.js"
import type { Database } from "./internal/database.js"
import { DrizzleDatabase } from "./internal/database.js"
import { insertActiveLinkKey, newScopeRecordId, replaceActiveLinkKey } from "./internal/linkKeys.js"
import { Abort, run, runPromise, runTransaction } from "./internal/promiseToEffect.js"
import { fromJson, hot, json } from "./internal/statements.js"

type KeyRow = typeof linkKeys.$inferSelect
type ScopeRow = typeof linkScopes.$inferSelect

const toKey = (r: KeyRow): LinkKey => ({
  projectId: r.projectId,
  kid: r.kid,
  secret: new Uint8Array(Buffer.from(r.secret, "base64url")),
  active: r.active,
  createdAt: r.createdAt,
  revokedAt: r.revokedAt
})

const toScope = (r: ScopeRow): LinkScopeRecord => ({ id: r.id, scope: r.scope === null ? null : fromJson<LinkScope>(r.scope), tenantId: r.tenantId ?? null })

const userSelection = { userId: users.id, externalId: users.externalId, locale: users.locale, linksValidAfter: users.linksValidAfter }
const toUser = (r: { userId: LinkUser["userId"]; externalId: ExternalUserId; locale: string | null; linksValidAfter: Date | null }): LinkUser => r
/** The user of a by-id read's rows, if any. */
const firstUser = (rows: ReadonlyArray<Parameters<typeof toUser>[0]>): Option.Option<LinkUser> => Option.map(Option.fromNullable(rows[0]), toUser)

const P = sql.placeholder

/** The port over a database. */
export const make = ({ db, prepare }: Database): LinkRepository["Type"] => {
  // A batch evaluation's links read up to 1,000 users: one prepared statement with the ids as one
  // jsonb array (as the batch's preference read), not a statement of 1,000 parameters built per call.
  const usersByExternalId = hot(
    db
      .select(userSelection)
      .from(users)
      .where(and(eq(users.projectId, sql.placeholder("projectId")), sql`${users.externalId} in (select jsonb_array_elements_text(${sql.placeholder("externalIds")}::jsonb))`)),
    "nf_links_find_users",
    prepare
  )
  const active = (projectId: ProjectId) =>
    db.select().from(linkKeys).where(and(eq(linkKeys.projectId, projectId), eq(linkKeys.active, true)))
  // What verifying a token reads (LINKS.md §1), on every link request: built once, prepared when enabled.
  const keyByKid = hot(db.select().from(linkKeys).where(and(eq(linkKeys.projectId, P("projectId")), eq(linkKeys.kid, P("kid")))), "nf_link_find_key", prepare)
  const scopeById = hot(db.select().from(linkScopes).where(and(eq(linkScopes.projectId, P("projectId")), eq(linkScopes.id, P("id")))), "nf_link_find_scope", prepare)
  const userById = hot(db.select(userSelection).from(users).where(and(eq(users.projectId, P("projectId")), eq(users.id, P("userId")))), "nf_link_find_user", prepare)

  return {
    activeKey: (projectId) =>
      Effect.flatMap(
        run("links.activeKey", async () => {
          const [row] = await active(projectId)
          if (row !== undefined) return row
          // First use on a project made before links: concurrent callers converge on one key.
          await insertActiveLinkKey(db, projectId, new Date())
          const [made] = await active(projectId)
          if (made === undefined) throw new Error("no active link key after insert")
          return made
        }),
        (row) => Effect.succeed(toKey(row))
      ),
    findKey: (projectId, kid) =>
      Effect.map(
        run("links.findKey", () => keyByKid.execute({ projectId, kid })),
        (rows) => Option.map(Option.fromNullable(rows[0]), toKey)
      ),
    listKeys: (projectId) =>
      Effect.map(
        run("links.listKeys", () =>
          db.select().from(linkKeys).where(eq(linkKeys.projectId, projectId)).orderBy(asc(linkKeys.createdAt), asc(linkKeys.kid))
        ),
        (rows) => rows.map(toKey)
      ),
    rotate: (projectId, at) =>
      Effect.map(
        run("links.rotate", () =>
          db.transaction((tx) => replaceActiveLinkKey(tx, projectId, at))
        ),
        toKey
      ),
    revoke: (projectId, kid, at) =>
      runTransaction<LinkKey, LinkKeyNotFound | LinkKeyActive>("links.revoke", () =>
        db.transaction(async (tx) => {
          const [found] = await tx.select().from(linkKeys).where(and(eq(linkKeys.projectId, projectId), eq(linkKeys.kid, kid))).for("update")
          if (found === undefined) throw new Abort(new LinkKeyNotFound({ kid }))
          if (found.active) throw new Abort(new LinkKeyActive({ kid }))
          const [row] = await tx
            .update(linkKeys)
            .set({ revokedAt: sql`coalesce(${linkKeys.revokedAt}, ${at.toISOString()}::timestamptz)` })
            .where(and(eq(linkKeys.projectId, projectId), eq(linkKeys.kid, kid)))
            .returning()
          return toKey(row ?? found)
        })
      ),
    revokeAll: (projectId, at) =>
      run("links.revokeAll", () =>
        db.transaction(async (tx) => {
          const row = await replaceActiveLinkKey(tx, projectId, at)
          const revoked = await tx
            .update(linkKeys)
            .set({ revokedAt: at })
            .where(and(eq(linkKeys.projectId, projectId), ne(linkKeys.kid, row.kid), sql`${linkKeys.revokedAt} is null`))
            .returning({ kid: linkKeys.kid })
          return { key: toKey(row), revoked: revoked.length }
        })
      ),
    ensureScope: (projectId, scope, tenantId) =>
      run("links.ensureScope", async () => {
        const scopeKey = scopeRecordKey(scope, tenantId)
        await db
          .insert(linkScopes)
          .values({
            projectId,
            id: newScopeRecordId(),
            scopeKey,
            scope: scope === null ? null : sql`${json(scope)}::jsonb`,
            tenantId,
            createdAt: new Date()
          })
          .onConflictDoNothing()
        const [row] = await db.select().from(linkScopes).where(and(eq(linkScopes.projectId, projectId), eq(linkScopes.scopeKey, scopeKey)))
        if (row === undefined) throw new Error("no scope record after insert")
        return toScope(row)
      }),
    findScope: (projectId, id) =>
      Effect.map(
        run("links.findScope", () => scopeById.execute({ projectId, id })),
        (rows) => Option.map(Option.fromNullable(rows[0]), toScope)
      ),
    findUser: (projectId, userId) => Effect.map(run("links.findUser", () => userById.execute({ projectId, userId })), firstUser),
    findUserPromise: (projectId, userId) => runPromise("links.findUser", () => userById.execute({ projectId, userId })).then(firstUser),
    findUsers: (projectId, externalIds) =>
      externalIds.length === 0
        ? Effect.succeed(new Map())
        : Effect.map(
            run("links.findUsers", () =>
              usersByExternalId.execute({ projectId, externalIds: json(externalIds) })
            ),
            (rows) => new Map(rows.map((r) => [r.externalId, toUser(r)] as const))
          ),
    revokeUserLinks: (projectId, externalId, at) =>
      Effect.map(
        run("links.revokeUser", () =>
          db
            .update(users)
            .set({ linksValidAfter: at })
            .where(and(eq(users.projectId, projectId), eq(users.externalId, externalId)))
            .returning({ at: users.linksValidAfter })
        ),
        (rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.at ?? at)
      )
  }
}

/** The port, on the {@link DrizzleDatabase} of the context. */
export const layer: Layer.Layer<LinkRepository, never, DrizzleDatabase> = Layer.effect(LinkRepository, Effect.map(DrizzleDatabase, make))
