/** Building a `CenterState` from the user API's view (MODEL.md §4) plus the required notiflows it omits. */
import { CHANNEL_TYPES, type ChannelType, type LockedEntry, type PreferencesViewV2 } from "@notiflows/domain"
import type { CenterCategory, CenterNotiflow, CenterState, LeafView } from "./PageModel.js"

/** A required notiflow the center shows read-only (live, `include_in_preferences`, `required`). */
export interface RequiredNotiflow {
  readonly id: string
  readonly name: string
  /** Its live, user-visible category ids in the notiflow's order. */
  readonly categories: ReadonlyArray<string>
}

const entryChannels = (
  channels: Readonly<Partial<Record<ChannelType, boolean>>>,
  locked: LockedEntry | undefined
): Partial<Record<ChannelType, LeafView>> => {
  const out: Partial<Record<ChannelType, LeafView>> = {}
  for (const type of CHANNEL_TYPES) {
    const value = channels[type]
    if (value !== undefined) out[type] = { value, locked: locked?.channel_types?.[type] === true }
  }
  return out
}

/**
 * The center's state from the **user-audience** view of the token's scope (global, or tenant with
 * `locked`) and its ETag. That view lists only configurable notiflows, so the required ones the
 * center shows read-only are passed beside it.
 */
export const centerStateFromView = (input: {
  readonly view: PreferencesViewV2
  readonly etag: string
  readonly tenantId: string | null
  readonly required: ReadonlyArray<RequiredNotiflow>
}): CenterState => {
  const { view } = input
  const rootLocks = view.locked?.channel_types
  const channel_types = Object.fromEntries(
    CHANNEL_TYPES.map((type) => [type, { value: view.channel_types[type], locked: rootLocks?.[type] === true }])
  ) as Record<ChannelType, LeafView>
  const categories: Array<CenterCategory> = Object.entries(view.categories ?? {}).map(([id, c]) => ({
    id,
    name: c.name,
    enabled: { value: c.enabled, locked: c.locked?.enabled === true },
    channel_types: entryChannels(c.channel_types, c.locked)
  }))
  const configurable: Array<CenterNotiflow> = Object.entries(view.notiflows).map(([id, n]) => ({
    id,
    name: n.name,
    enabled: { value: n.enabled, locked: n.locked?.enabled === true },
    channel_types: entryChannels(n.channel_types, n.locked),
    required: false,
    categories: n.categories ?? []
  }))
  const required: Array<CenterNotiflow> = input.required.map((n) => ({
    id: n.id,
    name: n.name,
    enabled: { value: true, locked: false },
    channel_types: {},
    required: true,
    categories: n.categories
  }))
  // A required notiflow is read-only even if a caller passes a view that lists it.
  const requiredIds = new Set(required.map((n) => n.id))
  const notiflows = [...configurable.filter((n) => !requiredIds.has(n.id)), ...required]
  return { etag: input.etag, tenant_id: input.tenantId, channel_types, categories, notiflows }
}
