/**
 * Rate limits (API.md §6): per project and API, per user on the User API, and failed
 * authentications per client address. Counters live in-process by default or in Redis, shared
 * by every instance (rate-limiter-flexible). When Redis fails, requests are served (fail open)
 * and the failure is logged and counted.
 */
import type { Logger } from "pino"
import type { RateLimiterAbstract } from "rate-limiter-flexible"
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"
import type { RequestContext } from "./Http.js"
import { RateLimited } from "./HttpErrors.js"
import { loggableError } from "./internal/logError.js"

/** `points` requests per `windowSeconds`. */
export interface RateRule {
  readonly points: number
  readonly windowSeconds: number
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 }

/** Parses `1000/1s`, `20/1s`, `600/1m`; throws with a readable message otherwise. */
export const parseRateRule = (text: string): RateRule => {
  const m = /^\s*(\d+)\s*\/\s*(\d*)\s*([smh])\s*$/.exec(text)
  const points = Number(m?.[1])
  const windowSeconds = Number(m?.[2] || "1") * (UNITS[m?.[3] ?? ""] ?? NaN)
  if (m === null || !Number.isSafeInteger(points) || points < 1 || !Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
    throw new Error(`a rate limit is <requests>/<window>, e.g. 1000/1s or 600/1m; got "${text}"`)
  }
  return { points, windowSeconds }
}

export interface RateLimitRules {
  /** Admin API, per project (default 1000/1s). */
  readonly admin: RateRule
  /** User API, per user (default 20/1s). */
  readonly user: RateRule
  /** User API, per project (default 2000/1s). */
  readonly userProject: RateRule
  /** Failed authentications per client address (default 20/1s). */
  readonly authFailures: RateRule
  /** `/l` requests per link `jti` (LINKS.md §6, default 60/1m). */
  readonly linkToken: RateRule
  /** `/l` requests with a valid token per project (default 1000/1s). */
  readonly linkProject: RateRule
  /** Tokens failing §1 checks 1–5 per client address (default 20/1s). */
  readonly linkFailures: RateRule
}

export const DEFAULT_RATE_LIMITS: RateLimitRules = {
  admin: { points: 1000, windowSeconds: 1 },
  user: { points: 20, windowSeconds: 1 },
  userProject: { points: 2000, windowSeconds: 1 },
  authFailures: { points: 20, windowSeconds: 1 },
  linkToken: { points: 60, windowSeconds: 60 },
  linkProject: { points: 1000, windowSeconds: 1 },
  linkFailures: { points: 20, windowSeconds: 1 }
}

/** One-click POSTs per `jti` that may write (LINKS.md §6: past it, 200 and nothing written; never 429). */
export const ONE_CLICK_WRITES: RateRule = { points: 10, windowSeconds: 60 }

/** The `/l` limits (LINKS.md §6) as the router's `hooks.links`. */
export interface LinkRateLimits {
  /** A token failed §1 checks 1–5: counts against the address; throws `RateLimited` past the budget. */
  readonly onInvalidToken: (address: string) => Promise<void>
  /** A GET, HEAD or form POST with a valid token: throws `RateLimited` past a limit; answers the headers. */
  readonly onValidToken: (projectId: string, jti: string) => Promise<Readonly<Record<string, string>>>
  /** A valid one-click POST: never refused; `false` past ten a minute for the `jti` (the first already wrote). */
  readonly oneClickMayWrite: (jti: string) => Promise<boolean>
}

/** A Redis client as rate-limiter-flexible takes it (ioredis). */
export type RedisClient = ConstructorParameters<typeof RateLimiterRedis>[0]["storeClient"]

export interface RateLimitOptions {
  readonly rules?: Partial<RateLimitRules>
  /** Shared counters in Redis; in-process counters when absent. */
  readonly redis?: RedisClient
  readonly logger: Logger
  /** Metrics: a request refused by a policy. */
  readonly onReject?: (policy: string) => void
  /** Metrics: the store failed and the request was let through. */
  readonly onStoreError?: () => void
}

interface Policy {
  readonly name: string
  readonly rule: RateRule
  readonly limiter: RateLimiterAbstract
}

const windowLabel = (rule: RateRule): string => `${rule.windowSeconds}s`

/** The `RateLimit-Policy` item of a policy (IETF httpapi ratelimit-headers draft). */
const policyItem = (p: Policy): string => `"${p.name}";q=${p.rule.points};w=${p.rule.windowSeconds}`

const resetSeconds = (res: RateLimiterRes): number => Math.max(0, Math.ceil(res.msBeforeNext / 1000))

