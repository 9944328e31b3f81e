/** The response headers of LINKS.md §6 for every `/l` response except assets, and the per-response nonce. */
import { randomBytes } from "node:crypto"
import type { Branding } from "./Branding.js"
import { safeHttpUrl } from "./Branding.js"

/** 128 random bits, base64: the CSP nonce of one response (put it on the page's one `<style>`). */
export const newNonce = (): string => randomBytes(16).toString("base64")

/** The https origin of a logo URL (the only image source a page allows), or `null`. */
export const logoOrigin = (logoUrl: string | null): string | null => {
  const safe = safeHttpUrl(logoUrl)
  if (safe === null) return null
  const url = new URL(safe)
  return url.protocol === "https:" ? url.origin : null
}

/**
 * `Content-Security-Policy`, exactly LINKS.md §6: `img-src 'self' {logo origin}` gains the logo's
 * https origin only when the branding has a logo (§9 point 2).
 */
export const contentSecurityPolicy = (input: { readonly nonce: string; readonly logoUrl: string | null }): string => {
  const logo = logoOrigin(input.logoUrl)
  return [
    "default-src 'none'",
    `style-src 'self' 'nonce-${input.nonce}'`,
    "script-src 'self'",
    logo === null ? "img-src 'self'" : `img-src 'self' ${logo}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'"
  ].join("; ")
}

/** What `pageHeaders` needs. */
export interface PageHeadersInput {
  /** The nonce the page was rendered with. */
  readonly nonce: string
  /** The branding the page was rendered with (`null` for unbranded pages: no logo origin). */
  readonly branding: Branding | null
  /** The public origin (of `NOTIFLOWS_PUBLIC_URL`): `Strict-Transport-Security` only when it is https. */
  readonly publicOrigin: string
}

/**
 * Every security header of LINKS.md §6 for a page or an empty one-click answer. The router adds
 * `Content-Type`, `Content-Language`, `ETag`, `Retry-After`, `RateLimit*`, `Allow` as the case needs.
 */
export const pageHeaders = (input: PageHeadersInput): Readonly<Record<string, string>> => {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy({ nonce: input.nonce, logoUrl: input.branding?.logo_url ?? null }),
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin"
  }
  if (input.publicOrigin.startsWith("https:")) headers["Strict-Transport-Security"] = "max-age=31536000"
  return headers
}
