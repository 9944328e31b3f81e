/**
 * Verification of a link token (LINKS.md §1), the first failing check deciding: checks 1–5 are
 * 404 (the project is not trusted), 6–8 are 410 (one answer for a revoked key, an expired token,
 * a revoked or erased user). Undo tickets (§4) are checked against their link.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { LinkKey, LinkScopeRecord, LinkUser, ProjectId, UserId } from "@notiflows/domain"
import { isExpired, issuedInFuture, LinkRepository, NO_SCOPE_RECORD, PURPOSE_CODE, revokedForUser } from "@notiflows/domain"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import type { ParsedToken } from "./LinkToken.js"
import { macValid, parse, userIdOf } from "./LinkToken.js"

export interface VerifiedLink {
  readonly projectId: ProjectId
  readonly token: ParsedToken
  readonly key: LinkKey
  readonly user: LinkUser
  readonly record: LinkScopeRecord
}

export type Verification =
  | { readonly ok: true; readonly link: VerifiedLink }
  /** `early`: failed checks 1–5 (counted against the client address, §6). `projectId` once check 3 passed (410 pages are branded). */
  | { readonly ok: false; readonly status: 404 | 410; readonly early: boolean; readonly projectId?: ProjectId }

const fail404: Verification = { ok: false, status: 404, early: true }

/** Checks 1–8 of §1 for a token on a route of `purpose`. */
export const verifyLink = async (runtime: RouterRuntime, raw: string, purpose: "unsubscribe" | "preference_center", nowMs: number): Promise<Verification> => {
  const token = parse(raw)
  if (token === undefined) return fail404
  const projectId = token.project as ProjectId
  return runtime.runPromise(
    Effect.gen(function* () {
      const repo = yield* LinkRepository
      const key = yield* repo.findKey(projectId, token.kid)
      if (Option.isNone(key) || !macValid(token, key.value.secret)) return fail404
      if (token.purpose !== PURPOSE_CODE[purpose] || issuedInFuture(token.iat, nowMs)) return fail404
      const record: Option.Option<LinkScopeRecord> =
        token.scope === NO_SCOPE_RECORD ? Option.some({ id: NO_SCOPE_RECORD, scope: null, tenantId: null }) : yield* repo.findScope(projectId, token.scope)
      if (Option.isNone(record) || (purpose === "unsubscribe" && record.value.scope === null)) return fail404
      const gone: Verification = { ok: false, status: 410, early: false, projectId }
      if (key.value.revokedAt !== null || isExpired(token.exp, nowMs)) return gone
      const user = yield* repo.findUser(projectId, userIdOf(token, key.value.secret) as UserId)
      if (Option.isNone(user) || revokedForUser(token.iat, user.value.linksValidAfter)) return gone
      return { ok: true, link: { projectId, token, key: key.value, user: user.value, record: record.value } } satisfies Verification
    })
  )
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
