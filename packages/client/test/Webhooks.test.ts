/**
 * `verifyWebhook` accepts what the service signs (EVENTS.md §4.2: `v1,<base64 HMAC-SHA256(key,
 * "<id>.<timestamp>.<body>")>`, several signatures space-separated during a rotation) and refuses
 * everything else. Signatures are computed here independently with node:crypto.
 */
import { createHmac, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { verifyWebhook, WebhookVerificationError } from "../src/webhooks.js"

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`
const sign = (secret: string, id: string, timestamp: number, body: string) =>
  `v1,${createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64")).update(`${id}.${timestamp}.${body}`).digest("base64")}`

const event = { id: "evt_01", type: "preferences.updated", data: { user_id: "user_12345", version: 3 } }
const body = JSON.stringify(event)
const now = () => Math.floor(Date.now() / 1000)

describe("verifyWebhook", () => {
  it("returns the event for a request signed as the service signs it (Headers, Node headers, bytes)", () => {
    const secret = newSecret()
    const ts = now()
    const headers = { "webhook-id": "evt_01", "webhook-timestamp": String(ts), "webhook-signature": sign(secret, "evt_01", ts, body) }
    expect(verifyWebhook({ secret, body, headers })).toEqual(event)
    expect(verifyWebhook({ secret, body: new TextEncoder().encode(body), headers: new Headers(headers) })).toEqual(event)
    const nodeStyle = { "Webhook-Id": headers["webhook-id"], "webhook-timestamp": [headers["webhook-timestamp"]], "webhook-signature": headers["webhook-signature"], host: undefined }
    expect(verifyWebhook({ secret, body: Buffer.from(body), headers: nodeStyle })).toEqual(event)
  })

  it("accepts either signature during a rotation, and either of the receiver's secrets", () => {
    const [older, newer] = [newSecret(), newSecret()]
    const ts = now()
    const both = `${sign(newer, "evt_01", ts, body)} ${sign(older, "evt_01", ts, body)}`
    const headers = { "webhook-id": "evt_01", "webhook-timestamp": String(ts), "webhook-signature": both }
    expect(verifyWebhook({ secret: older, body, headers })).toEqual(event)
    expect(verifyWebhook({ secret: newer, body, headers })).toEqual(event)
    const onlyNew = { ...headers, "webhook-signature": sign(newer, "evt_01", ts, body) }
    expect(verifyWebhook({ secret: [newSecret(), newer], body, headers: onlyNew })).toEqual(event)
  })

  it("refuses a wrong secret, a changed body or id, a stale timestamp and missing headers", () => {
    const secret = newSecret()
    const ts = now()
    const headers = { "webhook-id": "evt_01", "webhook-timestamp": String(ts), "webhook-signature": sign(secret, "evt_01", ts, body) }
    const refused = (input: Parameters<typeof verifyWebhook>[0]) => expect(() => verifyWebhook(input)).toThrow(WebhookVerificationError)
    refused({ secret: newSecret(), body, headers })
    refused({ secret, body: body.replace("3", "4"), headers })
    refused({ secret, body, headers: { ...headers, "webhook-id": "evt_02" } })
    const old = ts - 600
    refused({ secret, body, headers: { ...headers, "webhook-timestamp": String(old), "webhook-signature": sign(secret, "evt_01", old, body) } })
    refused({ secret, body, headers: { "webhook-id": "evt_01", "webhook-timestamp": String(ts) } })
    refused({ secret, body: new Uint8Array([0xff, 0xfe]), headers })
  })
})
