/** Static assets served under `/l/assets/{hashed name}` (LINKS.md §6). */
import { createHash } from "node:crypto"
import { STYLESHEET_CSS } from "./internal/stylesheet.js"

/** One asset's response. */
export interface Asset {
  readonly body: Buffer
  /** Exact `Content-Type` value. */
  readonly contentType: string
}

/** `Cache-Control` of every asset response (names change with content). */
export const ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"

const hashedName = (stem: string, ext: string, body: Buffer): string =>
  `${stem}.${createHash("sha256").update(body).digest("hex").slice(0, 16)}.${ext}`

const stylesheetBody = Buffer.from(STYLESHEET_CSS, "utf8")

/** The stylesheet's hashed file name (what pages link to under the assets base). */
export const STYLESHEET_NAME: string = hashedName("pages", "css", stylesheetBody)

/**
 * Every asset by hashed file name: the router answers `GET/HEAD /l/assets/{name}` with the body,
 * `Content-Type`, `Cache-Control: ASSET_CACHE_CONTROL` and `X-Content-Type-Options: nosniff`;
 * an unknown name is the 404 page.
 */
export const assets: ReadonlyMap<string, Asset> = new Map([
  [STYLESHEET_NAME, { body: stylesheetBody, contentType: "text/css; charset=utf-8" }]
])
