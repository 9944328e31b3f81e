/**
 * Route matching over the route table, independent of Express's router and of the mount
 * prefix: it works on `req.path` (relative to the mount point, still percent-encoded), so
 * parameters are decoded and validated later, in API.md §3 order.
 */
import type { Method, RouteSpec } from "../routes/Route.js"
import { BASES } from "../routes/Route.js"

interface Compiled {
  readonly route: RouteSpec
  /** Template with the base, e.g. `/admin/v1/users/{user_id}`. */
  readonly template: string
  readonly regex: RegExp
  readonly names: ReadonlyArray<string>
}

export type MatchResult =
  | { readonly _tag: "NotOurs" }
  | { readonly _tag: "NoRoute"; readonly api: RouteSpec["api"] }
  | { readonly _tag: "WrongMethod"; readonly api: RouteSpec["api"]; readonly allow: ReadonlyArray<string>; readonly template: string }
  | {
      readonly _tag: "Found"
      readonly route: RouteSpec
      readonly template: string
      readonly params: Readonly<Record<string, string>>
    }

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const compile = (route: RouteSpec, base: string): Compiled => {
  const template = `${base}${route.path}`
  const names: Array<string> = []
  const source = template
    .split(/(\{[a-z_]+\})/)
    .map((part) => {
      const m = /^\{([a-z_]+)\}$/.exec(part)
      if (m?.[1] === undefined) return escape(part)
      names.push(m[1])
      return "([^/]+)"
    })
    .join("")
  // One optional trailing slash, like Express's non-strict routing.
  return { route, template, regex: new RegExp(`^${source}/?$`), names }
}

/** Which API a path belongs to, or `undefined` when it is not ours (left to the host app). */
const apiOf = (path: string, service: ReadonlySet<string>): RouteSpec["api"] | undefined => {
  if (/^\/admin(\/|$)/.test(path)) return "admin"
  if (/^\/user(\/|$)/.test(path)) return "user"
  return service.has(path.replace(/\/$/, "")) ? "service" : undefined
}

/** A matcher over a route table. `HEAD` is served by `GET` routes. */
export const makeMatcher = (routes: ReadonlyArray<RouteSpec>) => {
  const compiled = routes.flatMap((route) => BASES[route.api].map((base) => compile(route, base)))
  const service = new Set(routes.filter((r) => r.api === "service").map((r) => r.path))
  return (method: string, path: string): MatchResult => {
    const api = apiOf(path, service)
    if (api === undefined) return { _tag: "NotOurs" }
    const wanted = method === "HEAD" ? "GET" : method
    const allow = new Set<Method>()
    let template: string | undefined
    for (const c of compiled) {
      const m = c.regex.exec(path)
      if (m === null) continue
      template ??= c.template
      if (c.route.method === wanted) {
        const params = Object.fromEntries(c.names.map((n, i) => [n, m[i + 1] ?? ""]))
        return { _tag: "Found", route: c.route, template: c.template, params }
      }
      allow.add(c.route.method)
    }
    if (template === undefined) return { _tag: "NoRoute", api }
    const methods: Array<string> = [...allow]
    if (allow.has("GET")) methods.push("HEAD")
    methods.push("OPTIONS")
    return { _tag: "WrongMethod", api, allow: methods, template }
  }
}
