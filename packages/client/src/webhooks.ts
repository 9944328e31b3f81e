/**
 * `@notiflows/client/webhooks`: verifying the service's webhook requests (EVENTS.md §4.2), a thin
 * layer over the public `standardwebhooks` package (the Standard Webhooks reference verifier).
 *
 * ```ts
 * import { verifyWebhook } from "@notiflows/client/webhooks"
 * // Express: app.post("/hooks", express.raw({ type: "application/json" }), (req, res) => { … })
 * const event = verifyWebhook({ secret: process.env.NOTIFLOWS_WEBHOOK_SECRET, body: req.body, headers: req.headers })
 * ```
 *
 * Pass the body exactly as received (a string or bytes; never re-serialized JSON). Signatures
 * are HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`; timestamps more than 5 minutes
 * away from now are refused (replays). During a secret rotation the service sends two
 * signatures, and a receiver that holds both secrets may pass both in `secret`.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks"

export { WebhookVerificationError } from "standardwebhooks"

/** Request headers as Fetch (`Headers`), Node (`IncomingHttpHeaders`) or a plain record give them. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

export interface VerifyWebhookInput {
  /** The endpoint's secret (`whsec_…`), or several (any one verifying is enough). */
  readonly secret: string | ReadonlyArray<string>
  /** The raw request body. */
  readonly body: string | Uint8Array | ArrayBuffer
  readonly headers: WebhookHeaders
}

const HEADERS = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const

const pickHeaders = (headers: WebhookHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  if (typeof (headers as Headers).get === "function") {
    for (const name of HEADERS) {
      const value = (headers as Headers).get(name)
      if (value !== null) out[name] = value
    }
    return out
  }
  const lower: Record<string, string | ReadonlyArray<string> | undefined> = {}
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v
  for (const name of HEADERS) {
    const value = lower[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(" ")
  }
  return out
}

const bodyText = (body: VerifyWebhookInput["body"]): string =>
  typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body instanceof ArrayBuffer ? new Uint8Array(body) : body)

/**
 * Verifies a webhook request and returns its parsed JSON body (the event). Throws
 * `WebhookVerificationError` when no signature matches, a header is missing or the timestamp is
 * outside the tolerance; answer such requests 400 and do not act on them.
 */
export const verifyWebhook = <T = unknown>(input: VerifyWebhookInput): T => {
  const secrets = typeof input.secret === "string" ? [input.secret] : input.secret
  if (secrets.length === 0) throw new TypeError("verifyWebhook: no secret given")
  const headers = pickHeaders(input.headers)
  let text: string
  try {
    text = bodyText(input.body)
  } catch {
    throw new WebhookVerificationError("Body is not UTF-8")
  }
  let last: unknown
  for (const secret of secrets) {
    try {
      return new Webhook(secret).verify(text, headers) as T
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      last = error
    }
  }
  throw last
}
