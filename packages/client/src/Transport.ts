/**
 * The one place requests are made: URL and headers, an `Idempotency-Key` on every write (the same
 * on every attempt), safe retries, and the answer as `{data, status, etag, requestId, replayed}`
 * or a {@link NotiflowsError}. Only web-platform globals (`fetch`, `Headers`, `crypto`, timers):
 * it runs unchanged in browsers, Node 20+, Deno and workers.
 */
import { errorFromResponse, NotiflowsError, networkError } from "./Errors.js"
import type { RetryOptions } from "./internal/Retry.js"
import { backoffMs, isRetryable, retryAfterMs, retryPolicy, sleep } from "./internal/Retry.js"
import type { BodyOf, MethodsOf, OperationOf, Path, PathParamsOf, QueryOf, SuccessOf } from "./Operations.js"

export type { RetryOptions } from "./internal/Retry.js"

/** Per-call options, accepted by every method. */
export interface CallOptions {
  /** Cancels the call, its retries and their waits (rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined
  /** Writes: the key to send instead of a fresh random one (e.g. to retry across restarts). */
  readonly idempotencyKey?: string | undefined
  /** Writes: `If-Match` with the ETag last read; a changed resource answers 412 `precondition_failed`. */
  readonly ifMatch?: string | undefined
}

/** A successful answer. */
export interface ApiResponse<T> {
  readonly data: T
  readonly status: number
  /** The `ETag` header (GETs of versioned resources, and writes to them). */
  readonly etag: string | undefined
  readonly requestId: string | undefined
  /** True when the server replayed the stored answer of an earlier attempt (`Idempotent-Replayed`). */
  readonly replayed: boolean
}

export interface TransportConfig {
  /** Where the API is mounted, e.g. `https://prefs.example.com` or `https://app.example.com/notifications`. */
  readonly baseUrl: string
  /** Auth headers, read before every attempt (tokens may be refreshed). */
  readonly headers: () => Record<string, string> | Promise<Record<string, string>>
  readonly fetch?: typeof fetch
  readonly retry?: RetryOptions | false
}

type Args<O> = CallOptions &
  (PathParamsOf<O> extends undefined ? { readonly path?: undefined } : { readonly path: PathParamsOf<O> }) &
  (QueryOf<O> extends undefined ? { readonly query?: undefined } : { readonly query?: QueryOf<O> }) &
  ([BodyOf<O>] extends [never] ? { readonly body?: undefined } : { readonly body: BodyOf<O> })

/** A typed call of any documented operation: `call("get", "/admin/v1/users/{user_id}", { path: { user_id } })`. */
export type Call = <P extends Path, M extends MethodsOf<P>>(
  method: M,
  path: P,
  args: Args<OperationOf<P, M>>
) => Promise<ApiResponse<SuccessOf<OperationOf<P, M>>>>

export interface Transport {
  readonly call: Call
}

interface RawArgs extends CallOptions {
  readonly path?: Readonly<Record<string, string>> | undefined
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined
  readonly body?: unknown
}

const buildUrl = (baseUrl: string, template: string, args: RawArgs): string => {
  const path = template.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
    const value = args.path?.[name]
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`)
    return encodeURIComponent(value)
  })
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(args.query ?? {})) if (v !== undefined) query.set(k, String(v))
  const qs = query.toString()
  return `${baseUrl.replace(/\/+$/, "")}${path}${qs === "" ? "" : `?${qs}`}`
}

const newIdempotencyKey = (): string => globalThis.crypto.randomUUID()

const parseSuccess = async (response: Response): Promise<unknown> => {
  if (response.status === 204 || response.status === 304) return undefined
  const text = await response.text()
  if (text === "") return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new NotiflowsError({
      code: "invalid_response",
      status: response.status,
      message: "a success response whose body is not JSON",
      details: {},
      requestId: response.headers.get("x-request-id") ?? undefined,
      cause
    })
  }
}

/** Builds the transport every client method goes through. */
export const makeTransport = (config: TransportConfig): Transport => {
  const policy = retryPolicy(config.retry)
  const doFetch = config.fetch ?? ((input, init) => globalThis.fetch(input, init))

  const send = async (method: string, template: string, args: RawArgs): Promise<ApiResponse<unknown>> => {
    const url = buildUrl(config.baseUrl, template, args)
    const write = method !== "GET"
    const idempotencyKey = write ? (args.idempotencyKey ?? newIdempotencyKey()) : undefined
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const headers = new Headers(await config.headers())
      headers.set("accept", "application/json")
      if (args.body !== undefined) headers.set("content-type", "application/json")
      if (idempotencyKey !== undefined) headers.set("idempotency-key", idempotencyKey)
      if (args.ifMatch !== undefined) headers.set("if-match", args.ifMatch)
      const init: RequestInit = { method, headers, ...(args.body !== undefined ? { body: JSON.stringify(args.body) } : {}) }
      if (args.signal !== undefined) init.signal = args.signal
      const budgetLeft = (delay: number) => attempt < policy.maxAttempts && Date.now() - started + delay <= policy.maxElapsedMs
      let response: Response
      try {
        response = await doFetch(url, init)
      } catch (cause) {
        if (args.signal?.aborted === true) throw args.signal.reason
        const delay = backoffMs(policy, attempt)
        if (!budgetLeft(delay)) throw networkError(cause, attempt)
        await sleep(delay, args.signal)
        continue
      }
      if (response.ok || response.status === 304) {
        return {
          data: await parseSuccess(response),
          status: response.status,
          etag: response.headers.get("etag") ?? undefined,
          requestId: response.headers.get("x-request-id") ?? undefined,
          replayed: response.headers.get("idempotent-replayed") === "true"
        }
      }
      const error = await errorFromResponse(response)
      if (!isRetryable(error)) throw error
      const delay = Math.max(retryAfterMs(response.headers, error, Date.now()) ?? 0, backoffMs(policy, attempt))
      if (!budgetLeft(delay)) throw error
      await sleep(delay, args.signal)
    }
  }

  return { call: ((method: string, path: string, args: RawArgs) => send(method.toUpperCase(), path, args)) as Call }
}
