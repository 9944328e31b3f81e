/**
 * What an unsubscribe link does (LINKS.md §3, §4): the confirm page (never a write), one-click,
 * the confirm form, undo and resubscribe. Each returns a page model (or the empty one-click 200);
 * every write is a merge patch of the link's one leaf with `actor {type: link, id: jti}`.
 */
import type { ConsentContext, LinkLeaf, LinkScope, ScopedSnapshot, Source, WriteContext } from "@notiflows/domain"
import { linkLeafOf, linkLeafUpdate, PreconditionFailed, scopeOf as scopeOfTenant, UNDO_TICKET_SECONDS } from "@notiflows/domain"
import type { PageModel, ScopeView } from "@notiflows/pages"
import { snapshotOf, updateOf } from "../internal/Direct.js"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import { seal } from "./LinkToken.js"
import type { VerifiedLink } from "./Verify.js"
import { checkTicket } from "./Verify.js"

export interface ActionEnv {
  readonly runtime: RouterRuntime
  readonly now: () => number
  readonly requestId: string
  readonly consent: ConsentContext
}

const scopeOf = (link: VerifiedLink): LinkScope => link.record.scope as LinkScope

const viewOf = (scope: LinkScope, leaf: LinkLeaf): ScopeView =>
  scope.notiflow_id === undefined && scope.category_id === undefined
    ? { kind: "channel", channel: scope.channel_type! }
    : { kind: scope.notiflow_id !== undefined ? "notiflow" : "category", name: leaf.name ?? "", channel: scope.channel_type ?? null }

/**
 * The leaf and the snapshot it was read from (domain `readLinkState`, read without a fiber when
 * the caches allow, or with the token's user): a write decided on it commits against it (no
 * second read).
 */
const readState = async (env: ActionEnv, link: VerifiedLink): Promise<{ readonly leaf: LinkLeaf; readonly snapshot: ScopedSnapshot }> => {
  const snapshot = link.snapshot ?? (await freshSnapshot(env, link))
  return { leaf: linkLeafOf(snapshot, scopeOf(link)), snapshot }
}

const freshSnapshot = (env: ActionEnv, link: VerifiedLink): Promise<ScopedSnapshot> =>
  snapshotOf(env.runtime, link.projectId, link.user.externalId, scopeOfTenant(link.record.tenantId))

/** The leaf as stored now (after a lost write: never the snapshot read with the user). */
const readLeaf = async (env: ActionEnv, link: VerifiedLink): Promise<LinkLeaf> => linkLeafOf(await freshSnapshot(env, link), scopeOf(link))

const context = (env: ActionEnv, link: VerifiedLink, source: Source): WriteContext => ({
  actor: { type: "link", id: link.token.jti },
  requestId: env.requestId,
  source,
  consent: env.consent
})

/** Writes `value` when `expect` holds as found; `false` when the leaf changed first (nothing written). */
const write = async (
  env: ActionEnv,
  link: VerifiedLink,
  value: boolean | null,
  expect: (l: LinkLeaf) => boolean,
  source: Source,
  found: ScopedSnapshot
): Promise<boolean> => {
  const input = linkLeafUpdate({
    projectId: link.projectId,
    externalId: link.user.externalId,
    tenantId: link.record.tenantId,
    scope: scopeOf(link),
    value,
    expect,
    context: context(env, link, source)
  })
  try {
    await updateOf(env.runtime, input, found)
    return true
  } catch (error) {
    if (error instanceof PreconditionFailed) return false
    throw error
  }
}

/** §4: GET and HEAD read only. */
export const confirmPage = async (env: ActionEnv, link: VerifiedLink): Promise<PageModel> => {
  const { leaf } = await readState(env, link)
  return { kind: "confirm", scope: viewOf(scopeOf(link), leaf), state: leaf.state }
}

const untouchable = (leaf: LinkLeaf) => leaf.state === "required" || leaf.state === "deleted" || leaf.state === "locked"

/** One-click and the confirm form: explicit `false` unless it is already, or untouchable. Returns the page model (one-click sends none). */
export const unsubscribe = async (env: ActionEnv, link: VerifiedLink, source: "one_click" | "unsubscribe_page"): Promise<PageModel> => {
  const { leaf, snapshot } = await readState(env, link)
  const view = viewOf(scopeOf(link), leaf)
  if (untouchable(leaf)) return { kind: "confirm", scope: view, state: leaf.state }
  if (leaf.state === "unsubscribed") return { kind: "result", scope: view, undoTicket: null }
  const wrote = await write(env, link, false, (l) => l.state === "subscribed" && l.explicit === leaf.explicit, source, snapshot)
  if (!wrote) {
    const now = await readLeaf(env, link)
    return untouchable(now) ? { kind: "confirm", scope: view, state: now.state } : { kind: "result", scope: view, undoTicket: null }
  }
  // One-click answers an empty 200 (RFC 8058): no page, so no undo ticket to seal.
  return { kind: "result", scope: view, undoTicket: source === "one_click" ? null : ticketFor(env, link, leaf.explicit === true) }
}

/** §4's undo ticket: the link's project, kid, user, scope and jti; `prev` the explicit value before; 24 h. */
const ticketFor = (env: ActionEnv, link: VerifiedLink, prevTrue: boolean): string => {
  const iat = Math.floor(env.now() / 1000)
  return seal({
    project: link.projectId,
    kid: link.key.kid,
    secret: link.key.secret,
    userId: link.user.userId,
    purpose: 3,
    scope: link.record.id,
    iat,
    exp: iat + UNDO_TICKET_SECONDS,
    jti: link.token.jti,
    prev: prevTrue ? 1 : 0
  }).token
}

/** §4's undo: 400 for a bad ticket, 410 expired, the state's sentence, restored (200) or changed elsewhere (409). */
export const undo = async (env: ActionEnv, link: VerifiedLink, rawTicket: string): Promise<PageModel> => {
  const ticket = checkTicket(link, rawTicket, env.now())
  if (ticket.kind === "bad") return { kind: "error", status: 400 }
  if (ticket.kind === "expired") return { kind: "undo_expired" }
  const { leaf, snapshot } = await readState(env, link)
  const view = viewOf(scopeOf(link), leaf)
  if (untouchable(leaf)) return { kind: "confirm", scope: view, state: leaf.state }
  const prev = ticket.prev
  const restored = (l: LinkLeaf) => (prev === null ? l.explicit === undefined : l.explicit === true)
  if (restored(leaf)) return { kind: "resubscribed", scope: view }
  if (leaf.explicit !== false) return { kind: "undo_conflict" }
  const wrote = await write(env, link, prev, (l) => l.explicit === false && !untouchable(l), "unsubscribe_page", snapshot)
  if (wrote) return { kind: "resubscribed", scope: view }
  const now = await readLeaf(env, link)
  return restored(now) ? { kind: "resubscribed", scope: view } : { kind: "undo_conflict" }
}

/** §3 `action=resubscribe`: removes the explicit `false` so the default applies again. */
export const resubscribe = async (env: ActionEnv, link: VerifiedLink): Promise<PageModel> => {
  const { leaf, snapshot } = await readState(env, link)
  const view = viewOf(scopeOf(link), leaf)
  if (untouchable(leaf)) return { kind: "confirm", scope: view, state: leaf.state }
  if (leaf.explicit === false) await write(env, link, null, (l) => l.explicit === false && !untouchable(l), "unsubscribe_page", snapshot)
  return { kind: "resubscribed", scope: view }
}
