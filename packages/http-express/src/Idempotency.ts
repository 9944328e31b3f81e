/**
 * `Idempotency-Key` (API.md §6) as a router hook around the handler: HTTP over the domain's
 * `IdempotencyService` (scopes, lifetimes, keep-or-release). What is HTTP lives here: the
 * header, the fingerprint (the method, the route — `/admin` and `/admin/v1` alike — the decoded
 * path parameters, the canonical JSON body and the tenant: `?tenant_id=` and the token's claim), which statuses are final (2xx and 4xx: kept and
 * replayed with `Idempotent-Replayed: true`; a 5xx releases the key so a retry can run), and the
 * replay payload (status, headers and body as JSON).
 */
import { createHash } from "node:crypto"
import * as Either from "effect/Either"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import * as Schema from "effect/Schema"
import type { IdempotencyPolicy, IdempotencyRepository, IdempotentRequest } from "@notiflows/domain"
import { claimIdempotent, DEFAULT_IDEMPOTENCY_POLICY, finishIdempotent, idempotencyScope } from "@notiflows/domain"
import type { Principal, Reply, RequestContext } from "./Http.js"
import { header } from "./Http.js"
import { IdempotencyConflict, InternalError, InvalidHeader } from "./HttpErrors.js"
import { run } from "./internal/effectToPromise.js"
import { REQUEST_ID_HEADER } from "./RequestId.js"
import { canonicalRoute } from "./routes/Route.js"

export const IDEMPOTENCY_HEADER = "idempotency-key"
export const REPLAYED_HEADER = "Idempotent-Replayed"

export interface IdempotencyOptions {
  /** Runs the port's effects (the host's runtime). */
  readonly runtime: ManagedRuntime.ManagedRuntime<IdempotencyRepository, never>
  /** Clock in ms since the epoch; default: effect's Clock. */
  readonly now?: () => number
  /** How long a record is kept; default 24 h. */
  readonly ttlMs?: number
  /** How long a claim is held before a retry of the same request may take it over; default 60 s. */
  readonly lockMs?: number
  /** Called on every replay (metrics). */
  readonly onReplay?: () => void
}

/** The replay payload: what the router answered, as the port's opaque text. */
const StoredReply = Schema.parseJson(
  Schema.Struct({
    status: Schema.Int,
    headers: Schema.Record({ key: Schema.String, value: Schema.String }),
    body: Schema.String
  })
)
const encodeStoredReply = Schema.encodeSync(StoredReply)
const decodeStoredReply = Schema.decodeUnknownEither(StoredReply)

/** JSON with object keys sorted, so equivalent bodies fingerprint alike. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** The request's identity for idempotency. */
export const fingerprintOf = (ctx: RequestContext): string => {
  const route = canonicalRoute(ctx.route)
  const params = Object.keys(ctx.rawParams)
    .sort()
    .map((k) => [k, decode(ctx.rawParams[k] ?? "")])
  // MODEL.md §6: the tenant (query value and token claim) is part of the request's identity.
  // Only appended when present, so v1 requests keep their fingerprints.
  const tenantQuery = ctx.query.getAll("tenant_id")
  const tenantClaim = ctx.principal?.tenantClaim
  const tenant = tenantQuery.length > 0 || tenantClaim !== undefined ? [{ tenant_id: tenantQuery, tenant_claim: tenantClaim ?? null }] : []
  return createHash("sha256")
    .update(canonicalJson([ctx.method, route, params, ctx.body === undefined ? null : ctx.body, ...tenant]))
    .digest("base64url")
}

const VALID_KEY = /^[\x21-\x7e]{1,255}$/

