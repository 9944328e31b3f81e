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
import { ProjectId, ProjectRepository } from "@notiflows/domain"
import type { Reply, RequestContext } from "./Http.js"
import { RouteNotFound } from "./HttpErrors.js"
import { makeCredentialCache } from "./internal/CredentialCache.js"
import type { MatchResult } from "./internal/Dispatch.js"
import { makeMatcher } from "./internal/Dispatch.js"
import type { RouterRuntime } from "./internal/effectToPromise.js"
import { run } from "./internal/effectToPromise.js"
import type { PipelineEnv, RouterHooks } from "./internal/Pipeline.js"
import { corsHeaders, errorReply, preflightReply, routeReply } from "./internal/Pipeline.js"
import { ConnectionClosed, sendReply } from "./internal/Send.js"
import { makeBrandingCache } from "./links/BrandingCache.js"
import type { LinkPagesEnv } from "./links/LinkPages.js"
import { handleLinkPage } from "./links/LinkPages.js"
import { parsePublicUrl } from "./links/PublicUrl.js"
import { makeOpenApiDocument } from "./OpenApi.js"
import { REQUEST_ID_HEADER, requestIdOf } from "./RequestId.js"
import { logFields, makeRequestLogger } from "./RequestLog.js"
import { ROUTES } from "./routes/index.js"
import { canonicalRoute } from "./routes/Route.js"
import { loggableError } from "./internal/logError.js"

export type { RouterHooks } from "./internal/Pipeline.js"

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
  /**
   * The absolute http(s) URL where this router is mounted, as mail recipients reach it (LINKS.md
   * §2.3): every link starts with it. Required; never derived from a request's `Host`.
   */
  readonly publicUrl: string
  /**
   * EVENTS.md §1, `NOTIFLOWS_CONSENT_CONTEXT_DAYS=0`: `false` records no end-user context at all
   * (every entry that would carry one gets `{"ip": null, "user_agent": null}`; the consent header
   * is still validated). Default `true`.
   */
  readonly recordConsentContext?: boolean
}

/** The most an in-process cache may lag behind other instances (API.md §2). */
export const MAX_CACHE_TTL_MS = 5_000

const NIL_UUID = ProjectId.make("00000000-0000-0000-0000-000000000000")

/** The pipeline's shared parts for one router. */
const pipelineEnv = (runtime: RouterRuntime, options: RouterOptions): PipelineEnv => {
  const now = options.now ?? Date.now
  const publicUrl = parsePublicUrl(typeof options.publicUrl === "string" ? options.publicUrl : "")
  if (!publicUrl.ok) {
    throw new TypeError(`makeRouter: the option publicUrl ${options.publicUrl === undefined ? "is required (the absolute URL of the router's mount point)" : publicUrl.problem}`)
  }
  const ttl = Math.min(Math.max(options.keyCacheTtlMs ?? MAX_CACHE_TTL_MS, 0), MAX_CACHE_TTL_MS)
  const cache = makeCredentialCache(runtime, ttl, now)
  // One document per mount point (a router is normally mounted once; bounded all the same).
  const documents = new Map<string, unknown>()
  const openApiFor = (baseUrl: string): unknown => {
    let doc = documents.get(baseUrl)
    if (doc === undefined) {
      doc = makeOpenApiDocument(ROUTES, baseUrl)
      if (documents.size < 16) documents.set(baseUrl, doc)
    }
    return doc
  }
  return {
    auth: { cache, now },
    cache,
    deps: {
      runtime,
      readiness:
        options.readiness ?? (() => run(runtime, Effect.as(Effect.flatMap(ProjectRepository, (p) => p.get(NIL_UUID)), true))),
      openApi: openApiFor,
      publicUrl: publicUrl.value,
      now,
      recordConsentContext: options.recordConsentContext ?? true,
      ...(options.metrics !== undefined ? { metrics: options.metrics } : {})
    },
    hooks: options.hooks ?? {},
    logger: options.logger
  }
}

/** The route label of metrics: the canonical template (`/admin` for `/admin/v1`), or `unmatched`. */
const metricsRoute = (found: MatchResult): string =>
  found._tag === "Found" ? canonicalRoute(found.template) : found._tag === "WrongMethod" ? found.template : "unmatched"

