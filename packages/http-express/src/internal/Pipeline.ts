/**
 * The steps of one request, in API.md §3 order, each a function: a preflight or 405 for a
 * known path with another method; for a route, its context → authentication (401) and origin
 * (403) → `afterAuth` hooks (rate limits) → content type, size and JSON syntax (415/413/400) →
 * `aroundHandler` hooks (idempotency) → the handler. Errors become replies in the §3 envelope.
 */
import type { Request } from "express"
import type { Logger } from "pino"
import type { AuthDeps } from "../Auth.js"
import { authenticateAdmin, authenticatePublicKey, authenticateUser } from "../Auth.js"
import { readJsonBody } from "../Body.js"
import { checkOrigin, corsResponseHeaders, originAllowed, preflightHeaders } from "../Cors.js"
import type { ApiKind } from "../ErrorMapping.js"
import { envelope, fromExpressError, isApiFailure, toErrorResponse } from "../ErrorMapping.js"
import type { Principal, Reply, RequestContext } from "../Http.js"
import { header } from "../Http.js"
import { InternalError, MethodNotAllowed, Unauthenticated } from "../HttpErrors.js"
import type { LogFields } from "../RequestLog.js"
import type { LinkRateLimits } from "../RateLimit.js"
import type { HandlerDeps } from "../routes/Route.js"
import type { CredentialCache } from "./CredentialCache.js"
import type { MatchResult } from "./Dispatch.js"
import { loggableError } from "./logError.js"

/** Extension points for cross-cutting features that slot into the §3 order. */
export interface RouterHooks {
  /**
   * After authentication and origin checks (§3: rate limits). Throw a transport error (e.g.
   * `RateLimited`) to refuse; returned headers are added to the response.
   */
  readonly afterAuth?: (ctx: RequestContext) => Promise<Readonly<Record<string, string>> | undefined>
  /**
   * Around the handler, after the body is parsed (§3: `Idempotency-Key`). `next` always
   * resolves to a reply, errors included (already in the §3 envelope), so it can be stored.
   */
  readonly aroundHandler?: (ctx: RequestContext, next: () => Promise<Reply>) => Promise<Reply>
  /**
   * After a failed authentication, with the client address (`req.ip`, so the host's
   * `trust proxy` applies). Throw `RateLimited` to answer 429 instead of 401.
   */
  readonly onAuthFailure?: (address: string) => Promise<void>
  /** The `/l` pages' limits (LINKS.md §6; `makeRateLimits(...).links`); none when absent. */
  readonly links?: LinkRateLimits
  /** After every response of the router's routes (metrics). `route` is the template. */
  readonly onResponse?: (info: { readonly method: string; readonly route: string; readonly status: number; readonly seconds: number }) => void
}

/** What the steps share, built once per router. */
export interface PipelineEnv {
  readonly auth: AuthDeps
  readonly cache: CredentialCache
  readonly deps: HandlerDeps
  readonly hooks: RouterHooks
  readonly logger: Logger
}

type Found = Extract<MatchResult, { readonly _tag: "Found" }>
type WrongMethod = Extract<MatchResult, { readonly _tag: "WrongMethod" }>

/** Any thrown value as a reply in the §3 envelope; internal and repository causes go to the log only. */
export const errorReply = (logger: Logger, error: unknown, api: ApiKind, requestId: string): Reply => {
  const failure = isApiFailure(error) ? error : (fromExpressError(error) ?? new InternalError({ cause: error }))
  if (failure._tag === "InternalError") logger.error({ error: loggableError(failure.cause, true), request_id: requestId }, "unhandled error")
  if (failure._tag === "RepositoryError") {
    // An unreachable database is expected during an outage: no stack for it.
    const cause = loggableError(failure.cause, !failure.unavailable)
    logger.error({ operation: failure.operation, unavailable: failure.unavailable, error: cause, request_id: requestId }, "repository error")
  }
  const mapped = toErrorResponse(failure, api)
  return { status: mapped.status, body: envelope(mapped, requestId), headers: mapped.headers }
}

