/**
 * The router's request pipeline types: a request context built step by step (API.md §3 order)
 * and a reply value, which the router alone turns into bytes. Replies are values so the
 * idempotency hook (Idempotency.ts) can store and replay them.
 */
import type { IncomingHttpHeaders } from "node:http"
import type { Actor, ExternalUserId, Project, TenantId } from "@notiflows/domain"
import type { ApiKind } from "./ErrorMapping.js"

/** A response as data. `body` is JSON-serialisable; `undefined` = no body (204, 304). */
export interface Reply {
  readonly status: number
  readonly body?: unknown
  /** A non-JSON body (e.g. Prometheus text); its `Content-Type` comes from `headers`. */
  readonly text?: string
  /** A body already encoded as UTF-8 bytes (a large JSON written in place); `Content-Type` from `headers`. */
  readonly bytes?: Buffer
  readonly headers?: Readonly<Record<string, string>>
  /**
   * A streamed body (chunked, no `Content-Length`), written after the status and headers: `write`
   * resolves once the chunk is taken (backpressure) and rejects when the client is gone. A
   * failure after this starts aborts the connection (a truncated body must not look complete).
   */
  readonly stream?: (write: (chunk: string) => Promise<void>) => Promise<void>
}

/** Who made an authenticated request. */
export interface Principal {
  readonly project: Project
  readonly actor: Actor
  /** The user a User API request acts on (token `sub` or dev header). */
  readonly externalUserId?: ExternalUserId
  /** The user token's `tenant` claim (MODEL.md §5): the request's scope is that tenant, never global. */
  readonly tenantClaim?: TenantId
}

/** What a handler sees. Mutable only inside the pipeline that builds it. */
export interface RequestContext {
  readonly requestId: string
  readonly api: ApiKind
  readonly method: string
  /** The route template (e.g. `/admin/users/{user_id}/preferences`), for logs and OpenAPI. */
  readonly route: string
  /** Raw (still percent-encoded) path parameters; handlers validate them in §3 order. */
  readonly rawParams: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  /** Where the router is mounted (Express's `req.baseUrl`; `""` at the root). */
  readonly baseUrl: string
  /** The client address as the transport reports it (Express `req.ip`, so `trust proxy` applies), if any. */
  readonly clientIp?: string | undefined
  /** `false`: no end-user consent context is recorded (EVENTS.md §1, `NOTIFLOWS_CONSENT_CONTEXT_DAYS=0`); absent = recorded. */
  readonly recordConsentContext?: boolean
  principal?: Principal
  /** The parsed JSON body, when the route takes one. */
  body?: unknown
}

/** `ctx.principal`, for handlers behind authentication. */
export const principalOf = (ctx: RequestContext): Principal => {
  if (ctx.principal === undefined) throw new Error("route handler reached without authentication")
  return ctx.principal
}

/** A single header value (the first when repeated). */
export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** EVENTS.md §1: at most this many code points of `User-Agent` are recorded. */
const USER_AGENT_CODE_POINTS = 512

/** The consent context of an end-user write: the client address and the `User-Agent` header's first 512 code points. */
export const consentContextOf = (ctx: RequestContext): { readonly ip: string | null; readonly user_agent: string | null } => {
  if (ctx.recordConsentContext === false) return { ip: null, user_agent: null }
  const ua = header(ctx.headers, "user-agent")
  return {
    ip: ctx.clientIp ?? null,
    user_agent: ua === undefined || ua === "" ? null : Array.from(ua).slice(0, USER_AGENT_CODE_POINTS).join("")
  }
}
