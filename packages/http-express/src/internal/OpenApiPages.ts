/**
 * The end user's pages under `/l` in the OpenAPI document (LINKS.md §8, last paragraph): tag
 * `pages`, no security, `text/html` pages and the empty one-click answer, the statuses of §8 per
 * operation and the headers each can carry. The pages are not JSON routes (they are served by
 * `links/LinkPages.ts`, not the route table), so their operations are described here; the form
 * bodies are what `@notiflows/pages`' form readers accept (`classifyUnsubscribeForm`,
 * `parseCenterForm`), stated as JSON Schema for `application/x-www-form-urlencoded` and
 * `multipart/form-data`.
 */

export const PAGES_TAG = "pages"

/** Every documented `/l` operation: method and path (for tests that list what is served). */
export const PAGE_OPERATIONS: ReadonlyArray<readonly [method: string, path: string]> = [
  ["get", "/l/unsubscribe/{token}"],
  ["post", "/l/unsubscribe/{token}"],
  ["options", "/l/unsubscribe/{token}"],
  ["get", "/l/preferences/{token}"],
  ["post", "/l/preferences/{token}"],
  ["options", "/l/preferences/{token}"],
  ["get", "/l/assets/{name}"],
  ["options", "/l/assets/{name}"]
]

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "the 400 page: an unrecognized body, a bad field or undo ticket; nothing written",
  403: "the 403 page: a form posted from another origin (one-click bodies are exempt); nothing written",
  404: "the unbranded 404 page: an unknown path or an invalid token (LINKS.md §1 checks 1–5)",
  409: "the 409 page",
  410: "the branded 410 page: a revoked key or user, an expired token or undo ticket, an erased user",
  413: "the 413 page: the body is too large",
  415: "the 415 page: an unsupported content type",
  429: "the 429 page: a link_token or link_project limit, or the address's link_failures budget (LINKS.md §6)",
  431: "request_header_fields_too_large (standalone server, §3 envelope)",
  500: "the 500 page (no details)",
  503: "the 503 page: the database is unavailable or gave up (Retry-After)"
}

const TOKEN_PARAM = {
  name: "token",
  in: "path",
  required: true,
  description: "the link's token: 132 base64url characters (LINKS.md §1); anything else is the 404 page. Query strings are ignored.",
  schema: { type: "string" }
}

const ASSET_PARAM = { name: "name", in: "path", required: true, description: "an asset's hashed file name, as a page links it", schema: { type: "string" } }

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` })

type HeaderName = "x-request-id" | "RateLimit" | "RateLimit-Policy" | "Retry-After" | "ETag" | "Allow"
const COMPONENT: Readonly<Record<HeaderName, string>> = {
  "x-request-id": "RequestId",
  RateLimit: "RateLimit",
  "RateLimit-Policy": "RateLimitPolicy",
  "Retry-After": "RetryAfter",
  ETag: "ETag",
  Allow: "Allow"
}

const headers = (names: ReadonlyArray<HeaderName>) => Object.fromEntries(names.map((n) => [n, ref(COMPONENT[n])]))

const HTML = { "text/html": { schema: { type: "string", minLength: 1 } } }

/**
 * A page status: HTML with `x-request-id`; a valid token's pages may carry the link limits'
 * `RateLimit` headers; 429 and 503 carry `Retry-After`; the center's 200 and 409 its view's `ETag`.
 */
const page = (status: number, description: string, extra: ReadonlyArray<HeaderName> = []) => ({
  description,
  headers: headers([
    "x-request-id",
    ...(status !== 404 ? (["RateLimit", "RateLimit-Policy"] as const) : []),
    ...(status === 429 || status === 503 ? (["Retry-After"] as const) : []),
    ...extra
  ]),
  content: HTML
})

const errors = (statuses: ReadonlyArray<number>, errorRef: unknown, extra: Readonly<Record<number, ReadonlyArray<HeaderName>>> = {}) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      s === 431
        ? { description: DESCRIPTIONS[431], headers: headers(["x-request-id"]), content: { "application/json": { schema: errorRef } } }
        : page(s, DESCRIPTIONS[s] ?? "error page", extra[s] ?? [])
    ])
  )

const ONE_CLICK_VALUE = { type: "string", pattern: "^[Oo][Nn][Ee]-[Cc][Ll][Ii][Cc][Kk]$", description: "One-Click, ASCII case-insensitive" }

/**
 * Form fields as an object: a repeated field counts once, with its last value (what the readers do).
 * Exactly what the server accepts: anything else is the 400 page (a multipart body: 415).
 */
const UNSUBSCRIBE_FORM = {
  type: "object",
  description:
    "RFC 8058 one-click: `List-Unsubscribe=One-Click` (ASCII case-insensitive), whatever else the body holds. The pages' forms: `action=unsubscribe`, `action=resubscribe`, or `action=undo` with `undo` (the result page's ticket; a ticket that does not verify is the 400 page), each with the hidden `lang`. A repeated field counts with its last value.",
  properties: {
    "List-Unsubscribe": { type: "string" },
    action: { type: "string" },
    undo: { type: "string", description: "the undo ticket (with action=undo)" },
    lang: { type: "string", description: "the page locale (en, fr, de, es); another value falls back to LINKS.md §6's chain" }
  },
  anyOf: [
    { required: ["List-Unsubscribe"], properties: { "List-Unsubscribe": ONE_CLICK_VALUE } },
    { required: ["action"], properties: { action: { enum: ["unsubscribe", "resubscribe"] } } },
    { required: ["action", "undo"], properties: { action: { const: "undo" }, undo: { type: "string", minLength: 1 } } }
  ],
  additionalProperties: { type: "string" }
}

const ONE_CLICK = {
  type: "object",
  description: "RFC 8058 one-click only (the pages' forms are urlencoded; any other multipart body is the 415 page)",
  properties: { "List-Unsubscribe": ONE_CLICK_VALUE },
  required: ["List-Unsubscribe"],
  additionalProperties: true
}

const CENTER_FORM = {
  type: "object",
  description:
    "The center's form (LINKS.md §5): the rendered view's `etag`, `shown.{path}` (1 or 0, the value displayed) and `pref.{path}` (`on` when checked) per editable leaf, where `{path}` is `channel_types.{type}`, `categories.{id}.enabled`, `categories.{id}.channel_types.{type}`, `notiflows.{id}.enabled` or `notiflows.{id}.channel_types.{type}`; the hidden `lang` and the button's `action=save`. Only leaves shown as editable whose submitted value differs from `shown` are written (diff-only; other paths are ignored), and only while `etag` is current (else the 409 stale page). A repeated field counts with its last value. At most 1 MiB and 20,000 fields.",
  properties: {
    etag: { type: "string", minLength: 1 },
    action: { const: "save" },
    lang: { type: "string" }
  },
  patternProperties: {
    "^shown\\.": { enum: ["0", "1"] }
  },
  required: ["etag", "action"],
  additionalProperties: { type: "string" }
}

const options = (path: string, allow: string, errorRef: unknown) => ({
  operationId: `options${path === "/l/assets/{name}" ? "PageAsset" : path.startsWith("/l/unsubscribe") ? "UnsubscribePage" : "PreferenceCenterPage"}`,
  summary: "The allowed methods (no authentication, no CORS)",
  description: `Answers 204 with \`Allow: ${allow}\`; nothing under /l sends Access-Control-* headers.`,
  tags: [PAGES_TAG],
  security: [],
  parameters: [path === "/l/assets/{name}" ? ASSET_PARAM : TOKEN_PARAM],
  responses: {
    "204": { description: "the allowed methods", headers: headers(["x-request-id", "Allow"]) },
    ...errors([431], errorRef)
  }
})

