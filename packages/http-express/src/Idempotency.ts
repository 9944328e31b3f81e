/**
 * `Idempotency-Key` (API.md §6) as a router hook around the handler. Records live in the
 * database through the IdempotencyRepository port, so every instance sees them. A key is
 * scoped to the project, the API and the actor; its fingerprint is the method, the route
 * (`/admin` and `/admin/v1` alike), the decoded path parameters and the canonical JSON body.
 * The first 2xx or 4xx reply is kept for 24 h and replayed with `Idempotent-Replayed: true`;
 * a 5xx releases the key so a retry can run.
 */
import { createHash } from "node:crypto"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import type { IdempotencyKey, StoredResponse } from "@notiflows/domain"
import { IdempotencyRepository } from "@notiflows/domain"
import type { Reply, RequestContext } from "./Http.js"
import { header } from "./Http.js"
import { IdempotencyConflict, InternalError, InvalidHeader } from "./HttpErrors.js"
import { REQUEST_ID_HEADER } from "./RequestId.js"
import { canonicalRoute } from "./routes/Route.js"

export const IDEMPOTENCY_HEADER = "idempotency-key"
export const REPLAYED_HEADER = "Idempotent-Replayed"

export interface IdempotencyOptions {
  /** Runs the port's effects (the host's runtime). */
  readonly runtime: ManagedRuntime.ManagedRuntime<IdempotencyRepository, never>
  /** Clock in ms since the epoch; default `Date.now`. */
  readonly now?: () => number
  /** How long a record is kept; default 24 h. */
  readonly ttlMs?: number
  /** How long a claim is held before a retry of the same request may take it over; default 60 s. */
  readonly lockMs?: number
  /** Called on every replay (metrics). */
  readonly onReplay?: () => void
}

const DAY = 24 * 60 * 60 * 1000

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
  return createHash("sha256")
    .update(canonicalJson([ctx.method, route, params, ctx.body === undefined ? null : ctx.body]))
    .digest("base64url")
}

const VALID_KEY = /^[\x21-\x7e]{1,255}$/

/** The hook: pass as `hooks.aroundHandler` to `makeRouter`. */
export const makeIdempotencyHook = (options: IdempotencyOptions) => {
  const now = options.now ?? Date.now
  const ttl = options.ttlMs ?? DAY
  const lock = options.lockMs ?? 60_000
  // Rejects with the typed error itself (a `RepositoryError` while the database is down maps to
  // 503, not 500), as the router's own `run` does.
  const run = async <A, E>(f: (repo: IdempotencyRepository["Type"]) => Effect.Effect<A, E>): Promise<A> => {
    const exit = await options.runtime.runPromiseExit(Effect.flatMap(IdempotencyRepository, f))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) throw failure.value
    throw new InternalError({ cause: Cause.squash(exit.cause) })
  }

  return async (ctx: RequestContext, next: () => Promise<Reply>): Promise<Reply> => {
    const raw = header(ctx.headers, IDEMPOTENCY_HEADER)
    if (raw === undefined || ctx.method === "GET" || ctx.method === "HEAD") return next()
    if (!VALID_KEY.test(raw)) {
      throw new InvalidHeader({ header: "Idempotency-Key", message: "Idempotency-Key must be 1-255 visible ASCII characters" })
    }
    const principal = ctx.principal
    const scope = ctx.api === "user" ? `user:${principal?.externalUserId ?? ""}` : ctx.api
    const key: IdempotencyKey = { projectId: principal?.project.id ?? "", scope, key: raw }
    const fingerprint = fingerprintOf(ctx)
    const at = now()
    const claim = await run((repo) =>
      repo.claim({ ...key, fingerprint, now: new Date(at), expiresAt: new Date(at + ttl), lockedUntil: new Date(at + lock) })
    )
    switch (claim._tag) {
      case "InProgress":
        throw new IdempotencyConflict({ reason: "idempotency_key_in_use", idempotencyKey: raw })
      case "Mismatch":
        throw new IdempotencyConflict({ reason: "idempotency_key_reused", idempotencyKey: raw })
      case "Completed": {
        options.onReplay?.()
        const stored = claim.response
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
      case "Claimed":
        break
    }
    let reply: Reply
    try {
      reply = await next()
    } catch (error) {
      await run((repo) => repo.release(key, fingerprint)).catch(() => undefined)
      throw error
    }
    if (reply.status >= 500) {
      await run((repo) => repo.release(key, fingerprint)).catch(() => undefined)
      return reply
    }
    const response: StoredResponse = {
      status: reply.status,
      headers: { ...reply.headers, [REQUEST_ID_HEADER]: ctx.requestId },
      body: reply.text ?? (reply.body === undefined ? "" : JSON.stringify(reply.body))
    }
    // The write is done: answer it even if the record cannot be stored. The claim then lapses
    // after its lock and a retry re-runs the request (merge patches apply once however often).
    await run((repo) => repo.complete(key, fingerprint, response)).catch(() => undefined)
    return reply
  }
}
