/**
 * Retries, with a fake `fetch` that fails the way servers and networks do: the same
 * Idempotency-Key on every attempt of a write, `Retry-After` honoured (seconds, HTTP date, or the
 * envelope's `retry_after`), bounded attempts and total time, nothing retried that should not be.
 */
import { describe, expect, it } from "vitest"
import { createAdminClient, createUserClient, NotiflowsError } from "../src/index.js"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Headers
  readonly at: number
}

const envelope = (status: number, code: string, details: Record<string, unknown> = {}) =>
  JSON.stringify({ error: { type: `https://docs.notiflows.com/errors/${code}`, code, message: code, status, request_id: "req_test", details } })

/** A fetch answering from `script` in order (a function throws like a network failure). */
const scripted = (script: ReadonlyArray<(() => Response) | "network">) => {
  const seen: Array<Seen> = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ method: init?.method ?? "GET", url: String(input), headers: new Headers(init?.headers), at: Date.now() })
    const step = script[seen.length - 1]
    if (step === undefined) throw new Error("script exhausted")
    if (step === "network") throw new TypeError("fetch failed")
    return step()
  }) as typeof globalThis.fetch
  return { fetch, seen }
}

const ok = (body: unknown = { channel_types: {}, notiflows: {} }) => () =>
  new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", etag: '"v1"', "x-request-id": "req_ok" } })
const failing = (status: number, code: string, headers: Record<string, string> = {}, details: Record<string, unknown> = {}) => () =>
  new Response(envelope(status, code, details), { status, headers: { "content-type": "application/json", ...headers } })

const client = (fetch: typeof globalThis.fetch, retry?: Parameters<typeof createAdminClient>[0]["retry"]) =>
  createAdminClient({ baseUrl: "http://api.test/", secretKey: "sk_test", fetch, ...(retry === undefined ? {} : { retry: { baseDelayMs: 1, ...retry } }) })

const rejection = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => expect.fail("expected a failure"), (e: unknown) => e)

describe("retries", () => {
  it("retries a write after 503 with Retry-After (seconds) and 429 with an HTTP date, reusing its Idempotency-Key", async () => {
    const { fetch, seen } = scripted([
      failing(503, "service_unavailable", { "retry-after": "1" }, { retry_after: 1 }),
      () => failing(429, "rate_limited", { "retry-after": new Date(Date.now() + 3_000).toUTCString() }, { retry_after: 1, limit: 20, window: "1s" })(),
      ok()
    ])
    const result = await client(fetch, {}).preferences.update("user 1", { channel_types: { sms: false } })
    expect(result.status).toBe(200)
    expect(result.etag).toBe('"v1"')
    expect(seen).toHaveLength(3)
    const keys = seen.map((s) => s.headers.get("idempotency-key"))
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(keys).size).toBe(1)
    expect(seen[0]?.url).toBe("http://api.test/admin/v1/users/user%201/preferences")
    expect(seen.every((s) => s.method === "PUT" && s.headers.get("x-notiflows-secret-key") === "sk_test")).toBe(true)
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1_000)
    // An HTTP date has one-second resolution: at least 2 s of the 3 s asked for remain.
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(1_900)
  })

  it("retries network failures and 409 idempotency_key_in_use, honouring details.retry_after without a header", async () => {
    const { fetch, seen } = scripted([
      "network",
      failing(409, "conflict", {}, { reason: "idempotency_key_in_use", idempotency_key: "k" }),
      failing(503, "service_unavailable", {}, { retry_after: 0 }),
      ok()
    ])
    const result = await client(fetch, { maxAttempts: 4 }).preferences.update("u", {}, { idempotencyKey: "my-key" })
    expect(result.data).toEqual({ channel_types: {}, notiflows: {} })
    expect(seen.map((s) => s.headers.get("idempotency-key"))).toEqual(["my-key", "my-key", "my-key", "my-key"])
  })

  it("gives up after maxAttempts with the last answer's error", async () => {
    const { fetch, seen } = scripted(Array.from({ length: 5 }, () => failing(503, "service_unavailable", {}, { retry_after: 0 })))
    const error = await rejection(client(fetch, { maxAttempts: 3 }).users.get("u"))
    expect(error).toBeInstanceOf(NotiflowsError)
    expect((error as NotiflowsError).is("service_unavailable")).toBe(true)
    expect(seen).toHaveLength(3)
    expect(seen.every((s) => s.headers.get("idempotency-key") === null)).toBe(true)
  })

  it("does not wait past maxElapsedMs: a Retry-After beyond the budget fails at once", async () => {
    const { fetch, seen } = scripted([failing(429, "rate_limited", { "retry-after": "60" }, { retry_after: 60, limit: 1, window: "1s" }), ok()])
    const started = Date.now()
    const error = await rejection(client(fetch, { maxElapsedMs: 5_000 }).users.list().toArray())
    expect((error as NotiflowsError).code).toBe("rate_limited")
    expect(seen).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it("never retries other failures, nor anything with retry: false", async () => {
    for (const [status, code] of [[400, "bad_request"], [404, "not_found"], [412, "precondition_failed"], [422, "validation_error"], [500, "internal_error"]] as const) {
      const { fetch, seen } = scripted([failing(status, code), ok()])
      const error = await rejection(client(fetch, {}).preferences.update("u", {}))
      expect([(error as NotiflowsError).status, (error as NotiflowsError).code, seen.length]).toEqual([status, code, 1])
    }
    const { fetch, seen } = scripted([failing(503, "service_unavailable"), ok()])
    const off = createAdminClient({ baseUrl: "http://api.test", secretKey: "sk_test", fetch, retry: false })
    expect(((await rejection(off.users.get("u"))) as NotiflowsError).code).toBe("service_unavailable")
    expect(seen).toHaveLength(1)
  })

  it("stops waiting when the signal aborts", async () => {
    const { fetch, seen } = scripted([failing(503, "service_unavailable", { "retry-after": "5" }), ok()])
    const controller = new AbortController()
    const pending = client(fetch, {}).preferences.update("u", {}, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error("user left")), 50)
    expect(await rejection(pending)).toEqual(new Error("user left"))
    expect(seen).toHaveLength(1)
  })

  it("reads a fresh user token before every attempt", async () => {
    const { fetch, seen } = scripted([failing(503, "service_unavailable", {}, { retry_after: 0 }), ok()])
    let n = 0
    const user = createUserClient({ baseUrl: "http://api.test", publicKey: "pk_test", userToken: () => `token-${++n}`, fetch, retry: { baseDelayMs: 1 } })
    await user.preferences.get({ tenantId: "acme" })
    expect(seen.map((s) => [s.url, s.headers.get("x-notiflows-api-key"), s.headers.get("x-notiflows-user-key")])).toEqual([
      ["http://api.test/user/v1/preferences?tenant_id=acme", "pk_test", "token-1"],
      ["http://api.test/user/v1/preferences?tenant_id=acme", "pk_test", "token-2"]
    ])
  })

  it("reports a non-envelope error page as invalid_response, with its status", async () => {
    const { fetch } = scripted([() => new Response("<html>Bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } })])
    const error = (await rejection(client(fetch, { maxAttempts: 1 }).users.get("u"))) as NotiflowsError
    expect([error.code, error.status]).toEqual(["invalid_response", 502])
  })
})
