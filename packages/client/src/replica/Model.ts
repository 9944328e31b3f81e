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

/** One user's sets: the global set and its user×tenant sets. */
export interface ReplicaUser {
  global: ReplicaSet
  readonly tenants: Map<string, ReplicaSet>
}

/** The catalog, the project defaults and the tenants' defaults (refreshed on an interval). */
export interface ReplicaModel {
  readonly catalog: ModelCatalog
  readonly notiflows: ReadonlyMap<string, NotiflowCatalogEntry>
  readonly defaults: ProjectDefaults
  readonly tenants: ReadonlyMap<string, TenantDefaults>
}

/** The answer of `replica.evaluate`: as an item of the batch evaluation's `results`. */
export interface ReplicaEvaluation {
  readonly user_id: string
  readonly user_found: boolean
  readonly channel_types: DecisionsV2
}

const emptySet: ReplicaSet = { version: 0, preferences: emptyChoicesV2 }
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
    notiflows: new Map(notiflows.map((n) => [n.id as string, n])),
    defaults: { channel_types },
    tenants: input.tenants
  }
}

/** Keeps the higher version: applying a set twice, or one older than the copy, changes nothing. */
export const applySet = (users: Map<string, ReplicaUser>, userId: string, tenantId: string | null, set: ReplicaSet): void => {
  let user = users.get(userId)
  if (user === undefined) {
    user = { global: emptySet, tenants: new Map() }
    users.set(userId, user)
  }
  if (tenantId === null) {
    if (set.version >= user.global.version) user.global = set
  } else {
    const current = user.tenants.get(tenantId)
    if (current === undefined || set.version >= current.version) user.tenants.set(tenantId, set)
  }
}

/** A user the service knows (created, or listed with version 0) with no set written yet. */
export const addUser = (users: Map<string, ReplicaUser>, userId: string): void => {
  if (!users.has(userId)) users.set(userId, { global: emptySet, tenants: new Map() })
}

// The catalog's and the tenant's part of a decision, per model (immutable) and (notiflow, tenant,
// channels): what the service's batch evaluation reads once per batch, read once per model here.
const preparedByModel = new WeakMap<ReplicaModel, Map<string, PreparedEvaluation>>()
const MAX_PREPARED = 10_000

const preparedFor = (model: ReplicaModel, notiflow: NotiflowCatalogEntry, channels: ReadonlyArray<ChannelType>, tenantId: string | undefined) => {
  let cache = preparedByModel.get(model)
  if (cache === undefined) preparedByModel.set(model, (cache = new Map()))
  const key = `${notiflow.id}\u0000${tenantId ?? ""}\u0000${tenantId === undefined ? "g" : "t"}\u0000${channels.join(",")}`
  let prepared = cache.get(key)
  if (prepared === undefined) {
    const tenant = tenantId === undefined ? undefined : (model.tenants.get(tenantId) ?? emptyTenantDefaults)
    prepared = prepareEvaluation(tenant, notiflow, liveCategoriesOf(model.catalog, notiflow.id), model.defaults, channels)
    if (cache.size >= MAX_PREPARED) cache.clear()
    cache.set(key, prepared)
  }
  return prepared
}

/**
 * M§3 for the requested channel types (the domain's `prepareEvaluation` + `evaluatePrepared`, as
 * the service's evaluation); `undefined` when the notiflow is unknown or deleted (404 on the API).
 */
export const evaluateIn = (
  model: ReplicaModel,
  users: ReadonlyMap<string, ReplicaUser>,
  userId: string,
  notiflowId: string,
  channels: ReadonlyArray<ChannelType>,
  tenantId: string | undefined
): ReplicaEvaluation | undefined => {
  for (const c of channels) if (!channelSet.has(c)) throw new TypeError(`unknown channel type: ${String(c)}`)
  const notiflow = model.notiflows.get(notiflowId)
  if (notiflow === undefined) return undefined
  const user = users.get(userId)
  const global = user?.global.preferences ?? emptyChoicesV2
  const tenantSet = tenantId === undefined ? undefined : (user?.tenants.get(tenantId)?.preferences ?? emptyChoicesV2)
  const channel_types: DecisionsV2 = evaluatePrepared(preparedFor(model, notiflow, channels, tenantId), global, tenantSet)
  return { user_id: userId, user_found: user !== undefined, channel_types }
}
