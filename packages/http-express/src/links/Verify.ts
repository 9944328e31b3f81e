/**
 * Verification of a link token (LINKS.md §1), the first failing check deciding: checks 1–5 are
 * 404 (the project is not trusted), 6–8 are 410 (one answer for a revoked key, an expired token,
 * a revoked or erased user). Undo tickets (§4) are checked against their link.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { DirectLinkedSnapshot, LinkKey, LinkScopeRecord, LinkUser, ProjectId, ScopedSnapshot, UserId } from "@notiflows/domain"
import { directLinkedSnapshots, isExpired, issuedInFuture, LinkPeek, LinkRepository, NO_SCOPE_RECORD, PURPOSE_CODE, revokedForUser, scopeOf } from "@notiflows/domain"
import { counted } from "../internal/Direct.js"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import { perRuntime, run } from "../internal/effectToPromise.js"
import type { ParsedToken } from "./LinkToken.js"
import { macValid, parse, userIdOf } from "./LinkToken.js"

export interface VerifiedLink {
  readonly projectId: ProjectId
  readonly token: ParsedToken
  readonly key: LinkKey
  readonly user: LinkUser
  readonly record: LinkScopeRecord
  /**
   * The user's snapshot in the record's scope, when it was read with the user (one statement):
   * what the link's first read uses instead of reading again. Never a re-read after a lost write.
   */
  readonly snapshot?: ScopedSnapshot | undefined
}

export type Verification =
  | { readonly ok: true; readonly link: VerifiedLink }
  /** `early`: failed checks 1–5 (counted against the client address, §6). `projectId` once check 3 passed (410 pages are branded). */
  | { readonly ok: false; readonly status: 404 | 410; readonly early: boolean; readonly projectId?: ProjectId }

const fail404: Verification = { ok: false, status: 404, early: true }

/** What checks 1–8 read: each answers its record (now or later), or `undefined` when it cannot now (a cache miss). */
interface Lookups {
  readonly key: (projectId: ProjectId, kid: string) => Option.Option<LinkKey> | Promise<Option.Option<LinkKey>> | undefined
  readonly scope: (projectId: ProjectId, id: string) => Option.Option<LinkScopeRecord> | Promise<Option.Option<LinkScopeRecord>> | undefined
  readonly user: (projectId: ProjectId, userId: UserId) => Promise<Option.Option<LinkUser>>
  /** The user with its snapshot in one statement, when the caches allow (else `user` reads it alone). */
  readonly linked?: DirectLinkedSnapshot | undefined
}

/** The user (and the snapshot in `record`'s scope, when read with it). */
const userOf = async (
  lookups: Lookups,
  projectId: ProjectId,
  userId: UserId,
  record: LinkScopeRecord
): Promise<{ readonly user: Option.Option<LinkUser>; readonly snapshot?: ScopedSnapshot }> => {
  const linked = lookups.linked?.(projectId, userId, scopeOf(record.tenantId))
  if (linked === undefined) return { user: await lookups.user(projectId, userId) }
  const found = await counted(linked)
  return found === undefined ? { user: Option.none() } : { user: Option.some(found.user), snapshot: found.snapshot }
}

const NO_RECORD: Option.Option<LinkScopeRecord> = Option.some({ id: NO_SCOPE_RECORD, scope: null, tenantId: null })

