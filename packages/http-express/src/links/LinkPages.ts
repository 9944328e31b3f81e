/**
 * The pages under `/l` (LINKS.md §3, §4, §6, §8), in §8's order: route (404), method (405), token
 * (404/410), content type (415), size (413), form syntax (400), Origin (403, form POSTs only),
 * action (400; undo 410/409), commit (503). Pages are `@notiflows/pages`'; nothing here sets a
 * cookie, redirects or sends `Access-Control-*`.
 */
import type { Request, Response } from "express"
import type { Logger } from "pino"
import type { ProjectId } from "@notiflows/domain"
import { centerGrant } from "@notiflows/domain"
import type { Branding, Locale, PageModel } from "@notiflows/pages"
import { assetHeaders, assets, classifyUnsubscribeForm, newNonce, pageHeaders, parseCenterForm, renderPage, resolveLocale } from "@notiflows/pages"
import type { BrandingLookup } from "./BrandingCache.js"
import { centerPage, saveCenter } from "./Center.js"
import { header } from "../Http.js"
import { RateLimited } from "../HttpErrors.js"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import type { LinkRateLimits } from "../RateLimit.js"
import { run } from "../internal/effectToPromise.js"
import { loggableError } from "../internal/logError.js"
import { sealGrant } from "./Mint.js"
import type { PublicUrl } from "./PublicUrl.js"
import type { ActionEnv } from "./Unsubscribe.js"
import { confirmPage, resubscribe, undo, unsubscribe } from "./Unsubscribe.js"
import type { VerifiedLink } from "./Verify.js"
import { verifyLink } from "./Verify.js"

export interface LinkPagesEnv {
  readonly runtime: RouterRuntime
  readonly publicUrl: PublicUrl
  readonly now: () => number
  readonly logger: Logger
  /** The project's branding (LINKS.md §2.4), cached ≤ 5 s. */
  readonly branding: BrandingLookup
  /** §6's limits (absent: none). */
  readonly limits?: LinkRateLimits
  /** `false`: the pages' writes record `{"ip": null, "user_agent": null}` (EVENTS.md §1, `NOTIFLOWS_CONSENT_CONTEXT_DAYS=0`). */
  readonly recordConsentContext?: boolean
}

const ALLOW = "GET, HEAD, POST, OPTIONS"
const ASSET_ALLOW = "GET, HEAD, OPTIONS"
const UNSUBSCRIBE_BODY_LIMIT = 8 * 1024
const FORM = "application/x-www-form-urlencoded"
const MULTIPART = "multipart/form-data"

interface Page {
  readonly model: PageModel
  readonly branding: Branding | null
  readonly locale: Locale
  readonly centerUrl?: string | null
  readonly headers?: Readonly<Record<string, string>>
}

/** A failure of the request itself, answered as that status's page (before anything is written). */
class PageError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 405 | 413 | 415 | 503 | 500) {
    super(`page ${status}`)
  }
}

const send = (req: Request, res: Response, env: LinkPagesEnv, requestId: string, page: Page): void => {
  const nonce = newNonce()
  const rendered = renderPage(page.model, {
    locale: page.locale,
    branding: page.branding,
    nonce,
    requestId,
    assetsBase: `${req.baseUrl}/l/assets`,
    preferenceCenterUrl: page.centerUrl ?? null
  })
  res.status(rendered.status)
  const headers = {
    ...pageHeaders({ nonce, branding: page.branding, publicOrigin: env.publicUrl.origin }),
    "Content-Type": "text/html; charset=utf-8",
    "Content-Language": rendered.contentLanguage,
    ...page.headers
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.setHeader("Content-Length", Buffer.byteLength(rendered.html))
  res.end(req.method === "HEAD" ? undefined : rendered.html)
}

/** The raw body, refusing more than `limit` bytes (413) without reading further. */
const readBody = (req: Request, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0")
    if (declared > limit) return reject(new PageError(413))
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > limit) {
        req.pause()
        reject(new PageError(413))
      } else chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** Form fields of an urlencoded or multipart body (undici's parser; text fields only). */
const formFields = async (body: Buffer, contentType: string): Promise<Array<[string, string]>> => {
  // The bare urlencoded type (what RFC 8058 senders post): the WHATWG urlencoded parser that
  // undici's `formData()` runs for it, without building a Response and a FormData per request.
  if (contentType.trim().toLowerCase() === FORM) return [...new URLSearchParams(body.toString("utf8"))]
  try {
    const data = await new globalThis.Response(body, { headers: { "content-type": contentType } }).formData()
    return [...data.entries()].flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : []))
  } catch {
    throw new PageError(400)
  }
}

