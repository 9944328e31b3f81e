/**
 * Catalog and project-defaults routes (API.md §5).
 */
import * as Schema from "effect/Schema"
import type { Attribution, ProjectId } from "@notiflows/domain"
import {
  DefaultsJson,
  DefaultsPatchSchema,
  ExplicitDefaultsJson,
  defaultsToExplicitJson,
  defaultsToJson,
  deleteNotiflow,
  getDefaults,
  getNotiflowV2,
  listNotiflowsV2,
  NotiflowJsonV2,
  notiflowToJsonV2,
  NotiflowUpsertV2Schema,
  PageInfo,
  updateDefaults,
  upsertNotiflowV2
} from "@notiflows/domain"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import { idKey, notiflowIdParam, PAGE_QUERY, pageQuery } from "./Params.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"
import { json } from "./Route.js"

export const NotiflowPage = Schema.Struct({ items: Schema.Array(NotiflowJsonV2), page: PageInfo }).annotations({ identifier: "NotiflowPage" })

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id

/** Who writes the catalog over the admin API (EVENTS.md §2: catalog events' `source`). */
export const adminAttribution = (ctx: RequestContext): Attribution => ({ actor: principalOf(ctx).actor, requestId: ctx.requestId, source: "admin_api" })

const upsert = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const id = notiflowIdParam(ctx)
  const { notiflow, created, categories } = await run(deps.runtime, upsertNotiflowV2(projectOf(ctx), id, ctx.body, adminAttribution(ctx)))
  return json(created ? 201 : 200, notiflowToJsonV2(notiflow, categories))
}

const read = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const id = notiflowIdParam(ctx)
  const { notiflow, categories } = await run(deps.runtime, getNotiflowV2(projectOf(ctx), id))
  return json(200, notiflowToJsonV2(notiflow, categories))
}

const remove = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const id = notiflowIdParam(ctx)
  await run(deps.runtime, deleteNotiflow(projectOf(ctx), id, adminAttribution(ctx)))
  return { status: 204 }
}

const list = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const query = pageQuery(ctx, idKey)
  const { items, page } = await run(deps.runtime, listNotiflowsV2(projectOf(ctx), query))
  return json(200, { items: items.map((i) => notiflowToJsonV2(i.notiflow, i.categories)), page })
}

const readDefaults = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> =>
  json(200, defaultsToJson(await run(deps.runtime, getDefaults(projectOf(ctx)))))

const readExplicitDefaults = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> =>
  json(200, defaultsToExplicitJson(await run(deps.runtime, getDefaults(projectOf(ctx)))))

const patchDefaults = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> =>
  json(200, defaultsToJson(await run(deps.runtime, updateDefaults(projectOf(ctx), ctx.body, adminAttribution(ctx)))))

const catalog = ["Notiflows"]
const defaults = ["Defaults"]

export const catalogRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "PUT", path: "/notiflows/{notiflow_id}", body: true, tags: catalog, operationId: "upsertNotiflow",
    summary: "Create, update (merge patch) or restore a notiflow (with its ordered categories)", request: NotiflowUpsertV2Schema,
    responses: { 200: { description: "updated", schema: NotiflowJsonV2 }, 201: { description: "created or restored", schema: NotiflowJsonV2 } },
    handle: upsert
  },
  {
    api: "admin", method: "GET", path: "/notiflows/{notiflow_id}", body: false, tags: catalog, operationId: "getNotiflow",
    summary: "Read a live notiflow", errors: [404], responses: { 200: { description: "the notiflow", schema: NotiflowJsonV2 } }, handle: read
  },
  {
    api: "admin", method: "DELETE", path: "/notiflows/{notiflow_id}", body: false, tags: catalog, operationId: "deleteNotiflow",
    summary: "Soft-delete a notiflow (stored choices are kept)", errors: [404], responses: { 204: { description: "deleted" } }, handle: remove
  },
  {
    api: "admin", method: "GET", path: "/notiflows", body: false, tags: catalog, operationId: "listNotiflows",
    summary: "Live notiflows by id", query: PAGE_QUERY,
    responses: { 200: { description: "a page of notiflows", schema: NotiflowPage } }, handle: list
  },
  {
    api: "admin", method: "GET", path: "/preferences/defaults", body: false, tags: defaults, operationId: "getDefaults",
    summary: "The project's effective channel-type defaults", responses: { 200: { description: "defaults", schema: DefaultsJson } },
    handle: readDefaults
  },
  {
    api: "admin", method: "GET", path: "/preferences/defaults/explicit", body: false, tags: defaults, operationId: "getExplicitDefaults",
    summary: "The project's stored channel-type defaults only (a type never set is absent; for copies such as the replica)",
    responses: { 200: { description: "the stored defaults", schema: ExplicitDefaultsJson } }, handle: readExplicitDefaults
  },
  {
    api: "admin", method: "PUT", path: "/preferences/defaults", body: true, tags: defaults, operationId: "updateDefaults",
    summary: "Merge-patch the channel-type defaults (null returns a type to true)", request: DefaultsPatchSchema,
    responses: { 200: { description: "defaults after the write", schema: DefaultsJson } }, handle: patchDefaults
  }
]