/** Checks 1–8 over `lookups`, the first failing one deciding; `undefined` when a lookup could not answer. */
const check = async (token: ParsedToken, purpose: "unsubscribe" | "preference_center", nowMs: number, lookups: Lookups): Promise<Verification | undefined> => {
  const projectId = token.project as ProjectId
  const found = lookups.key(projectId, token.kid)
  if (found === undefined) return undefined
  const key = await found
  if (Option.isNone(key) || !macValid(token, key.value.secret)) return fail404
  if (token.purpose !== PURPOSE_CODE[purpose] || issuedInFuture(token.iat, nowMs)) return fail404
  const scoped = token.scope === NO_SCOPE_RECORD ? NO_RECORD : lookups.scope(projectId, token.scope)
  if (scoped === undefined) return undefined
  const record = await scoped
  if (Option.isNone(record) || (purpose === "unsubscribe" && record.value.scope === null)) return fail404
  const gone: Verification = { ok: false, status: 410, early: false, projectId }
  if (key.value.revokedAt !== null || isExpired(token.exp, nowMs)) return gone
  const { user, snapshot } = await userOf(lookups, projectId, userIdOf(token, key.value.secret) as UserId, record.value)
  if (Option.isNone(user) || revokedForUser(token.iat, user.value.linksValidAfter)) return gone
  return { ok: true, link: { projectId, token, key: key.value, user: user.value, record: record.value, snapshot } }
}

/**
 * Lookups from the link cache's peeks and `findUserPromise` (with the user's snapshot read along
 * when the preference caches and repository allow); none when the runtime lacks either.
 */
const peekLookups = perRuntime(
  Effect.map(
    Effect.all([Effect.serviceOption(LinkPeek), Effect.serviceOption(LinkRepository), directLinkedSnapshots]),
    ([peek, repo, linked]): Lookups | undefined => {
      const user = Option.isSome(repo) ? repo.value.findUserPromise : undefined
      if (Option.isNone(peek) || user === undefined) return undefined
      return { key: peek.value.key, scope: peek.value.scope, user, linked: Option.getOrUndefined(linked) }
    }
  )
)

/** Lookups through the repository, one use case each (what a cache miss falls back to). */
const repositoryLookups = (runtime: RouterRuntime): Lookups => ({
  key: (projectId, kid) => run(runtime, Effect.flatMap(LinkRepository, (r) => r.findKey(projectId, kid))),
  scope: (projectId, id) => run(runtime, Effect.flatMap(LinkRepository, (r) => r.findScope(projectId, id))),
  user: (projectId, userId) => run(runtime, Effect.flatMap(LinkRepository, (r) => r.findUser(projectId, userId)))
})

/**
 * Checks 1–8 of §1 for a token on a route of `purpose`: without a fiber when the link cache holds
 * the token's key and scope record (the user is read with its snapshot in the record's scope by
 * `loadLinkedPromise` when the preference caches hold the other parts, else by
 * `findUserPromise`), else through the repository (which fills the cache). The user (and its
 * snapshot) is read only once checks 1–7 passed, as before; the snapshot is read before the
 * routes' rate limits and body checks, so a refused request may have read it (one indexed
 * statement either way).
 */
export const verifyLink = async (runtime: RouterRuntime, raw: string, purpose: "unsubscribe" | "preference_center", nowMs: number): Promise<Verification> => {
  const token = parse(raw)
  if (token === undefined) return fail404
  const peeked = peekLookups(runtime)
  const fast = peeked === undefined ? undefined : await check(token, purpose, nowMs, peeked)
  return fast ?? (await check(token, purpose, nowMs, repositoryLookups(runtime))) ?? fail404
}

/** An undo ticket (§4) of a verified link: `bad` (400), `expired` (410), or its `prev` value. */
export const checkTicket = (link: VerifiedLink, raw: string, nowMs: number): { readonly kind: "bad" } | { readonly kind: "expired" } | { readonly kind: "ok"; readonly prev: true | null } => {
  const t = parse(raw)
  if (t === undefined || t.project !== link.token.project || t.kid !== link.token.kid || !macValid(t, link.key.secret)) return { kind: "bad" }
  if (t.purpose !== PURPOSE_CODE.undo || t.jti !== link.token.jti || t.scope !== link.token.scope || userIdOf(t, link.key.secret) !== link.user.userId) {
    return { kind: "bad" }
  }
  if (t.prev > 1) return { kind: "bad" }
  if (isExpired(t.exp, nowMs) || revokedForUser(t.iat, link.user.linksValidAfter)) return { kind: "expired" }
  return { kind: "ok", prev: t.prev === 1 ? true : null }
}
