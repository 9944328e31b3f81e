/** One call for a page response: a fresh nonce, the render, and every header that goes with it. */
import type { PageModel } from "./PageModel.js"
import { type RenderOptions, renderPage } from "./Render.js"
import { newNonce, pageHeaders } from "./Security.js"

/** A ready response: send `headers` and `html` (no body on HEAD) with `status`. */
export interface PageResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly html: string
}

/**
 * Renders `model` with a new nonce and returns the status, the §6 security headers for that nonce
 * and branding, `Content-Type: text/html; charset=utf-8` and `Content-Language`. The router adds
 * the case's own headers (`ETag`, `Retry-After`, `RateLimit*`, `Allow`, `x-request-id`).
 */
export const respondPage = (
  model: PageModel,
  options: Omit<RenderOptions, "nonce"> & { readonly publicOrigin: string }
): PageResponse => {
  const nonce = newNonce()
  const { publicOrigin, ...renderOptions } = options
  const page = renderPage(model, { ...renderOptions, nonce })
  const branding = model.kind === "error" && model.status === 404 ? null : options.branding
  return {
    status: page.status,
    headers: {
      ...pageHeaders({ nonce, branding, publicOrigin }),
      "Content-Type": "text/html; charset=utf-8",
      "Content-Language": page.contentLanguage
    },
    html: page.html
  }
}