/** The `RateLimit-Policy` and `RateLimit` headers of the policies whose store answered. */
const headersOf = (results: ReadonlyArray<readonly [Policy, RateLimiterRes | undefined]>): Record<string, string> => {
  const known = results.filter((r): r is readonly [Policy, RateLimiterRes] => r[1] !== undefined)
  if (known.length === 0) return {}
  return {
    "RateLimit-Policy": known.map(([p]) => policyItem(p)).join(", "),
    RateLimit: known.map(([p, res]) => `"${p.name}";r=${Math.max(0, res.remainingPoints)};t=${resetSeconds(res)}`).join(", ")
  }
}

/** A named policy on Redis when configured, else in process memory. */
const makePolicy = (options: RateLimitOptions, name: string, rule: RateRule): Policy => {
  const base = { points: rule.points, duration: rule.windowSeconds, keyPrefix: `notiflows:rl:${name}` }
  const limiter =
    options.redis !== undefined
      ? new RateLimiterRedis({ ...base, storeClient: options.redis, rejectIfRedisNotReady: true })
      : new RateLimiterMemory(base)
  return { name, rule, limiter }
}

/** Counts every store failure; logs at most one warning per 10 s. */
const storeFailureReporter = (options: RateLimitOptions) => {
  let lastWarning = 0
  return (error: unknown): void => {
    options.onStoreError?.()
    const now = Date.now()
    if (now - lastWarning > 10_000) {
      lastWarning = now
      options.logger.warn({ error: loggableError(error, false) }, "rate limit store unavailable: serving requests without limits (fail open)")
    }
  }
}

/** The limits as router hooks. */
export const makeRateLimits = (options: RateLimitOptions) => {
  const rules = { ...DEFAULT_RATE_LIMITS, ...options.rules }
  const admin = makePolicy(options, "admin", rules.admin)
  const user = makePolicy(options, "user", rules.user)
  const userProject = makePolicy(options, "project", rules.userProject)
  const authFailures = makePolicy(options, "auth_failures", rules.authFailures)
  const linkToken = makePolicy(options, "link_token", rules.linkToken)
  const linkProject = makePolicy(options, "link_project", rules.linkProject)
  const linkFailures = makePolicy(options, "link_failures", rules.linkFailures)
  const oneClick = makePolicy(options, "one_click", ONE_CLICK_WRITES)
  const storeFailed = storeFailureReporter(options)

  /** Consumes a point; answers the result, `undefined` when the store failed (fail open). */
  const consume = async (policy: Policy, key: string): Promise<RateLimiterRes | undefined> => {
    try {
      return await policy.limiter.consume(key, 1)
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        options.onReject?.(policy.name)
        const retry = Math.max(1, resetSeconds(outcome))
        throw new RateLimited({
          limit: policy.rule.points,
          retryAfterSeconds: retry,
          window: windowLabel(policy.rule),
          headers: headersOf([[policy, outcome]])
        })
      }
      storeFailed(outcome)
      return undefined
    }
  }

  /** `hooks.afterAuth`: the per-project and per-user limits; answers the headers to send. */
  const afterAuth = async (ctx: RequestContext): Promise<Readonly<Record<string, string>> | undefined> => {
    const principal = ctx.principal
    if (principal === undefined) return undefined
    const project = principal.project.id
    if (ctx.api === "admin") return headersOf([[admin, await consume(admin, project)]])
    if (ctx.api === "user") {
      const perUser = await consume(user, `${project}:${principal.externalUserId ?? ""}`)
      const perProject = await consume(userProject, project)
      return headersOf([
        [user, perUser],
        [userProject, perProject]
      ])
    }
    return undefined
  }

  /**
   * `hooks.onAuthFailure`: counts a failed authentication for the client address and refuses
   * with 429 past the limit. Valid credentials never consume these points.
   */
  const onAuthFailure = async (address: string): Promise<void> => {
    await consume(authFailures, address)
  }

  const links: LinkRateLimits = {
    onInvalidToken: async (address) => {
      await consume(linkFailures, address)
    },
    onValidToken: async (projectId, jti) => {
      const perToken = await consume(linkToken, jti)
      const perProject = await consume(linkProject, projectId)
      return headersOf([
        [linkToken, perToken],
        [linkProject, perProject]
      ])
    },
    oneClickMayWrite: async (jti) => {
      try {
        await oneClick.limiter.consume(jti, 1)
        return true
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) return false
        storeFailed(outcome)
        return true
      }
    }
  }

  return { afterAuth, onAuthFailure, links, rules }
}