/** `paths` entries of the `/l` pages; `errorRef` is the §3 envelope (431 only). */
export const pagePaths = (errorRef: unknown): Record<string, Record<string, unknown>> => {
  const errs = (statuses: ReadonlyArray<number>, extra?: Readonly<Record<number, ReadonlyArray<HeaderName>>>) => errors(statuses, errorRef, extra)
  return {
    "/l/unsubscribe/{token}": {
      get: {
        operationId: "getUnsubscribePage",
        summary: "The confirm page of an unsubscribe link (GET and HEAD never change anything)",
        description: "LINKS.md §4: the confirm page (or the already-unsubscribed, required, deleted or locked state). Never writes, whatever scanners do.",
        tags: [PAGES_TAG], security: [], parameters: [TOKEN_PARAM],
        responses: { "200": page(200, "the confirm page"), ...errs([404, 410, 429, 431, 500, 503]) }
      },
      post: {
        operationId: "postUnsubscribe",
        summary: "RFC 8058 one-click unsubscribe, and the confirm, undo and resubscribe forms",
        description: "LINKS.md §3: a one-click body answers 200 with an empty body and no Content-Type (never 429); a form answers its page (result, undo done, subscribed again, or a §3 state).",
        tags: [PAGES_TAG], security: [], parameters: [TOKEN_PARAM],
        requestBody: {
          required: true,
          content: { "application/x-www-form-urlencoded": { schema: UNSUBSCRIBE_FORM }, "multipart/form-data": { schema: ONE_CLICK } }
        },
        responses: {
          "200": {
            description: "one-click: an empty body without Content-Type; a form: its result page",
            headers: headers(["x-request-id", "RateLimit", "RateLimit-Policy"]),
            content: { "text/html": { schema: { type: "string" } } }
          },
          ...errs([400, 403, 404, 409, 410, 413, 415, 429, 431, 500, 503])
        }
      },
      options: options("/l/unsubscribe/{token}", "GET, HEAD, POST, OPTIONS", errorRef)
    },
    "/l/preferences/{token}": {
      get: {
        operationId: "getPreferenceCenter",
        summary: "The hosted preference center (GET and HEAD; works without JavaScript)",
        description: "LINKS.md §5: the user's view for the token's tenant in a form; `ETag` is the view's tag, also in the hidden `etag` field.",
        tags: [PAGES_TAG], security: [], parameters: [TOKEN_PARAM],
        responses: { "200": page(200, "the preference center", ["ETag"]), ...errs([404, 410, 429, 431, 500, 503]) }
      },
      post: {
        operationId: "savePreferenceCenter",
        summary: "Save the preference center (diff-only; a stale save writes nothing and keeps the changes)",
        tags: [PAGES_TAG], security: [], parameters: [TOKEN_PARAM],
        requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: CENTER_FORM } } },
        responses: {
          "200": page(200, "the saved page from the stored state", ["ETag"]),
          ...errs([400, 403, 404, 409, 410, 413, 415, 429, 431, 500, 503], { 409: ["ETag"] })
        }
      },
      options: options("/l/preferences/{token}", "GET, HEAD, POST, OPTIONS", errorRef)
    },
    "/l/assets/{name}": {
      get: {
        operationId: "getPageAsset",
        summary: "A page asset (GET and HEAD; immutable, cached for a year)",
        tags: [PAGES_TAG], security: [], parameters: [ASSET_PARAM],
        responses: {
          "200": { description: "the asset", headers: headers(["x-request-id"]), content: { "text/css": { schema: { type: "string" } } } },
          "404": { description: DESCRIPTIONS[404], headers: headers(["x-request-id"]), content: HTML },
          ...errs([431])
        }
      },
      options: options("/l/assets/{name}", "GET, HEAD, OPTIONS", errorRef)
    }
  }
}