/** One request of ours: request id and log line, the §3 pipeline, CORS, the response, metrics. */
const handleRequest = async (env: PipelineEnv, found: MatchResult, req: Request, res: Response, requestLog: (req: Request, res: Response) => void): Promise<void> => {
  const api = found._tag === "Found" ? found.route.api : found._tag === "NotOurs" ? "service" : found.api
  const started = process.hrtime.bigint()
  const requestId = requestIdOf(req.headers)
  const fields = logFields(res)
  fields.request_id = requestId
  res.setHeader(REQUEST_ID_HEADER, requestId)
  requestLog(req, res)
  let ctx: RequestContext | undefined
  let extra: Readonly<Record<string, string>> = {}
  let reply: Reply
  if (found._tag === "Found") {
    ;({ reply, ctx, extra } = await routeReply(req, found, requestId, fields, env))
  } else if (found._tag === "WrongMethod") {
    fields.route = found.template
    reply = await preflightReply(req, found, env.cache).catch((e: unknown) => errorReply(env.logger, e, api, requestId))
    // A preflight's own CORS headers are complete: nothing is added below.
    if (reply.status === 204) {
      sendReply(req, res, reply, {})
      return
    }
  } else {
    reply = errorReply(env.logger, new RouteNotFound({ path: req.path }), api, requestId)
  }
  if (api === "user") extra = { ...extra, ...(await corsHeaders(req, ctx, env.cache)) }
  // A streamed reply (the data-subject export) resolves once written or aborted.
  await sendReply(req, res, reply, extra, (error) => {
    const fields = { error: loggableError(error, false), request_id: requestId, route: metricsRoute(found) }
    // A client that went away is not our failure; anything else is.
    if (error instanceof ConnectionClosed) env.logger.warn(fields, "streamed response aborted")
    else env.logger.error(fields, "streamed response aborted")
  })
  env.hooks.onResponse?.({ method: req.method, route: metricsRoute(found), status: reply.status, seconds: Number(process.hrtime.bigint() - started) / 1e9 })
}

/**
 * The Express router serving the admin API (`/admin`, `/admin/v1`), the User API (`/user`,
 * `/user/v1`), `/healthz`, `/readyz` and `/openapi.json`. Paths outside these are left to the
 * host app (`next()`).
 */
export const makeRouter = (runtime: RouterRuntime, options: RouterOptions): express.Router => {
  const env = pipelineEnv(runtime, options)
  const match = makeMatcher(ROUTES)
  const requestLog = makeRequestLogger(options.logger)
  const router = express.Router()
  const links: LinkPagesEnv = {
    runtime,
    publicUrl: env.deps.publicUrl,
    now: env.deps.now,
    recordConsentContext: env.deps.recordConsentContext,
    branding: makeBrandingCache(runtime, env.deps.now),
    logger: options.logger,
    ...(options.hooks?.links !== undefined ? { limits: options.hooks.links } : {})
  }
  router.use((req, res, next) => {
    if (req.path === "/l" || req.path.startsWith("/l/")) {
      // LINKS.md §3–§8: the end user's pages, outside the API's envelope.
      const requestId = requestIdOf(req.headers)
      res.setHeader(REQUEST_ID_HEADER, requestId)
      requestLog(req, res)
      const fields = logFields(res)
      fields.request_id = requestId
      fields.route = req.path.startsWith("/l/unsubscribe/")
        ? "/l/unsubscribe/{token}"
        : req.path.startsWith("/l/preferences/")
          ? "/l/preferences/{token}"
          : req.path.startsWith("/l/assets/")
            ? "/l/assets/{name}"
            : "/l"
      const started = process.hrtime.bigint()
      res.once("finish", () =>
        options.hooks?.onResponse?.({ method: req.method, route: fields.route ?? "/l", status: res.statusCode, seconds: Number(process.hrtime.bigint() - started) / 1e9 })
      )
      handleLinkPage(req, res, links, requestId).catch((error: unknown) => {
        options.logger.error({ error: loggableError(error, true) }, "response failed")
        if (!res.headersSent) res.status(500).end()
      })
      return
    }
    const found = match(req.method, req.path)
    if (found._tag === "NotOurs") {
      next()
      return
    }
    handleRequest(env, found, req, res, requestLog).catch((error: unknown) => {
      options.logger.error({ error: loggableError(error, true) }, "response failed")
      if (!res.headersSent) res.status(500).end()
    })
  })
  return router
}
