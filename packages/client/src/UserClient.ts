/**
 * The User API client, for browsers and apps: the project's public key and a user token (an RS256
 * JWT your backend signs, `sub` = the user's external id) act on that user's own preferences.
 * Depends only on web-platform globals; the bundle stays small (test/Bundle.test.ts).
 */
import type { PreferencesPatch } from "./Operations.js"
import { paginate } from "./Pagination.js"
import type { CallOptions, RetryOptions } from "./Transport.js"
import { makeTransport } from "./Transport.js"

export interface UserClientOptions {
  /** Where the API is mounted (its origin must be among the project's allowed origins in a browser). */
  readonly baseUrl: string
  /** `pk_…`: the project's public key. */
  readonly publicKey: string
  /** The user token, or a function returning a fresh one (read before every attempt). */
  readonly userToken: string | (() => string | Promise<string>)
  readonly fetch?: typeof fetch | undefined
  /** Retry policy (defaults: 4 attempts, 30 s in all); `false` disables retries. */
  readonly retry?: RetryOptions | false | undefined
}

/** `tenantId`: the user×tenant set (a token's `tenant` claim may fix it, MODEL.md). */
export interface UserScopeOptions extends CallOptions {
  readonly tenantId?: string | undefined
}

const scope = (options: UserScopeOptions) => (options.tenantId === undefined ? {} : { tenant_id: options.tenantId })

/** Creates a User API client. */
export const createUserClient = (options: UserClientOptions) => {
  const { call } = makeTransport({
    baseUrl: options.baseUrl,
    headers: async () => ({
      "x-notiflows-api-key": options.publicKey,
      "x-notiflows-user-key": typeof options.userToken === "string" ? options.userToken : await options.userToken()
    }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.retry === undefined ? {} : { retry: options.retry })
  })
  return {
    preferences: {
      /** The notiflows this user may configure, with effective values and the `etag`. */
      get: (opts: UserScopeOptions = {}) => call("get", "/user/v1/preferences", { ...opts, query: scope(opts) }),
      /** The user's stored explicit choices only. */
      explicit: (opts: UserScopeOptions = {}) => call("get", "/user/v1/preferences/explicit", { ...opts, query: scope(opts) }),
      /** A merge patch of what the user changed; `ifMatch` with the last `etag` makes it conditional. */
      update: (patch: PreferencesPatch, opts: UserScopeOptions = {}) =>
        call("put", "/user/v1/preferences", { ...opts, query: scope(opts), body: patch }),
      /** The user's own history, newest first, across pages. */
      history: (opts: UserScopeOptions & { readonly limit?: number | undefined; readonly after?: string | undefined } = {}) =>
        paginate(
          (after) =>
            call("get", "/user/v1/preferences/history", {
              ...opts,
              query: { ...scope(opts), ...(opts.limit === undefined ? {} : { limit: opts.limit }), ...(after === undefined ? {} : { after }) }
            }),
          opts.after
        )
    },
    /** Any documented User API operation, typed from the OpenAPI document. */
    request: call
  }
}

export type UserClient = ReturnType<typeof createUserClient>
