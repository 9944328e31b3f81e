/**
 * What the replica holds and how it decides: the catalog, the defaults and every user's sets in
 * the domain's own types, evaluated with the domain's own functions (`evaluateV2`), so a decision
 * is the one `POST /admin/preferences/evaluate` would answer for the same state.
 */
import type {
  CategoryCatalogEntry,
  ChannelType,
  DecisionsV2,
  ModelCatalog,
  NotiflowCatalogEntry,
  PreferenceChoicesV2,
  PreparedEvaluation,
  ProjectDefaults,
  TenantDefaults
} from "@notiflows/domain"
import { CHANNEL_TYPES, emptyChoicesV2, emptyTenantDefaults, evaluatePrepared, liveCategoriesOf, prepareEvaluation } from "@notiflows/domain"

/** A stored set as the sets route and `preferences.updated` carry it. */
export interface ReplicaSet {
  readonly version: number
  readonly preferences: PreferenceChoicesV2
}

/**
 * One user's sets: the global set's version and choices, and its user×tenant sets (`undefined`
 * until it has one). Choices that hold nothing are `emptyChoicesV2` itself, and a user with no
 * set written yet is the shared {@link UNWRITTEN}: most users cost one map entry, and `evaluate`
 * answers them without reading anything of theirs.
 */
export interface ReplicaUser {
  readonly version: number
  readonly global: PreferenceChoicesV2
  readonly tenants: ReadonlyMap<string, ReplicaSet> | undefined
}

/** Every user with no set written (global version 0, no user×tenant set). */
export const UNWRITTEN: ReplicaUser = Object.freeze({ version: 0, global: emptyChoicesV2, tenants: undefined })

/**
 * A live notiflow with what its decisions need besides the users' sets, prepared lazily per
 * scope and requested channels (the domain's `prepareEvaluation`; what the service's batch
 * evaluation reads once per batch, read once per copy of the catalog here).
 */
interface NotiflowSlot {
  readonly entry: NotiflowCatalogEntry
  readonly global: Map<string, Prepared>
  readonly tenants: Map<string, Map<string, Prepared>>
}

/** A prepared evaluation and the decisions of a user without choices (shared, frozen). */
interface Prepared {
  readonly prepared: PreparedEvaluation
  readonly onDefaults: DecisionsV2
}

/** The catalog, the project defaults and the tenants' defaults (rebuilt when the feed changes them). */
export interface ReplicaModel {
  readonly catalog: ModelCatalog
  readonly notiflows: ReadonlyMap<string, NotiflowSlot>
  readonly defaults: ProjectDefaults
  readonly tenants: ReadonlyMap<string, TenantDefaults>
  /** Prepared entries held by the slots (bounded: cleared past {@link MAX_PREPARED}). */
  prepared: number
}

/** The answer of `replica.evaluate`: as an item of the batch evaluation's `results` (read-only). */
export interface ReplicaEvaluation {
  readonly user_id: string
  readonly user_found: boolean
  readonly channel_types: DecisionsV2
}

const channelSet: ReadonlySet<string> = new Set(CHANNEL_TYPES)

