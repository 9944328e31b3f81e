/**
 * `admin.preferences.sets()` (EVENTS.md §5) walks every page forward with `after`, with a fake
 * `fetch`: the path, the limit, the cursor of each page, and the end of the listing.
 */
import { describe, expect, it } from "vitest"
import { createAdminClient } from "../src/index.js"

const set = (user: string, tenant: string | null) => ({
  user_id: user,
  id: "0193b7d2-8a4e-7c4e-9f00-000000000001",
  tenant_id: tenant,
  version: 1,
  preferences: { channel_types: { sms: false }, categories: {}, notiflows: {} }
})

describe("admin.preferences.sets", () => {
  it("requests /admin/v1/preferences/sets page by page until has_more_after is false", async () => {
    const pages = [
      { items: [set("a", null), set("a", "acme")], page: { after: "c1", has_more_after: true, limit: 2 } },
      { items: [set("b", null)], page: { after: "c2", has_more_after: false, limit: 2 } }
    ]
    const urls: Array<string> = []
    const fetch = (async (input: string | URL | Request) => {
      urls.push(String(input))
      const body = pages[urls.length - 1]
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", "x-request-id": "req_x" } })
    }) as typeof globalThis.fetch
    const admin = createAdminClient({ baseUrl: "http://api.test", secretKey: "sk_test", fetch })
    const seen = await admin.preferences.sets({ limit: 2 }).toArray()
    expect(seen.map((s) => [s.user_id, s.tenant_id])).toEqual([["a", null], ["a", "acme"], ["b", null]])
    expect(urls.map((u) => new URL(u)).map((u) => [u.pathname, u.searchParams.get("limit"), u.searchParams.get("after")])).toEqual([
      ["/admin/v1/preferences/sets", "2", null],
      ["/admin/v1/preferences/sets", "2", "c1"]
    ])
  })
})
