/**
 * The standalone service for the browser suites: started on a free port with
 * NOTIFLOWS_PUBLIC_URL = its own address (so minted URLs are what a browser opens), and a catalog
 * that reaches every center block of LINKS.md §5: categories, a notiflow in two of them, one in
 * none, a required notiflow and, in tenant `acme`, a locked channel.
 */
import { expect } from "vitest"
import { freePort } from "./browser.js"
import { client, type JsonClient, randomKey, type Service, startService } from "./support.js"

export interface LinkService {
  readonly service: Service
  readonly api: JsonClient
  /** A fresh user (no locale, so the browser's Accept-Language picks the page language). */
  readonly user: () => Promise<string>
  /** Mints a link and answers its URL. */
  readonly mint: (userId: string, body: Record<string, unknown>) => Promise<string>
  /** The user's explicit set (global, or in `tenant`) and its history length. */
  readonly stored: (userId: string, tenant?: string) => Promise<{ readonly explicit: unknown; readonly history: number }>
}

let users = 0

const ok = (status: number, what: string) => expect(status, what).toBeLessThan(300)

export const startLinkService = async (env: Record<string, string>): Promise<LinkService> => {
  const port = await freePort()
  const sk = randomKey("sk")
  const service = await startService({
    ...env,
    PORT: String(port),
    NOTIFLOWS_PUBLIC_URL: `http://127.0.0.1:${port}`,
    NOTIFLOWS_PUBLIC_KEY: randomKey("pk"),
    NOTIFLOWS_SECRET_KEY: sk
  })
  const api = client(service.url, { "x-notiflows-secret-key": sk })
  const put = async (path: string, body: unknown) => ok((await api.put(path, body)).status, `PUT ${path}`)
  await put("/admin/categories/product", { name: "Product news" })
  await put("/admin/categories/marketing", { name: "Marketing" })
  await put("/admin/notiflows/newsletter", { name: "Newsletter", categories: ["product", "marketing"] })
  await put("/admin/notiflows/digest", { name: "Digest", categories: ["product"] })
  await put("/admin/notiflows/orders", { name: "Order updates" })
  await put("/admin/notiflows/security", { name: "Security alerts", required: true })
  await put("/admin/tenants/acme/preferences/defaults", { channel_types: { chat: false }, locks: { channel_types: { chat: true } } })
  const user = async () => {
    const id = `browser-${process.pid}-${++users}`
    await put(`/admin/users/${id}`, {})
    return id
  }
  const mint = async (userId: string, body: Record<string, unknown>) => {
    const res = await api.post(`/admin/users/${userId}/links`, body)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return (res.body as { url: string }).url
  }
  const stored = async (userId: string, tenant?: string) => {
    const query = tenant === undefined ? "" : `?tenant_id=${tenant}`
    const explicit = await api.get(`/admin/users/${userId}/preferences/explicit${query}`)
    const history = await api.get(`/admin/users/${userId}/preferences/history${query}`)
    expect(explicit.status).toBe(200)
    expect(history.status).toBe(200)
    return { explicit: explicit.body as unknown, history: (history.body as { items: Array<unknown> }).items.length }
  }
  return { service, api, user, mint, stored }
}
