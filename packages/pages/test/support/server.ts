/**
 * A tiny node:http server for the browser tests: it serves rendered page states with the real
 * headers (CSP with a fresh nonce per response) and assets, and plays a minimal in-memory router
 * for the keyboard walks (one center, one unsubscribe link) using this package's form functions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import {
  ASSET_CACHE_CONTROL,
  assets,
  type Branding,
  type CenterState,
  centerChanges,
  isLocale,
  type Locale,
  newNonce,
  type PageModel,
  pageHeaders,
  parseCenterForm,
  renderPage
} from "../../src/index.js"

export interface PageServer {
  readonly url: string
  /** The center's current state (what a save wrote). */
  readonly center: () => CenterState
  readonly close: () => Promise<void>
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/** The state after writing `changes` (path → value) and a new ETag. */
const applyChanges = (state: CenterState, changes: ReadonlyMap<string, boolean>, etag: string): CenterState => {
  const set = <T extends { readonly id: string }>(entries: ReadonlyArray<T>, root: string): Array<T> =>
    entries.map((e) => {
      let next: T = e
      for (const [path, value] of changes) {
        const [r, id, ...rest] = path.split(".")
        if (r !== root || id !== e.id) continue
        const leaf = { value, locked: false }
        next = rest[0] === "enabled"
          ? { ...next, enabled: leaf }
          : { ...next, channel_types: { ...(next as unknown as CenterState["categories"][number]).channel_types, [rest[1]!]: leaf } }
      }
      return next
    })
  const channel_types = { ...state.channel_types }
  for (const [path, value] of changes) {
    const [r, type] = path.split(".")
    if (r === "channel_types") channel_types[type as keyof typeof channel_types] = { value, locked: false }
  }
  return { ...state, etag, channel_types, categories: set(state.categories, "categories"), notiflows: set(state.notiflows, "notiflows") }
}

export const startPageServer = async (input: {
  readonly branding: Branding
  readonly states: ReadonlyMap<string, PageModel>
  readonly center: CenterState
}): Promise<PageServer> => {
  let center = input.center
  let version = 1
  let publicOrigin = ""
  const send = (res: ServerResponse, model: PageModel, locale: Locale): void => {
    const nonce = newNonce()
    const branding = model.kind === "error" && model.status === 404 ? null : input.branding
    const page = renderPage(model, {
      locale, branding, nonce, requestId: "req_test_0001", assetsBase: "/l/assets",
      preferenceCenterUrl: `${publicOrigin}/l/preferences/demo`
    })
    res.writeHead(page.status, {
      ...pageHeaders({ nonce, branding, publicOrigin }),
      "Content-Type": "text/html; charset=utf-8",
      "Content-Language": page.contentLanguage
    })
    res.end(page.html)
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", publicOrigin)
    const lang = url.searchParams.get("lang") ?? "en"
    const locale: Locale = isLocale(lang) ? lang : "en"
    const [, l, kind, name = ""] = url.pathname.split("/")
    if (l !== "l") return send(res, { kind: "error", status: 404 }, locale)
    if (kind === "assets") {
      const asset = assets.get(name)
      if (asset === undefined) return send(res, { kind: "error", status: 404 }, locale)
      res.writeHead(200, { "Content-Type": asset.contentType, "Cache-Control": ASSET_CACHE_CONTROL, "X-Content-Type-Options": "nosniff" })
      return void res.end(asset.body)
    }
    if (kind === "page") {
      const model = input.states.get(name)
      return send(res, model ?? { kind: "error", status: 404 }, locale)
    }
    const form = req.method === "POST" ? new URLSearchParams(await readBody(req)) : null
    const postLang = form?.get("lang")
    const pageLocale: Locale = postLang !== null && postLang !== undefined && isLocale(postLang) ? postLang : locale
    if (kind === "preferences") {
      if (form === null) return send(res, { kind: "center", center, notice: { kind: "none" } }, pageLocale)
      const parsed = parseCenterForm(form)
      if (!parsed.ok) return send(res, { kind: "error", status: 400 }, pageLocale)
      const changes = centerChanges(parsed.form, center, input.branding)
      if (parsed.form.etag !== center.etag) return send(res, { kind: "center", center, notice: { kind: "stale", changes } }, pageLocale)
      if (changes.size > 0) center = applyChanges(center, changes, `"v${++version}"`)
      return send(res, { kind: "center", center, notice: { kind: "saved" } }, pageLocale)
    }
    if (kind === "unsubscribe") {
      const scope = { kind: "notiflow", name: "Order updates", channel: "email" } as const
      const action = form?.get("action")
      if (form === null) return send(res, { kind: "confirm", scope, state: "subscribed" }, pageLocale)
      if (action === "unsubscribe") return send(res, { kind: "result", scope, undoTicket: "ticket-1" }, pageLocale)
      if (action === "undo" && form.get("undo") === "ticket-1") return send(res, { kind: "resubscribed", scope }, pageLocale)
      return send(res, { kind: "error", status: 400 }, pageLocale)
    }
    return send(res, { kind: "error", status: 404 }, locale)
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  publicOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: publicOrigin,
    center: () => center,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