/** JSON of the admin API → the domain's catalog (live entries only: deleted ones are not listed). */
export const modelOf = (input: {
  readonly notiflows: ReadonlyArray<{ readonly categories: ReadonlyArray<string> } & Omit<NotiflowCatalogEntry, "deleted" | "id"> & { readonly id: string }>
  readonly categories: ReadonlyArray<Omit<CategoryCatalogEntry, "deleted" | "id"> & { readonly id: string }>
  /** The stored project defaults (`GET /admin/preferences/defaults/explicit`). */
  readonly defaults: ProjectDefaults
  readonly tenants: ReadonlyMap<string, TenantDefaults>
}): ReplicaModel => {
  const byId = (a: { readonly id: string }, b: { readonly id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const notiflows = input.notiflows
    .map((n): NotiflowCatalogEntry => ({
      id: n.id as NotiflowCatalogEntry["id"],
      name: n.name,
      include_in_preferences: n.include_in_preferences,
      required: n.required,
      default_enabled: n.default_enabled,
      default_channel_types: n.default_channel_types,
      deleted: false
    }))
    .sort(byId)
  const categories = input.categories
    .map((c): CategoryCatalogEntry => ({
      id: c.id as CategoryCatalogEntry["id"],
      name: c.name,
      include_in_preferences: c.include_in_preferences,
      default_enabled: c.default_enabled,
      default_channel_types: c.default_channel_types,
      deleted: false
    }))
    .sort(byId)
  const memberships = new Map(input.notiflows.map((n) => [n.id, n.categories as ModelCatalog["memberships"] extends ReadonlyMap<string, infer V> ? V : never]))
  // Stored values only: a stored `true` decides with `source: "project_default"`, an absent type
  // with the built-in `true` (`source: "default"`), as the service decides.
  const channel_types: Record<string, boolean> = {}
  for (const [c, v] of Object.entries(input.defaults.channel_types)) if (channelSet.has(c) && typeof v === "boolean") channel_types[c] = v
  return {
    catalog: { notiflows, categories, memberships },
    notiflows: new Map(notiflows.map((n) => [n.id as string, { entry: n, global: new Map(), tenants: new Map() }])),
    defaults: { channel_types },
    tenants: input.tenants,
    prepared: 0
  }
}

// Choices that hold nothing share one object: it costs no memory per user, and `evaluate`
// recognises it and answers the prepared decisions on defaults without reading the sets.
// Each of the three maps, when empty, is the shared empty map too (most sets hold one or two kinds
// of choice): less memory per user, and a read of a shared map is a read of hot memory.
const hasKeys = (o: object): boolean => {
  for (const _ in o) return true
  return false
}
const choicesOf = (set: ReplicaSet): PreferenceChoicesV2 => {
  const c = set.preferences
  const channels = hasKeys(c.channel_types)
  const categories = hasKeys(c.categories)
  const notiflows = hasKeys(c.notiflows)
  if (!channels && !categories && !notiflows) return emptyChoicesV2
  return {
    channel_types: channels ? c.channel_types : emptyChoicesV2.channel_types,
    categories: categories ? c.categories : emptyChoicesV2.categories,
    notiflows: notiflows ? c.notiflows : emptyChoicesV2.notiflows
  }
}

/**
 * Keeps the higher version: applying a set twice, or one older than the copy, changes nothing.
 * Users are replaced, never changed in place ({@link UNWRITTEN} is shared).
 */
export const applySet = (users: Map<string, ReplicaUser>, userId: string, tenantId: string | null, set: ReplicaSet): void => {
  const user = users.get(userId) ?? UNWRITTEN
  if (tenantId === null) {
    if (set.version < user.version) return
    const global = choicesOf(set)
    users.set(userId, set.version === 0 && global === emptyChoicesV2 && user.tenants === undefined ? UNWRITTEN : { version: set.version, global, tenants: user.tenants })
  } else {
    const current = user.tenants?.get(tenantId)
    if (current !== undefined && set.version < current.version) return
    const tenants = new Map(user.tenants)
    tenants.set(tenantId, { version: set.version, preferences: choicesOf(set) })
    users.set(userId, { version: user.version, global: user.global, tenants })
  }
}

/** A user the service knows (created, or listed with version 0) with no set written yet. */
export const addUser = (users: Map<string, ReplicaUser>, userId: string): void => {
  if (!users.has(userId)) users.set(userId, UNWRITTEN)
}

/**
 * A tenant's defaults changed in `model.tenants` (the replica's own map): what was prepared for
 * its scope is forgotten, so the next decision prepares it from the new defaults.
 */
export const forgetTenant = (model: ReplicaModel, tenantId: string): void => {
  for (const slot of model.notiflows.values()) slot.tenants.delete(tenantId)
}

const MAX_PREPARED = 10_000
// The key of a channel list: the type itself for one channel (no allocation), else the list joined,
// remembered per array with a copy of its items (checked on every use: a caller may reuse and
// change its array), so a caller passing the same array builds the key once.
const keys = new WeakMap<ReadonlyArray<ChannelType>, { readonly key: string; readonly items: ReadonlyArray<ChannelType> }>()
const keyOf = (channels: ReadonlyArray<ChannelType>): string => {
  if (channels.length === 1) return channels[0]!
  const known = keys.get(channels)
  if (known !== undefined && sameItems(known.items, channels)) return known.key
  const key = channels.join(",")
  keys.set(channels, { key, items: [...channels] })
  return key
}
const sameItems = (a: ReadonlyArray<ChannelType>, b: ReadonlyArray<ChannelType>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const prepare = (model: ReplicaModel, slot: NotiflowSlot, channels: ReadonlyArray<ChannelType>, tenantId: string | undefined): Prepared => {
  for (const c of channels) if (!channelSet.has(c)) throw new TypeError(`unknown channel type: ${String(c)}`)
  const tenant = tenantId === undefined ? undefined : (model.tenants.get(tenantId) ?? emptyTenantDefaults)
  const prepared = prepareEvaluation(tenant, slot.entry, liveCategoriesOf(model.catalog, slot.entry.id), model.defaults, channels)
  const onDefaults = Object.freeze(evaluatePrepared(prepared, emptyChoicesV2, tenantId === undefined ? undefined : emptyChoicesV2))
  if (model.prepared >= MAX_PREPARED) {
    for (const s of model.notiflows.values()) {
      s.global.clear()
      s.tenants.clear()
    }
    model.prepared = 0
  }
  model.prepared++
  return { prepared: prepared, onDefaults }
}

const preparedFor = (model: ReplicaModel, slot: NotiflowSlot, channels: ReadonlyArray<ChannelType>, tenantId: string | undefined): Prepared => {
  let scope = slot.global
  if (tenantId !== undefined) {
    const known = slot.tenants.get(tenantId)
    if (known === undefined) slot.tenants.set(tenantId, (scope = new Map()))
    else scope = known
  }
  const key = keyOf(channels)
  let p = scope.get(key)
  // The count tells `["email,sms"]` (not a channel type: validated, refused) from `["email", "sms"]`.
  if (p === undefined || p.prepared.channels.length !== channels.length) {
    // Cleared when the bound is reached: the scope map is then re-created on the next call.
    p = prepare(model, slot, channels, tenantId)
    if (tenantId !== undefined && !slot.tenants.has(tenantId)) slot.tenants.set(tenantId, scope)
    scope.set(key, p)
  }
  return p
}

/**
 * M§3 for the requested channel types (the domain's `prepareEvaluation` + `evaluatePrepared`, as
 * the service's evaluation); `undefined` when the notiflow is unknown or deleted (404 on the API).
 * A user whose sets hold no choice gets the prepared decisions on defaults (the same function's
 * answer for empty sets, computed once).
 */
export const evaluateIn = (
  model: ReplicaModel,
  users: ReadonlyMap<string, ReplicaUser>,
  userId: string,
  notiflowId: string,
  channels: ReadonlyArray<ChannelType>,
  tenantId: string | undefined
): ReplicaEvaluation | undefined => {
  const slot = model.notiflows.get(notiflowId)
  if (slot === undefined) return undefined
  const p = preparedFor(model, slot, channels, tenantId)
  const user = users.get(userId)
  if (user === undefined) return { user_id: userId, user_found: false, channel_types: p.onDefaults }
  const global = user.global
  if (tenantId === undefined) {
    return { user_id: userId, user_found: true, channel_types: global === emptyChoicesV2 ? p.onDefaults : evaluatePrepared(p.prepared, global, undefined) }
  }
  const tenantSet = user.tenants?.get(tenantId)?.preferences ?? emptyChoicesV2
  const onDefaults = global === emptyChoicesV2 && tenantSet === emptyChoicesV2
  return { user_id: userId, user_found: true, channel_types: onDefaults ? p.onDefaults : evaluatePrepared(p.prepared, global, tenantSet) }
}
