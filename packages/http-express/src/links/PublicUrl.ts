/**
 * The public URL of the router's mount point (LINKS.md §2.3): what every link starts with. It
 * is configured, never derived from a request's `Host` or `X-Forwarded-*`.
 */

export interface PublicUrl {
  /** Absolute, no trailing `/`: `https://prefs.example.com` or `https://x.com/prefs`. */
  readonly base: string
  /** Its origin (`https://x.com`): the Origin check's "public origin". */
  readonly origin: string
  readonly https: boolean
  readonly loopback: boolean
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * Parses a public URL: an absolute http(s) URL, path allowed, no query, fragment or userinfo; a
 * trailing `/` is dropped. Returns the problem as a sentence otherwise.
 */
export const parsePublicUrl = (raw: string): { readonly ok: true; readonly value: PublicUrl } | { readonly ok: false; readonly problem: string } => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, problem: "must be an absolute http(s) URL" }
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, problem: "must use http or https" }
  if (url.username !== "" || url.password !== "") return { ok: false, problem: "must not contain userinfo" }
  if (url.search !== "" || raw.includes("?")) return { ok: false, problem: "must not contain a query" }
  if (url.hash !== "" || raw.includes("#")) return { ok: false, problem: "must not contain a fragment" }
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, "")
  return { ok: true, value: { base, origin: url.origin, https: url.protocol === "https:", loopback: LOOPBACK.test(url.hostname) } }
}

/** The default of `NOTIFLOWS_PUBLIC_URL`: `http://{HOST}:{PORT}`, wildcard hosts as loopback, IPv6 in brackets. */
export const defaultPublicUrl = (host: string, port: number): string => {
  const h = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host
  return `http://${h.includes(":") && !h.startsWith("[") ? `[${h}]` : h}:${port}`
}
