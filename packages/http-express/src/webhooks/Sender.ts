/**
 * One delivery attempt over HTTP (EVENTS.md §4.2–§4.4): `POST` the body with the signed headers;
 * the host is resolved here and every address must be globally reachable (the domain's
 * `isGlobalAddress`), and the request goes to the address checked (SNI and `Host` stay the URL's),
 * so DNS rebinding cannot redirect it. Connections are kept alive in pools keyed by that address.
 * One timeout covers DNS to the last byte; at most 64 KiB of the response is read (then the
 * connection is closed); redirects are never followed; no proxy (our own agents, never the
 * environment's); no cookies are kept.
 */
import * as dns from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import type { AttemptError, AttemptOutcome } from "@notiflows/domain"
import { isGlobalAddress, parseRetryAfter } from "@notiflows/domain"

export const RESPONSE_READ_LIMIT = 64 * 1024
export const RESPONSE_BODY_KEPT = 1024

export interface SendOptions {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timeoutMs: number
  /** `NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE`: any address. */
  readonly allowPrivate: boolean
  /** For tests: the resolver (default `dns.lookup`). */
  readonly resolve?: (host: string) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>
}

class Blocked extends Error {
  readonly code = "EBLOCKED"
}

const defaultResolve = (host: string): Promise<ReadonlyArray<{ address: string; family: number }>> =>
  new Promise((resolve, reject) => dns.lookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))))

const TLS = /^(ERR_TLS|ERR_SSL|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_CERT)/

/** The §4.5 `error` of a failed request. */
export const classifyError = (e: unknown): AttemptError => {
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : ""
  if (code === "EBLOCKED") return "blocked_address"
  if (code === "ETIMEOUT_ATTEMPT") return "timeout"
  if (["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "ENODATA", "ESERVFAIL"].includes(code)) return "dns_error"
  if (TLS.test(code) || /certificate|ssl|tls/i.test(e instanceof Error ? e.message : "")) return "tls_error"
  return "connection_error"
}

/**
 * Kept-alive connections, pooled per checked address (the request's `host` is the address, so a
 * pooled socket always goes where this attempt's check allowed; `Host` and SNI stay the URL's).
 * Our own agents, never the environment's (no proxy). Idle sockets close after 2 s, before
 * common receivers' keep-alive timeouts (Node's 5 s), so a reused socket is rarely a closing one.
 * No socket limit: a request never queues behind the agent while its delivery's lease runs (the
 * engine bounds the attempts in flight); in any case the attempt timeout runs from the send's
 * start, DNS and any wait for a socket included.
 */
const agentOptions = { keepAlive: true, timeout: 2_000, scheduling: "lifo", maxSockets: Infinity, maxTotalSockets: Infinity } as const
const agents = { "http:": new http.Agent(agentOptions), "https:": new https.Agent(agentOptions) }

/** The address to connect to: the host's, every one of them checked (§4.4). */
const checkedAddress = async (host: string, allowPrivate: boolean, resolve: NonNullable<SendOptions["resolve"]>): Promise<string> => {
  if (net.isIP(host) !== 0) return host
  const addresses = await resolve(host)
  if (addresses.length === 0) throw Object.assign(new Error("no address"), { code: "ENOTFOUND" })
  if (!allowPrivate && addresses.some((a) => !isGlobalAddress(a.address))) throw new Blocked("blocked address")
  return addresses[0]!.address
}

/** Sends one attempt; never throws: every failure is an outcome. */
export const send = (o: SendOptions): Promise<AttemptOutcome> => {
  const started = performance.now()
  const done = (partial: Omit<AttemptOutcome, "durationMs">): AttemptOutcome => ({ ...partial, durationMs: Math.round(performance.now() - started) })
  const failed = (e: unknown) => done({ responseStatus: null, error: classifyError(e), retryAfter: null, responseBody: null })
  let url: URL
  try {
    url = new URL(o.url)
  } catch (e) {
    return Promise.resolve(failed(e))
  }
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  if (!o.allowPrivate && (net.isIP(host) !== 0 ? !isGlobalAddress(host) : host === "localhost" || host.endsWith(".localhost"))) {
    return Promise.resolve(failed(new Blocked("blocked address")))
  }
  return new Promise((resolvePromise) => {
    let settled = false
    let req: http.ClientRequest | undefined
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolvePromise(outcome)
    }
    // One timeout from DNS to the last byte.
    const timer = setTimeout(() => {
      const timeout = Object.assign(new Error("attempt timed out"), { code: "ETIMEOUT_ATTEMPT" })
      if (req === undefined) finish(failed(timeout))
      else req.destroy(timeout)
    }, o.timeoutMs)
    const request = (address: string) => {
      if (settled) return
      const tls = url.protocol === "https:"
      req = (tls ? https.request : http.request)({
        protocol: url.protocol,
        host: address,
        port: url.port === "" ? (tls ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: { ...o.headers, host: url.host, "content-length": String(Buffer.byteLength(o.body)) },
        agent: tls ? agents["https:"] : agents["http:"],
        ...(tls && net.isIP(host) === 0 ? { servername: host } : {})
      })
      req.on("error", (e) => finish(failed(e)))
      req.on("response", (res) => {
        const chunks: Array<Buffer> = []
        let size = 0
        const complete = () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_KEPT).toString("utf8")
          const status = res.statusCode ?? 0
          const retryAfter = status >= 200 && status < 300 ? null : parseRetryAfter(headerOf(res.headers["retry-after"]), Date.now())
          finish(done({ responseStatus: status, error: null, retryAfter, responseBody: text }))
          // Read to the end: the socket goes back to the pool; cut short (the cap): it is closed.
          if (!res.complete) res.destroy()
        }
        res.on("data", (chunk: Buffer) => {
          if (size < RESPONSE_READ_LIMIT) chunks.push(chunk.subarray(0, RESPONSE_READ_LIMIT - size))
          size += chunk.length
          if (size >= RESPONSE_READ_LIMIT) complete()
        })
        res.on("end", complete)
        res.on("error", (e) => (settled ? undefined : finish(failed(e))))
      })
      req.end(o.body)
    }
    checkedAddress(host, o.allowPrivate, o.resolve ?? defaultResolve).then(request, (e: unknown) => finish(failed(e)))
  })
}

const headerOf = (v: string | ReadonlyArray<string> | undefined): string | undefined => (Array.isArray(v) ? v[0] : (v as string | undefined))
