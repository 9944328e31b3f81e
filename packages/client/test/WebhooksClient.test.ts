/**
 * `admin.webhooks.*` (EVENTS.md §4) with a fake `fetch`: each method's method, path, query, body
 * and conditional header.
 */
import { describe, expect, it } from "vitest"
import { createAdminClient } from "../src/index.js"

const ID = "0193b7d2-8a4e-7c4e-9f00-000000000001"

describe("admin.webhooks", () => {
  it("sends each operation to its route", async () => {
    const seen: Array<{ method: string; url: URL; body: unknown; ifMatch: string | null }> = []
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers)
      seen.push({ method: init?.method ?? "GET", url: new URL(String(input)), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)), ifMatch: headers.get("if-match") })
      const status = init?.method === "DELETE" ? 204 : init?.method === "POST" && String(input).endsWith("/replay") ? 202 : 200
      const body = String(input).includes("/deliveries") || String(input).endsWith("/webhooks") ? { items: [], page: { after: null, before: null, has_more_after: false, has_more_before: false, limit: 25 } } : { webhook_id: ID, until: null }
      return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-request-id": "req_x" } })
    }) as typeof globalThis.fetch
    const admin = createAdminClient({ baseUrl: "http://api.test", secretKey: "sk_test", fetch, retry: false })
    await admin.webhooks.create({ url: "https://example.com/h" })
    await admin.webhooks.get(ID)
    await admin.webhooks.update(ID, { status: "disabled" }, { ifMatch: '"t"' })
    await admin.webhooks.rotateSecret(ID, { overlap_seconds: 60 })
    await admin.webhooks.replay(ID, { event_ids: [ID] })
    await admin.webhooks.test(ID)
    await admin.webhooks.deliveries(ID, { status: "failed", eventId: ID, limit: 5 }).toArray()
    await admin.webhooks.list().toArray()
    await admin.webhooks.delete(ID)
    expect(seen.map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
      "POST /admin/v1/webhooks",
      `GET /admin/v1/webhooks/${ID}`,
      `PATCH /admin/v1/webhooks/${ID}`,
      `POST /admin/v1/webhooks/${ID}/secret/rotate`,
      `POST /admin/v1/webhooks/${ID}/replay`,
      `POST /admin/v1/webhooks/${ID}/test`,
      `GET /admin/v1/webhooks/${ID}/deliveries?limit=5&status=failed&event_id=${ID}`,
      "GET /admin/v1/webhooks",
      `DELETE /admin/v1/webhooks/${ID}`
    ])
    expect(seen[2]).toMatchObject({ body: { status: "disabled" }, ifMatch: '"t"' })
    expect(seen[3]!.body).toEqual({ overlap_seconds: 60 })
  })
})
