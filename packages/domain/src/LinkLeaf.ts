/**
 * The one leaf an unsubscribe link acts on (LINKS.md §3, §4): its state now, and the writes of
 * one-click, the confirm form, undo and resubscribe, each an ordinary merge patch of that leaf on
 * the user's set for the link's tenant (history, event, version as any write).
 */
import * as Effect from "effect/Effect"
import type { LinkScope } from "./Links.js"
import { leafPathOf } from "./Links.js"
import type { WriteContext } from "./PreferenceService.js"
import type { ExternalUserId, ProjectId } from "./Preferences.js"
import type { PreferenceChoicesV2 } from "./PreferencesV2.js"
import type { ScopedSnapshot } from "./ScopedPreferenceService.js"
import { getScopedPreferences, updateScopedPreferences } from "./ScopedPreferenceService.js"
import type { TenantId } from "./Tenants.js"
import { scopeOf } from "./Tenants.js"

/** What the pages need: `subscribed` covers an explicit `true` and no explicit choice. */
export type LinkLeafState = "subscribed" | "unsubscribed" | "required" | "deleted" | "locked"

export interface LinkLeaf {
  readonly state: LinkLeafState
  /** The explicit value at the leaf in the link's set (`undefined`: no explicit choice). */
  readonly explicit: boolean | undefined
  /** The notiflow's or category's name as stored (`null` for a channel scope or a deleted entry). */
  readonly name: string | null
}

const at = (choices: PreferenceChoicesV2, path: ReadonlyArray<string>): unknown => {
  let node: unknown = choices
  for (const key of path) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/** The leaf's state in a snapshot of the link's scope (§3's table, read at request time). */
export const linkLeafOf = (s: ScopedSnapshot, scope: LinkScope): LinkLeaf => {
  const path = leafPathOf(scope)
  const raw = at(s.scoped, path)
  const explicit = typeof raw === "boolean" ? raw : undefined
  let name: string | null = null
  if (scope.notiflow_id !== undefined) {
    const n = s.catalog.notiflows.find((e) => e.id === scope.notiflow_id)
    if (n === undefined || n.deleted) return { state: "deleted", explicit, name: null }
    name = n.name
    if (n.required) return { state: "required", explicit, name }
  } else if (scope.category_id !== undefined) {
    const c = s.catalog.categories.find((e) => e.id === scope.category_id)
    if (c === undefined || c.deleted) return { state: "deleted", explicit, name: null }
    name = c.name
  }
  if (s.tenant !== undefined && at(s.tenant.locks, path) === true) return { state: "locked", explicit, name }
  return { state: explicit === false ? "unsubscribed" : "subscribed", explicit, name }
}

/** The leaf of a link for its user and tenant. */
export const readLinkLeaf = (projectId: ProjectId, externalId: ExternalUserId, tenantId: TenantId | null, scope: LinkScope) =>
  Effect.map(readLinkState(projectId, externalId, tenantId, scope), (found) => found.leaf)

/** The leaf with the snapshot it was read from (pass it to {@link writeLinkLeaf} as `found`). */
export const readLinkState = (projectId: ProjectId, externalId: ExternalUserId, tenantId: TenantId | null, scope: LinkScope) =>
  Effect.map(getScopedPreferences(projectId, externalId, scopeOf(tenantId)), (snapshot) => ({ leaf: linkLeafOf(snapshot, scope), snapshot }))

/** A merge patch setting the one leaf (`null` removes the explicit choice). */
export const leafPatch = (scope: LinkScope, value: boolean | null): Record<string, unknown> => {
  const path = leafPathOf(scope)
  let patch: unknown = value
  for (let i = path.length - 1; i >= 0; i--) patch = { [path[i]!]: patch }
  return patch as Record<string, unknown>
}

/** Why a conditional leaf write did not happen (checked on the snapshot it would write, retries included). */
export const LEAF_CHANGED = "leaf_changed"

/** What a link's leaf write is given. */
export interface LinkLeafWriteInput {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly tenantId: TenantId | null
  readonly scope: LinkScope
  readonly value: boolean | null
  readonly expect: (leaf: LinkLeaf) => boolean
  readonly context: WriteContext
}

/**
 * The merge-patch write of a link's leaf: the admin audience (hidden notiflows and categories may
 * be link scopes, §2.1) and `expect` as the precondition, checked on every snapshot the write
 * decides on (each retry included). Run by {@link writeLinkLeaf}, or without a fiber by the
 * transport (DirectWrites.ts).
 */
export const linkLeafUpdate = (input: LinkLeafWriteInput) => ({
  projectId: input.projectId,
  externalId: input.externalId,
  scope: scopeOf(input.tenantId),
  audience: "admin" as const,
  body: leafPatch(input.scope, input.value),
  context: input.context,
  precondition: (s: ScopedSnapshot) => (input.expect(linkLeafOf(s, input.scope)) ? undefined : LEAF_CHANGED)
})

/**
 * Writes `value` at the link's leaf when `expect` holds for the leaf as found (re-checked on every
 * retry of the optimistic commit); fails with `PreconditionFailed` otherwise. An unchanged value
 * writes nothing (no version, history or event).
 */
export const writeLinkLeaf = (
  input: LinkLeafWriteInput & {
    /** The snapshot the caller decided on ({@link readLinkState}); `expect` is still checked on it. */
    readonly found?: ScopedSnapshot
  }
) => updateScopedPreferences({ ...linkLeafUpdate(input), ...(input.found !== undefined ? { current: input.found } : {}) })
