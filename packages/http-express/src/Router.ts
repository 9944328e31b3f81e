/**
 * `makeRouter`: the whole API (API.md §5) as an Express router a host app mounts under any
 * prefix. Requests run one pipeline in the contract's order (§3): route (404/405) →
 * authentication (401) and origin (403) → `afterAuth` hooks (rate limits) → content type,
 * size and JSON syntax (415/413/400) → `aroundHandler` hooks (idempotency) → the handler
 * (path parameters 400, existence 404, body 422, If-Match 412). The router writes responses
 * itself (not `res.send`), so a host's `etag`/`fresh` settings never alter them.
 */
import * as Effect from "effect/Effect"
import express from "express"
import type { Request, Response } from "express"
import type { Logger } from "pino"
import { ProjectRepository } from "@notiflows/domain"
import { authenticateAdmin, authenticatePublicKey, authenticateUser } from "./Auth.js"
import { readJsonBody } from "./Body.js"
import { checkOrigin, corsResponseHeaders, originAllowed, preflightHeaders } from "./Cors.js"
import type { ApiKind } from "./ErrorMapping.js"
import { envelope, fromExpressError, isApiFailure, toErrorResponse } from "./ErrorMapping.js"
import type { Reply, RequestContext } from "./Http.js"
import { header } from "./Http.js"
import { InternalError, MethodNotAllowed, RouteNotFound, Unauthenticated } from "./HttpErrors.js"
import { makeCredentialCache } from "./internal/CredentialCache.js"
import { makeMatcher } from "./internal/Dispatch.js"
import type { RouterRuntime } from "./internal/effectToPromise.js"
import { run } from "./internal/effectToPromise.js"
import { makeOpenApiDocument } from "./OpenApi.js"
import { REQUEST_ID_HEADER, requestIdOf } from "./RequestId.js"
import { logFields, makeRequestLogger } from "./RequestLog.js"
import { ROUTES } from "./routes/index.js"
import type { HandlerDeps } from "./routes/Route.js"
import { canonicalRoute } from "./routes/Route.js"

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
  /** After every response of the router's routes (metrics). `route` is the template. */
  readonly onResponse?: (info: { readonly method: string; readonly route: string; readonly status: number; readonly seconds: number }) => void
}

export interface RouterOptions {
  /** Request logs and error causes. */
  readonly logger: Logger
  /** How long keys and project settings are cached in-process; default and maximum 5,000 ms. */
  readonly keyCacheTtlMs?: number
  /** The clock for caches and token times (ms since the epoch); default `Date.now`. */
  readonly now?: () => number
  /** `/readyz`: default, one cheap query through the ProjectRepository port. */
  readonly readiness?: () => Promise<boolean>
  /** `/metrics` in Prometheus text format; 404 when absent. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly text: string }>
  readonly hooks?: RouterHooks
}

/** The most an in-process cache may lag behind other instances (API.md §2). */
export const MAX_CACHE_TTL_MS = 5_000

const NIL_UUID = "00000000-0000-0000-0000-000000000000"

/**
 * The Express router serving the admin API (`/admin`, `/admin/v1`), the User API (`/user`,
 * `/user/v1`), `/healthz`, `/readyz` and `/openapi.json`. Paths outside these are left to the
 * host app (`next()`).
 */
export const makeRouter = (runtime: RouterRuntime, options: RouterOptions): express.Router => {
  const now = options.now ?? Date.now
  const ttl = Math.min(Math.max(options.keyCacheTtlMs ?? MAX_CACHE_TTL_MS, 0), MAX_CACHE_TTL_MS)
  const cache = makeCredentialCache(runtime, ttl, now)
  const auth = { cache, now }
  const match = makeMatcher(ROUTES)
  let openApi: unknown
  const deps: HandlerDeps = {
    runtime,
    readiness:
      options.readiness ?? (() => run(runtime, Effect.as(Effect.flatMap(ProjectRepository, (p) => p.get(NIL_UUID)), true))),
    openApi: () => (openApi ??= makeOpenApiDocument(ROUTES)),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {})
  }
  const hooks = options.hooks ?? {}
  const requestLog = makeRequestLogger(options.logger)
  const logger = options.logger

  const errorReply = (error: unknown, api: ApiKind, requestId: string): Reply => {
    const failure = isApiFailure(error) ? error : (fromExpressError(error) ?? new InternalError({ cause: error }))
    if (failure._tag === "InternalError") logger.error({ err: failure.cause, request_id: requestId }, "unhandled error")
    if (failure._tag === "RepositoryError") {
      logger.error({ err: failure.cause, operation: failure.operation, unavailable: failure.unavailable, request_id: requestId }, "repository error")
    }
    const mapped = toErrorResponse(failure, api)
    return { status: mapped.status, body: envelope(mapped, requestId), headers: mapped.headers }
  }

