/**
 * Preference model v2 admin routes (MODEL.md §5): categories CRUD, tenant defaults with their
 * locks (strong ETag, 304, `If-Match`) and the tenants list.
 */
import type { ProjectId, TenantDefaults, TenantId } from "@notiflows/domain"
import {
  CategoryId,
  CategoryJson,
  categoryToJson,
  CategoryUpsertSchema,
  deleteCategory,
  deleteTenantDefaults,
  getCategory,
  getTenantDefaults,
  listCategories,
  listTenants,
  PageInfo,
  TenantDefaultsJson,
  TenantDefaultsPatchSchema,
  TenantId as TenantIdSchema,
  TenantSummary,
  updateTenantDefaults,
  upsertCategory
} from "@notiflows/domain"
import * as Schema from "effect/Schema"
import { etagOfResource, ifMatchHolds, noneMatchHits } from "../ETag.js"
import type { Reply, RequestContext } from "../Http.js"
import { header, principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import { categoryIdParam, idKey, PAGE_QUERY, pageQuery, tenantIdPathParam, userIdQuery } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"
import { adminAttribution } from "./Catalog.js"

const ETAG_HEADERS = ["ETag"] as const

export const CategoryPage = Schema.Struct({ items: Schema.Array(CategoryJson), page: PageInfo }).annotations({ identifier: "CategoryPage" })
export const TenantPage = Schema.Struct({ items: Schema.Array(TenantSummary), page: PageInfo }).annotations({ identifier: "TenantPage" })
const encodeCategoryPage = Schema.encodeSync(CategoryPage)
const encodeTenantPage = Schema.encodeSync(TenantPage)

const JSON_CONTENT_TYPE = "application/json; charset=utf-8"
const DEFAULTS_CACHE_CONTROL = "private, no-cache"

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

// --- categories ------------------------------------------------------------------------------

const upsert = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const id = categoryIdParam(ctx)
  const { category, created } = await run(deps.runtime, upsertCategory(projectOf(ctx), id, ctx.body, adminAttribution(ctx)))
  return json(created ? 201 : 200, categoryToJson(category))
}

const read = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const id = categoryIdParam(ctx)
  return json(200, categoryToJson(await run(deps.runtime, getCategory(projectOf(ctx), id))))
}

const remove = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const id = categoryIdParam(ctx)
  await run(deps.runtime, deleteCategory(projectOf(ctx), id, adminAttribution(ctx)))
  return { status: 204 }
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = pageQuery(ctx, idKey.pipe(Schema.compose(CategoryId)))
  const page = await run(deps.runtime, listCategories(projectOf(ctx), query))
  return json(200, encodeCategoryPage(page))
}

// --- tenant defaults -------------------------------------------------------------------------

/** The tag of a tenant's defaults body: the tenant and the JSON text (strong, representation-based). */
const defaultsTag = (tenantId: TenantId, text: string): string => etagOfResource(`tenant-defaults\n${tenantId}`, text)

const defaultsReply = (tenantId: TenantId, body: TenantDefaults): Reply => {
  const text = JSON.stringify(body)
  return {
    status: 200,
    text,
    headers: { "Content-Type": JSON_CONTENT_TYPE, ETag: defaultsTag(tenantId, text), "Cache-Control": DEFAULTS_CACHE_CONTROL }
  }
}

/** `If-Match` on the current body; `*` always holds (tenant defaults never 404). */
const defaultsPrecondition = (ctx: RequestContext, tenantId: TenantId) => {
  const ifMatch = header(ctx.headers, "if-match")
  if (ifMatch === undefined) return undefined
  return (body: TenantDefaults): string | undefined => {
    const current = defaultsTag(tenantId, JSON.stringify(body))
    return ifMatchHolds(ifMatch, [current]) ? undefined : current
  }
}

const readDefaults = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const tenantId = tenantIdPathParam(ctx)
  const reply = defaultsReply(tenantId, await run(deps.runtime, getTenantDefaults(projectOf(ctx), tenantId)))
  const etag = reply.headers?.["ETag"] ?? ""
  const ifNoneMatch = header(ctx.headers, "if-none-match")
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) {
    return { status: 304, headers: { ETag: etag, "Cache-Control": DEFAULTS_CACHE_CONTROL } }
  }
  return reply
}