const mediaType = (req: Request): string => (header(req.headers, "content-type") ?? "").split(";")[0]!.trim().toLowerCase()

/** §6: form POSTs pass without Origin, from the public origin, or from the request's own host. */
const originAllowed = (req: Request, env: LinkPagesEnv): boolean => {
  const origin = header(req.headers, "origin")
  if (origin === undefined) return true
  if (origin === env.publicUrl.origin) return true
  try {
    return new URL(origin).host === header(req.headers, "host")
  } catch {
    return false
  }
}

const brandingOf = (env: LinkPagesEnv, projectId: ProjectId): Promise<Branding> => env.branding(projectId)

const centerUrl = async (env: LinkPagesEnv, link: VerifiedLink): Promise<string> =>
  sealGrant(await run(env.runtime, centerGrant(link.projectId, link.user, link.record.tenantId, env.now())), env.publicUrl.base).url

/** The context a page's write records (none when the host does not record contexts). */
const consentOf = (env: LinkPagesEnv, req: Request): { readonly ip: string | null; readonly user_agent: string | null } =>
  env.recordConsentContext === false ? { ip: null, user_agent: null } : { ip: req.ip ?? null, user_agent: userAgent(req) }

const userAgent = (req: Request): string | null => {
  const ua = header(req.headers, "user-agent")
  return ua === undefined ? null : [...ua].slice(0, 512).join("")
}

/** An unsubscribe link's request after the token passed (§3, §4). */
const unsubscribeRoute = async (req: Request, res: Response, env: LinkPagesEnv, requestId: string, link: VerifiedLink, branding: Branding): Promise<void> => {
  const chain = resolveLocale(link.user.locale, header(req.headers, "accept-language") ?? null)
  const actions: ActionEnv = { runtime: env.runtime, now: env.now, requestId, consent: consentOf(env, req) }
  let limitHeaders: Readonly<Record<string, string>> = {}
  const page = async (model: PageModel, locale: Locale): Promise<void> => {
    const withCenter = model.kind === "confirm" || model.kind === "result" || model.kind === "resubscribed" || model.kind === "undo_expired"
    send(req, res, env, requestId, { model, branding, locale, centerUrl: withCenter ? await centerUrl(env, link) : null, headers: limitHeaders })
  }
  const counted = async () => {
    if (env.limits !== undefined) limitHeaders = await env.limits.onValidToken(link.projectId, link.token.jti)
  }
  if (req.method !== "POST") {
    await counted()
    return page(await confirmPage(actions, link), chain)
  }
  // A POST's body says whether it is one-click (never refused, not counted) or a form (counted).
  const type = mediaType(req)
  if (type !== FORM && type !== MULTIPART) throw new PageError(415)
  const fields = await formFields(await readBody(req, UNSUBSCRIBE_BODY_LIMIT), header(req.headers, "content-type") ?? "")
  const form = classifyUnsubscribeForm(fields)
  if (form.kind === "one_click") {
    // Past ten a minute for this jti: 200 and nothing written (the first one wrote).
    if (env.limits === undefined || (await env.limits.oneClickMayWrite(link.token.jti))) await unsubscribe(actions, link, "one_click")
    // RFC 8058: 200 with an empty body and no Content-Type.
    res.status(200)
    for (const [k, v] of Object.entries(pageHeaders({ nonce: newNonce(), branding, publicOrigin: env.publicUrl.origin }))) res.setHeader(k, v)
    res.setHeader("Content-Length", "0")
    res.end()
    return
  }
  await counted()
  // Forms are urlencoded only; a multipart body is one-click's alone.
  if (type !== FORM) throw new PageError(415)
  if (!originAllowed(req, env)) throw new PageError(403)
  const locale = form.lang ?? chain
  switch (form.kind) {
    case "unsubscribe":
      return page(await unsubscribe(actions, link, "unsubscribe_page"), locale)
    case "undo":
      return page(await undo(actions, link, form.ticket), locale)
    case "resubscribe":
      return page(await resubscribe(actions, link), locale)
    case "invalid":
      return page({ kind: "error", status: 400 }, locale)
  }
}

const CENTER_BODY_LIMIT = 1024 * 1024
const CENTER_MAX_FIELDS = 20_000