/** CORS headers for a User API response (see Cors.ts for the policy). */
export const corsHeaders = async (req: Request, ctx: RequestContext | undefined, cache: CredentialCache): Promise<Record<string, string>> => {
  const origin = header(req.headers, "origin")
  if (origin === undefined) return { Vary: "Origin" }
  const project = ctx?.principal?.project
  let allowed = false
  try {
    allowed = project !== undefined ? originAllowed(origin, project.allowedOrigins) : originAllowed(origin, await cache.anyProjectOrigins())
  } catch {
    allowed = false
  }
  return allowed ? { Vary: "Origin", ...corsResponseHeaders(origin) } : { Vary: "Origin" }
}

/** A known path with another method: OPTIONS (and CORS preflights) answer 204 without auth (API.md §2), others 405. */
export const preflightReply = async (req: Request, found: WrongMethod, cache: CredentialCache): Promise<Reply> => {
  if (req.method !== "OPTIONS") throw new MethodNotAllowed({ allow: found.allow })
  const origin = header(req.headers, "origin")
  const methods = found.allow.filter((m) => m !== "OPTIONS")
  const allowed = found.api === "user" && origin !== undefined && originAllowed(origin, await cache.anyProjectOrigins())
  return {
    status: 204,
    headers: {
      Allow: found.allow.join(", "),
      ...(found.api === "user" ? { Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" } : {}),
      ...(allowed ? preflightHeaders(origin, methods) : {})
    }
  }
}

/** The request's context before authentication. */
const contextOf = (req: Request, found: Found, requestId: string, recordConsentContext: boolean): RequestContext => ({
  requestId,
  api: found.route.api,
  method: found.route.method,
  route: found.template,
  rawParams: found.params,
  query: new URLSearchParams(req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : ""),
  headers: req.headers,
  baseUrl: req.baseUrl,
  clientIp: req.ip ?? req.socket.remoteAddress,
  recordConsentContext
})

/** The principal of an admin or user route (none for service routes); failures may be limited per address. */
const authenticate = async (req: Request, api: ApiKind, env: PipelineEnv): Promise<Principal | undefined> => {
  try {
    if (api === "admin") return await authenticateAdmin(env.auth, req.headers)
    if (api === "user") return await authenticateUser(env.auth, await authenticatePublicKey(env.auth, req.headers), req.headers)
    return undefined
  } catch (error) {
    // Failed authentications are limited per client address; valid credentials never count.
    if (error instanceof Unauthenticated && env.hooks.onAuthFailure !== undefined) {
      await env.hooks.onAuthFailure(req.ip ?? req.socket.remoteAddress ?? "unknown")
    }
    throw error
  }
}

/** What a matched route answered, the context it built (for CORS) and the hooks' extra headers. */
export interface RouteOutcome {
  readonly reply: Reply
  readonly ctx: RequestContext
  readonly extra: Readonly<Record<string, string>>
}

/**
 * Runs a matched route through the §3 steps. A step that refuses (401, 403, 429, 415…) ends it
 * with its error reply, keeping the context and headers gathered so far; the handler's own
 * errors are replies already, inside `aroundHandler` (so idempotency can store them).
 */
export const routeReply = async (req: Request, found: Found, requestId: string, fields: LogFields, env: PipelineEnv): Promise<RouteOutcome> => {
  const { route } = found
  fields.route = `${route.method} ${found.template}`
  const ctx = contextOf(req, found, requestId, env.deps.recordConsentContext)
  let extra: Readonly<Record<string, string>> = {}
  try {
    const principal = await authenticate(req, route.api, env)
    if (principal !== undefined) {
      ctx.principal = principal
      if (route.api === "user") checkOrigin(principal.project, header(req.headers, "origin"))
      fields.project_id = principal.project.id
    }
    if (env.hooks.afterAuth !== undefined) extra = { ...(await env.hooks.afterAuth(ctx)) }
    if (route.body) ctx.body = await readJsonBody(req, route.bodyLimit)
    const next = (): Promise<Reply> => route.handle(ctx, env.deps).catch((e: unknown) => errorReply(env.logger, e, route.api, requestId))
    const reply = env.hooks.aroundHandler !== undefined ? await env.hooks.aroundHandler(ctx, next) : await next()
    return { reply, ctx, extra }
  } catch (error) {
    return { reply: errorReply(env.logger, error, route.api, requestId), ctx, extra }
  }
}