/** A stored payload back as the reply it was, marked as a replay. */
const replayOf = (payload: string): Reply => {
  const decoded = decodeStoredReply(payload)
  // Only this module writes payloads; one it cannot read is a defect, answered as 500.
  if (Either.isLeft(decoded)) throw new InternalError({ cause: new Error("unreadable idempotency payload") })
  const stored = decoded.right
  // The stored text is sent as it was (JSON unless the stored headers say otherwise).
  return {
    status: stored.status,
    ...(stored.body.length > 0 ? { text: stored.body } : {}),
    headers: {
      ...(stored.body.length > 0 ? { "Content-Type": "application/json; charset=utf-8" } : {}),
      ...stored.headers,
      [REPLAYED_HEADER]: "true"
    }
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The external user ids a request names, kept with its record so erasure can delete it (EVENTS.md
 * §1.3): the path's `user_id`, and a bulk body's `items[].user_id` and `user_ids[]` (BULK.md).
 */
export const subjectsOf = (ctx: RequestContext): ReadonlyArray<string> => {
  const out = new Set<string>()
  const fromPath = ctx.rawParams["user_id"]
  if (fromPath !== undefined) out.add(decode(fromPath))
  const body = ctx.body
  if (isRecord(body)) {
    if (Array.isArray(body["items"])) for (const item of body["items"]) if (isRecord(item) && typeof item["user_id"] === "string") out.add(item["user_id"])
    if (Array.isArray(body["user_ids"])) for (const id of body["user_ids"]) if (typeof id === "string") out.add(id)
  }
  return [...out]
}

/** The key, its scope and the fingerprint of the request; throws on a malformed key. */
const idempotentRequestOf = (ctx: RequestContext, principal: Principal, raw: string): IdempotentRequest => {
  if (!VALID_KEY.test(raw)) {
    throw new InvalidHeader({ header: "Idempotency-Key", message: "Idempotency-Key must be 1-255 visible ASCII characters" })
  }
  const scope = idempotencyScope(
    ctx.api === "user" ? { api: "user", externalUserId: principal.externalUserId ?? "" } : { api: "admin" }
  )
  return { projectId: principal.project.id, scope, key: raw, fingerprint: fingerprintOf(ctx), subjects: subjectsOf(ctx) }
}

/** The hook: pass as `hooks.aroundHandler` to `makeRouter`. */
export const makeIdempotencyHook = (options: IdempotencyOptions) => {
  const policy: IdempotencyPolicy = {
    ttlMs: options.ttlMs ?? DEFAULT_IDEMPOTENCY_POLICY.ttlMs,
    lockMs: options.lockMs ?? DEFAULT_IDEMPOTENCY_POLICY.lockMs
  }
  const runtime = options.runtime
  // Best effort: when the record cannot be finished the claim lapses after its lock.
  const finish = (request: IdempotentRequest, result: Parameters<typeof finishIdempotent>[1]) =>
    run(runtime, finishIdempotent(request, result)).catch(() => undefined)

  return async (ctx: RequestContext, next: () => Promise<Reply>): Promise<Reply> => {
    const raw = header(ctx.headers, IDEMPOTENCY_HEADER)
    // Records are scoped to a project: a route without authentication has none to keep them in.
    const principal = ctx.principal
    if (raw === undefined || ctx.method === "GET" || ctx.method === "HEAD" || principal === undefined) return next()
    const request = idempotentRequestOf(ctx, principal, raw)
    const at = options.now === undefined ? undefined : new Date(options.now())
    // Rejects with the typed error itself: a `RepositoryError` while the database is down maps to 503.
    const claim = await run(runtime, claimIdempotent(request, policy, at))
    switch (claim._tag) {
      case "InProgress":
        throw new IdempotencyConflict({ reason: "idempotency_key_in_use", idempotencyKey: raw })
      case "Mismatch":
        throw new IdempotencyConflict({ reason: "idempotency_key_reused", idempotencyKey: raw })
      case "Completed":
        options.onReplay?.()
        return replayOf(claim.outcome.payload)
      case "Claimed":
        break
    }
    let reply: Reply
    try {
      reply = await next()
    } catch (error) {
      await finish(request, { _tag: "Retryable" })
      throw error
    }
    if (reply.status >= 500) {
      await finish(request, { _tag: "Retryable" })
      return reply
    }
    const payload = encodeStoredReply({
      status: reply.status,
      headers: { ...reply.headers, [REQUEST_ID_HEADER]: ctx.requestId },
      body: reply.text ?? reply.bytes?.toString("utf8") ?? (reply.body === undefined ? "" : JSON.stringify(reply.body))
    })
    // The write is done: answer it even if the record cannot be stored. The claim then lapses
    // after its lock and a retry re-runs the request (merge patches apply once however often).
    await finish(request, { _tag: "Final", outcome: { requestId: ctx.requestId, payload } })
    return reply
  }
}