  /** CORS headers for a User API response (see Cors.ts for the policy). */
  const cors = async (req: Request, ctx: RequestContext | undefined): Promise<Record<string, string>> => {
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

  const send = (req: Request, res: Response, reply: Reply, extra: Readonly<Record<string, string>>): void => {
    if (res.headersSent) {
      res.end()
      return
    }
    res.statusCode = reply.status
    const headers = { "Cache-Control": "no-store", ...extra, ...reply.headers }
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
    if (reply.text !== undefined) {
      res.setHeader("Content-Length", String(Buffer.byteLength(reply.text)))
      res.end(req.method === "HEAD" ? undefined : reply.text)
      return
    }
    if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
      res.end()
      return
    }
    const bytes = Buffer.from(JSON.stringify(reply.body), "utf8")
    res.setHeader("Content-Type", "application/json; charset=utf-8")
    res.setHeader("Content-Length", String(bytes.length))
    res.end(req.method === "HEAD" ? undefined : bytes)
  }

  const handle = async (req: Request, res: Response): Promise<void> => {
    const found = match(req.method, req.path)
    if (found._tag === "NotOurs") throw new Error("unreachable")
    const api = found._tag === "Found" ? found.route.api : found.api
    const started = process.hrtime.bigint()
    const requestId = requestIdOf(req.headers)
    const fields = logFields(res)
    fields.request_id = requestId
    res.setHeader(REQUEST_ID_HEADER, requestId)
    requestLog(req, res)
    let ctx: RequestContext | undefined
    let extra: Record<string, string> = {}
    let reply: Reply
    try {
      if (found._tag === "NoRoute") throw new RouteNotFound({ path: req.path })
      if (found._tag === "WrongMethod") {
        fields.route = found.template
        if (req.method !== "OPTIONS") throw new MethodNotAllowed({ allow: found.allow })
        // Preflights and OPTIONS need no auth (API.md §2).
        const origin = header(req.headers, "origin")
        const methods = found.allow.filter((m) => m !== "OPTIONS")
        const allowed = found.api === "user" && origin !== undefined && originAllowed(origin, await cache.anyProjectOrigins())
        reply = {
          status: 204,
          headers: {
            Allow: found.allow.join(", "),
            ...(found.api === "user" ? { Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" } : {}),
            ...(allowed ? preflightHeaders(origin, methods) : {})
          }
        }
        send(req, res, reply, {})
        return
      }
      const { route } = found
      fields.route = `${route.method} ${found.template}`
      const context: RequestContext = {
        requestId,
        api: route.api,
        method: route.method,
        route: found.template,
        rawParams: found.params,
        query: new URLSearchParams(req.url.includes("?") ? req.url.slice(req.url.indexOf("?") + 1) : ""),
        headers: req.headers
      }
      ctx = context
      try {
        if (route.api === "admin") context.principal = await authenticateAdmin(auth, req.headers)
        else if (route.api === "user") {
          const project = await authenticatePublicKey(auth, req.headers)
          context.principal = await authenticateUser(auth, project, req.headers)
        }
      } catch (error) {
        // Failed authentications are limited per client address; valid credentials never count.
        if (error instanceof Unauthenticated && hooks.onAuthFailure !== undefined) {
          await hooks.onAuthFailure(req.ip ?? req.socket.remoteAddress ?? "unknown")
        }
        throw error
      }
      if (route.api === "user" && context.principal !== undefined) checkOrigin(context.principal.project, header(req.headers, "origin"))
      if (context.principal !== undefined) fields.project_id = context.principal.project.id
      if (hooks.afterAuth !== undefined) extra = { ...(await hooks.afterAuth(context)) }
      if (route.body) context.body = await readJsonBody(req)
      const next = (): Promise<Reply> => route.handle(context, deps).catch((e: unknown) => errorReply(e, api, requestId))
      reply = hooks.aroundHandler !== undefined ? await hooks.aroundHandler(context, next) : await next()
    } catch (error) {
      reply = errorReply(error, api, requestId)
    }
    if (api === "user") extra = { ...extra, ...(await cors(req, ctx)) }
    send(req, res, reply, extra)
    hooks.onResponse?.({
      method: req.method,
      route: found._tag === "Found" ? canonicalRoute(found.template) : found._tag === "WrongMethod" ? found.template : "unmatched",
      status: reply.status,
      seconds: Number(process.hrtime.bigint() - started) / 1e9
    })
  }

  const router = express.Router()
  router.use((req, res, next) => {
    if (match(req.method, req.path)._tag === "NotOurs") {
      next()
      return
    }
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, "response failed")
      if (!res.headersSent) res.status(500).end()
    })
  })
  return router
}
