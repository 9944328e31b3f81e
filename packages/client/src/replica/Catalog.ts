/**
 * The catalog and defaults the replica follows (EVENTS.md §2): the live notiflows and categories
 * as `GET` shows them, the stored project defaults and the tenants' defaults, kept current by
 * `notiflow.*`, `category.*`, `defaults.updated` and `tenant_defaults.updated` from the feed, in
 * feed order, idempotently by revision. The model `evaluate` reads is rebuilt from it (`toModel`).
 */
import type { ProjectDefaults, TenantDefaults } from "@notiflows/domain"
import type { ReplicaModel } from "./Model.js"
import { modelOf } from "./Model.js"

type ModelInput = Parameters<typeof modelOf>[0]
export type NotiflowItem = ModelInput["notiflows"][number]
export type CategoryItem = ModelInput["categories"][number]

export interface ReplicaCatalog {
  /** Live notiflows by id (`categories`: its live categories, as the GET object lists them). */
  readonly notiflows: Map<string, NotiflowItem>
  /** Live categories by id. */
  readonly categories: Map<string, CategoryItem>
  /** The stored project defaults (`GET /admin/preferences/defaults/explicit`). */
  defaults: ProjectDefaults
  /** Replicated tenants' defaults (a tenant absent here has empty defaults). */
  readonly tenants: Map<string, TenantDefaults>
  /**
   * The revision each entity is known at, by the event's ordering key (`notiflow:<id>`,
   * `category:<id>`, `project`, `tenant:<id>`); absent: loaded by a snapshot, revision unknown.
   * Deleted entities keep theirs, so a replayed older event cannot bring one back.
   */
  readonly revisions: Map<string, number>
}

export const catalogOf = (input: ModelInput): ReplicaCatalog => ({
  notiflows: new Map(input.notiflows.map((n) => [n.id, n])),
  categories: new Map(input.categories.map((c) => [c.id, c])),
  defaults: input.defaults,
  tenants: new Map(input.tenants),
  revisions: new Map()
})

export const toModel = (catalog: ReplicaCatalog): ReplicaModel =>
  modelOf({ notiflows: [...catalog.notiflows.values()], categories: [...catalog.categories.values()], defaults: catalog.defaults, tenants: catalog.tenants })

/**
 * What an applied event changed: `model` (the catalog or the project defaults: rebuild the model),
 * `tenant` (one tenant's defaults: forget what was prepared for it), `category` (a category was
 * created or restored: rebuild, and re-read the notiflows' category lists, which name only live
 * categories), or nothing (`undefined`: not a catalog event, an older revision, a tenant not kept).
 */
export type CatalogChange = { readonly kind: "model" } | { readonly kind: "category" } | { readonly kind: "tenant"; readonly tenantId: string } | undefined

const MODEL = { kind: "model" } as const
const CATEGORY = { kind: "category" } as const

/** True (and the revision recorded) when the event is newer than what the copy holds. */
const newer = (catalog: ReplicaCatalog, key: string, revision: unknown): boolean => {
  if (typeof revision !== "number") return true
  const known = catalog.revisions.get(key)
  if (known !== undefined && revision <= known) return false
  catalog.revisions.set(key, revision)
  return true
}

export const applyCatalogEvent = (
  catalog: ReplicaCatalog,
  type: string,
  d: Record<string, unknown>,
  keepsTenant: (tenantId: string) => boolean
): CatalogChange => {
  switch (type) {
    case "notiflow.created":
    case "notiflow.updated": {
      const n = d["notiflow"] as NotiflowItem
      if (!newer(catalog, `notiflow:${n.id}`, d["revision"])) return undefined
      catalog.notiflows.set(n.id, n)
      return MODEL
    }
    case "notiflow.deleted": {
      const id = d["notiflow_id"] as string
      if (!newer(catalog, `notiflow:${id}`, d["revision"])) return undefined
      catalog.notiflows.delete(id)
      return MODEL
    }
    case "category.created":
    case "category.updated": {
      const c = d["category"] as CategoryItem
      if (!newer(catalog, `category:${c.id}`, d["revision"])) return undefined
      const known = catalog.categories.has(c.id)
      catalog.categories.set(c.id, c)
      return type === "category.created" || !known ? CATEGORY : MODEL
    }
    case "category.deleted": {
      // The notiflows keep the membership (the model's catalog holds live categories only, so
      // `liveCategoriesOf` skips it), as the service keeps its membership rows.
      const id = d["category_id"] as string
      if (!newer(catalog, `category:${id}`, d["revision"])) return undefined
      catalog.categories.delete(id)
      return MODEL
    }
    case "defaults.updated": {
      if (!newer(catalog, "project", d["revision"])) return undefined
      catalog.defaults = d["defaults"] as ProjectDefaults
      return MODEL
    }
    case "tenant_defaults.updated": {
      const tenantId = d["tenant_id"] as string
      if (!keepsTenant(tenantId) || !newer(catalog, `tenant:${tenantId}`, d["revision"])) return undefined
      catalog.tenants.set(tenantId, d["defaults"] as TenantDefaults)
      return { kind: "tenant", tenantId }
    }
    default:
      return undefined
  }
}

/**
 * Replaces every live notiflow's category list with the listed one (after a category was created
 * or restored, a notiflow's live list may name it again). Other fields follow the events.
 */
export const applyMemberships = (catalog: ReplicaCatalog, listed: ReadonlyArray<NotiflowItem>): void => {
  for (const n of listed) {
    const mine = catalog.notiflows.get(n.id)
    if (mine !== undefined) catalog.notiflows.set(n.id, { ...mine, categories: n.categories })
  }
}
