/**
 * `GET, PUT /admin/branding` (LINKS.md §2.4): every field with its default filled, a strong ETag
 * (304 on `If-None-Match`), PUT a merge patch with `If-Match` (`Idempotency-Key` is the router's hook).
 */
import type { BrandingJson, ProjectId } from "@notiflows/domain"
import { BrandingJson as BrandingJsonSchema, BrandingPatchSchema, getBranding, updateBranding } from "@notiflows/domain"
import { etagOfResource, ifMatchHolds, noneMatchHits } from "../ETag.js"
import type { Reply, RequestContext } from "../Http.js"
import { header, principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import type { HandlerDeps, RouteSpec } from "./Route.js"

const ETAG_HEADERS = ["ETag"] as const
const JSON_CONTENT_TYPE = "application/json; charset=utf-8"
const CACHE_CONTROL = "private, no-cache"

const projectOf = (ctx: RequestContext): ProjectId => principalOf(ctx).project.id as ProjectId

/** The tag of the branding body: strong, representation-based. */
const brandingTag = (text: string): string => etagOfResource("branding", text)

const reply = (body: BrandingJson): Reply => {
  const text = JSON.stringify(body)
  return { status: 200, text, headers: { "Content-Type": JSON_CONTENT_TYPE, ETag: brandingTag(text), "Cache-Control": CACHE_CONTROL } }
}

const read = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const out = reply(await run(deps.runtime, getBranding(projectOf(ctx))))
  const etag = out.headers?.["ETag"] ?? ""
  const ifNoneMatch = header(ctx.headers, "if-none-match")
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) return { status: 304, headers: { ETag: etag, "Cache-Control": CACHE_CONTROL } }
  return out
}

const write = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const ifMatch = header(ctx.headers, "if-match")
  const precondition =
    ifMatch === undefined
      ? undefined
      : (body: BrandingJson): string | undefined => {
          const current = brandingTag(JSON.stringify(body))
          return ifMatchHolds(ifMatch, [current]) ? undefined : current
        }
  return reply(await run(deps.runtime, updateBranding(projectOf(ctx), ctx.body, precondition)))
}

const tags = ["Branding"]

export const brandingRoutes: ReadonlyArray<RouteSpec> = [
  {
    api: "admin", method: "GET", path: "/branding", body: false, tags, operationId: "getBranding",
    summary: "The project's branding for link pages, every default filled", conditional: ["If-None-Match"],
    responses: {
      200: { description: "the branding", schema: BrandingJsonSchema, headers: ETAG_HEADERS },
      304: { description: "not modified", headers: ETAG_HEADERS }
    },
    handle: read
  },
  {
    api: "admin", method: "PUT", path: "/branding", body: true, tags, operationId: "updateBranding",
    summary: "Merge-patch the branding (null = the default)", request: BrandingPatchSchema, conditional: ["If-Match"],
    responses: { 200: { description: "the branding after the write", schema: BrandingJsonSchema, headers: ETAG_HEADERS } },
    handle: write
  }
]
