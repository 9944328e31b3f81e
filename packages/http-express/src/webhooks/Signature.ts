/**
 * Standard Webhooks signing (EVENTS.md §4.2): `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`
 * per live secret, newest first, space-separated. `key` is the base64-decoded secret after `whsec_`.
 */
import { createHmac } from "node:crypto"

const keyOf = (secret: string): Buffer => Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64")

/** The `webhook-signature` header value. */
export const signatureHeader = (secrets: ReadonlyArray<string>, id: string, timestamp: number, body: string): string =>
  secrets.map((s) => `v1,${createHmac("sha256", keyOf(s)).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64")}`).join(" ")

/** Every header of a delivery request beyond `host`, `content-length` and `connection`. */
export const deliveryHeaders = (secrets: ReadonlyArray<string>, id: string, timestamp: number, body: string): Record<string, string> => ({
  "content-type": "application/json",
  "user-agent": "Notiflows-Webhooks/1",
  "webhook-id": id,
  "webhook-timestamp": String(timestamp),
  "webhook-signature": signatureHeader(secrets, id, timestamp, body)
})