const putDefaults = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const tenantId = tenantIdPathParam(ctx)
  const body = await run(deps.runtime, updateTenantDefaults(projectOf(ctx), tenantId, ctx.body, defaultsPrecondition(ctx, tenantId), adminAttribution(ctx)))
  return defaultsReply(tenantId, body)
}

const removeDefaults = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const tenantId = tenantIdPathParam(ctx)
  const body = await run(deps.runtime, deleteTenantDefaults(projectOf(ctx), tenantId, defaultsPrecondition(ctx, tenantId), adminAttribution(ctx)))
  return defaultsReply(tenantId, body)
}

// --- tenants ---------------------------------------------------------------------------------

const tenantKey = idKey.pipe(Schema.compose(TenantIdSchema))

const tenants = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = pageQuery(ctx, tenantKey)
  const user = userIdQuery(ctx)
  const page = await run(deps.runtime, listTenants(projectOf(ctx), query, user))
  return json(200, encodeTenantPage(page))
}

const categoryTags = ["Categories"]
const tenantTags = ["Tenants"]
const DEFAULTS = "/tenants/{tenant_id}/preferences/defaults"

export const modelRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "PUT", path: "/categories/{category_id}", body: true, tags: categoryTags, operationId: "upsertCategory",
    summary: "Create, update (merge patch) or restore a category", request: CategoryUpsertSchema,
    responses: { 200: { description: "updated", schema: CategoryJson }, 201: { description: "created or restored", schema: CategoryJson } },
    handle: upsert
  },
  {
    api: "admin", method: "GET", path: "/categories/{category_id}", body: false, tags: categoryTags, operationId: "getCategory",
    summary: "Read a live category", errors: [404], responses: { 200: { description: "the category", schema: CategoryJson } }, handle: read
  },
  {
    api: "admin", method: "DELETE", path: "/categories/{category_id}", body: false, tags: categoryTags, operationId: "deleteCategory",
    summary: "Soft-delete a category (choices, defaults, locks and memberships are kept)", errors: [404], responses: { 204: { description: "deleted" } },
    handle: remove
  },
  {
    api: "admin", method: "GET", path: "/categories", body: false, tags: categoryTags, operationId: "listCategories",
    summary: "Live categories by id", query: PAGE_QUERY,
    responses: { 200: { description: "a page of categories", schema: CategoryPage } }, handle: list
  },
  {
    api: "admin", method: "GET", path: "/tenants", body: false, tags: tenantTags, operationId: "listTenants",
    summary: "Existing tenants by id (with user_id: the tenants where that user has a set)", errors: [404],
    query: [...PAGE_QUERY, {
        name: "user_id",
        description: "only the tenants where this user has a set (404 user when unknown)",
        schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]+$" }
      }],
    responses: { 200: { description: "a page of tenants", schema: TenantPage } }, handle: tenants
  },
  {
    api: "admin", method: "GET", path: DEFAULTS, body: false, tags: tenantTags, operationId: "getTenantDefaults",
    summary: "A tenant's stored defaults and locks (never 404)", conditional: ["If-None-Match"],
    responses: {
      200: { description: "the tenant's defaults", schema: TenantDefaultsJson, headers: ETAG_HEADERS },
      304: { description: "not modified", headers: ETAG_HEADERS }
    },
    handle: readDefaults
  },
  {
    api: "admin", method: "PUT", path: DEFAULTS, body: true, tags: tenantTags, operationId: "updateTenantDefaults",
    summary: "Merge-patch a tenant's defaults and locks (every lock needs the value false)", request: TenantDefaultsPatchSchema,
    conditional: ["If-Match"],
    responses: { 200: { description: "the tenant's defaults after the write", schema: TenantDefaultsJson, headers: ETAG_HEADERS } },
    handle: putDefaults
  },
  {
    api: "admin", method: "DELETE", path: DEFAULTS, body: false, tags: tenantTags, operationId: "deleteTenantDefaults",
    summary: "Remove every value and lock of a tenant", conditional: ["If-Match"],
    responses: { 200: { description: "the emptied defaults", schema: TenantDefaultsJson, headers: ETAG_HEADERS } },
    handle: removeDefaults
  }
]
