/**
 * A route as data: what it serves (for dispatch), what it documents (for OpenAPI) and how it
 * handles a request. Paths are relative to the API base (`/admin`, `/user`, or the mount point
 * for service routes) and use `{param}` placeholders.
 */
import type * as Schema from "effect/Schema"
import type { ApiKind } from "../ErrorMapping.js"
import type { Reply, RequestContext } from "../Http.js"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import type { PublicUrl } from "../links/PublicUrl.js"

export type Method = "GET" | "PUT" | "POST" | "PATCH" | "DELETE"

/** What handlers get from the router. */
export interface HandlerDeps {
  readonly runtime: RouterRuntime
  readonly readiness: () => Promise<boolean>
  /** The OpenAPI document for the router's mount point (`req.baseUrl`, `""` at the root). */
  readonly openApi: (baseUrl: string) => unknown
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly text: string }>
  /** Where links point (LINKS.md §2.3). */
  readonly publicUrl: PublicUrl
  /** The router's clock (ms since the epoch). */
  readonly now: () => number
  /** `false`: end-user contexts are not recorded (EVENTS.md §1, `NOTIFLOWS_CONSENT_CONTEXT_DAYS=0`). */
  readonly recordConsentContext: boolean
}

/** Response headers an operation may send, beyond those every response of its API carries. */
export type ResponseHeader = "ETag" | "Location" | "Content-Disposition"

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
  /** Its size limit in bytes (default `BODY_LIMIT`, 256 KiB). */
  readonly bodyLimit?: number
  readonly operationId: string
  readonly summary: string
  readonly tags: ReadonlyArray<string>
  readonly request?: Schema.Schema.Any
  /** Success statuses with their body schema (`undefined` = no body) and headers. */
  readonly responses: Readonly<
    Record<
      number,
      {
        readonly description: string
        readonly schema?: Schema.Schema.Any
        /** A body that is not a Schema's (the document itself, metrics text). */
        readonly content?: { readonly mediaType: string; readonly schema: Readonly<Record<string, unknown>> }
        readonly headers?: ReadonlyArray<ResponseHeader>
      }
    >
  >
  /**
   * Error statuses this route answers beyond those its shape implies (see OpenApi.ts
   * `errorStatuses`): 404 when it names a resource that may not exist; for service routes, all
   * of them.
   */
  readonly errors?: ReadonlyArray<number>
  readonly query?: ReadonlyArray<QueryParam>
  /** Conditional request headers it honours, for OpenAPI. */
  readonly conditional?: ReadonlyArray<"If-Match" | "If-None-Match">
  /** It takes `x-notiflows-consent-context` (EVENTS.md, Decisions 1), for OpenAPI. */
  readonly consentHeader?: true
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