/** A preference-center link's request after the token passed (§5). */
const centerRoute = async (req: Request, res: Response, env: LinkPagesEnv, requestId: string, link: VerifiedLink, branding: Branding): Promise<void> => {
  const chain = resolveLocale(link.user.locale, header(req.headers, "accept-language") ?? null)
  const actions: ActionEnv = { runtime: env.runtime, now: env.now, requestId, consent: consentOf(env, req) }
  const limitHeaders = env.limits !== undefined ? await env.limits.onValidToken(link.projectId, link.token.jti) : {}
  const answer = (out: { readonly model: PageModel; readonly etag: string }, locale: Locale) =>
    send(req, res, env, requestId, { model: out.model, branding, locale, headers: { ...limitHeaders, ETag: out.etag } })
  if (req.method !== "POST") return answer(await centerPage(actions, link), chain)
  if (mediaType(req) !== FORM) throw new PageError(415)
  const fields = await formFields(await readBody(req, CENTER_BODY_LIMIT), header(req.headers, "content-type") ?? "")
  if (fields.length > CENTER_MAX_FIELDS) throw new PageError(413)
  if (!originAllowed(req, env)) throw new PageError(403)
  const form = parseCenterForm(fields)
  if (!form.ok) throw new PageError(400)
  return answer(await saveCenter(actions, link, form.form, branding), form.form.lang ?? chain)
}

const statusOfError = (e: unknown): 500 | 503 => {
  const tag = typeof e === "object" && e !== null && "_tag" in e ? (e as { _tag: unknown })._tag : undefined
  if (tag === "WriteContention" || tag === "VersionConflict") return 503
  if (tag === "RepositoryError") return (e as { unavailable: boolean }).unavailable ? 503 : 500
  return 500
}

/** Serves one request under `/l` (the router calls it for `/l` and `/l/…`). */
export const handleLinkPage = async (req: Request, res: Response, env: LinkPagesEnv, requestId: string): Promise<void> => {
  const segments = req.path.split("/").slice(2)
  const [kind, value, ...rest] = segments
  const chain = resolveLocale(null, header(req.headers, "accept-language") ?? null)
  let branding: Branding | null = null
  let locale: Locale = chain
  try {
    if (kind === "assets" && value !== undefined && rest.length === 0 && req.method !== "GET" && req.method !== "HEAD") {
      if (req.method === "OPTIONS") {
        res.status(204).setHeader("Allow", ASSET_ALLOW)
        res.end()
      } else send(req, res, env, requestId, { model: { kind: "error", status: 405 }, branding: null, locale, headers: { Allow: ASSET_ALLOW } })
      return
    }
    if (kind === "assets" && value !== undefined && rest.length === 0) {
      const asset = assets.get(value)
      if (asset !== undefined) {
        res.status(200)
        for (const [k, v] of Object.entries(assetHeaders(asset))) res.setHeader(k, v)
        res.end(req.method === "HEAD" ? undefined : asset.body)
        return
      }
    }
    if ((kind !== "unsubscribe" && kind !== "preferences") || value === undefined || value === "" || rest.length > 0) throw new PageError(404)
    if (req.method === "OPTIONS") {
      res.status(204).setHeader("Allow", ALLOW)
      res.end()
      return
    }
    if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
      send(req, res, env, requestId, { model: { kind: "error", status: 405 }, branding: null, locale, headers: { Allow: ALLOW } })
      return
    }
    const verified = await verifyLink(env.runtime, value, kind === "unsubscribe" ? "unsubscribe" : "preference_center", env.now())
    if (!verified.ok) {
      // §6: failures of checks 1–5 spend the address's budget; past it they answer 429.
      if (verified.early && env.limits !== undefined) await env.limits.onInvalidToken(req.ip ?? "")
      if (verified.status === 410 && verified.projectId !== undefined) branding = await brandingOf(env, verified.projectId)
      send(req, res, env, requestId, { model: { kind: "error", status: verified.status }, branding, locale })
      return
    }
    branding = await brandingOf(env, verified.link.projectId)
    locale = resolveLocale(verified.link.user.locale, header(req.headers, "accept-language") ?? null)
    if (kind === "unsubscribe") await unsubscribeRoute(req, res, env, requestId, verified.link, branding)
    else await centerRoute(req, res, env, requestId, verified.link, branding)
  } catch (e) {
    if (e instanceof RateLimited && !res.headersSent) {
      const headers = { ...e.headers, "Retry-After": String(e.retryAfterSeconds) }
      send(req, res, env, requestId, { model: { kind: "error", status: 429 }, branding, locale, headers })
      return
    }
    const status = e instanceof PageError ? e.status : statusOfError(e)
    if (status === 500) env.logger.error({ error: loggableError(e, true), request_id: requestId }, "link page failed")
    if (res.headersSent) return
    send(req, res, env, requestId, {
      model: { kind: "error", status },
      branding: status === 404 ? null : branding,
      locale,
      ...(status === 503 ? { headers: { "Retry-After": "1" } } : {})
    })
  }
}
