/**
 * A route as data: what it serves (for dispatch), what it documents (for OpenAPI) and how it
 * handles a request. Paths are relative to the API base (`/admin`, `/user`, or the mount point
 * for service routes) and use `{param}` placeholders.
 */
import type * as Schema from "effect/Schema"
import type { ApiKind } from "../ErrorMapping.js"
import type { Reply, RequestContext } from "../Http.js"
import type { RouterRuntime } from "../internal/effectToPromise.js"

export type Method = "GET" | "PUT" | "POST" | "DELETE"

/** What handlers get from the router. */
export interface HandlerDeps {
  readonly runtime: RouterRuntime
  readonly readiness: () => Promise<boolean>
  readonly openApi: () => unknown
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly text: string }>
}

/** A query parameter, documented in OpenAPI (validated by the handler). */
export interface QueryParam {
  readonly name: string
  readonly description: string
  readonly schema: Readonly<Record<string, unknown>>
}

export interface RouteSpec {
  readonly api: ApiKind
  readonly method: Method
  readonly path: string
  /** The route takes a JSON body (415/413/400 checks apply). */
  readonly body: boolean
  readonly operationId: string
  readonly summary: string
  readonly tags: ReadonlyArray<string>
  readonly request?: Schema.Schema.Any
  /** Success statuses with their body schema (`undefined` = no body). */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: Schema.Schema.Any }>>
  readonly query?: ReadonlyArray<QueryParam>
  /** Conditional request headers it honours, for OpenAPI. */
  readonly conditional?: ReadonlyArray<"If-Match" | "If-None-Match">
  readonly handle: (ctx: RequestContext, deps: HandlerDeps) => Promise<Reply>
}

/** API base paths (API.md §2 and §5). */
export const BASES: { readonly [K in ApiKind]: ReadonlyArray<string> } = {
  admin: ["/admin", "/admin/v1"],
  user: ["/user", "/user/v1"],
  service: [""]
}

/** A route template with its `/v1` alias folded (`/admin/v1/…` and `/admin/…` are one route). */
export const canonicalRoute = (template: string): string => template.replace(/^\/(admin|user)\/v1(?=\/|$)/, "/$1")

/** JSON reply helper. */
export const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply => ({ status, body, headers })
