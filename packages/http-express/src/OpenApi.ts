/**
 * The OpenAPI 3.1 document, generated from the route table and the domain's Schemas
 * (`effect/JSONSchema`): every served path under every base, both admin security alternatives
 * (secret key alone; secret + public key), and for each operation exactly the statuses and
 * headers it can answer (see `./internal/OpenApiResponses.ts`).
 *
 * `servers` is the router's mount point (`req.baseUrl`, e.g. `/api`; `/` at the root) as an
 * absolute-path reference, so the document is right under any prefix and behind any host or
 * proxy without trusting forwarded headers; it is built once per mount point.
 */
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import { EVENT_SCHEMAS, FieldIssue } from "@notiflows/domain"
import { API_KEY_HEADER, SECRET_KEY_HEADER, USER_ID_HEADER, USER_KEY_HEADER } from "./Auth.js"
import { PAGES_TAG, pagePaths } from "./internal/OpenApiPages.js"
import { HEADERS, operationResponses } from "./internal/OpenApiResponses.js"
import type { RouteSpec } from "./routes/Route.js"
import { BASES } from "./routes/Route.js"

/** Any JSON value (documentation of open-ended fields; never `Schema.Unknown`, see below). */
const JsonValue = Schema.Unknown.annotations({ jsonSchema: {} })

/** The §3 error envelope as a Schema (documentation). */
export const ErrorEnvelopeSchema = Schema.Struct({
  error: Schema.Struct({
    type: Schema.String,
    code: Schema.String,
    message: Schema.String,
    status: Schema.Int,
    request_id: Schema.String,
    details: Schema.Struct(
      {
        reason: Schema.optionalWith(Schema.String, { exact: true }),
        param: Schema.optionalWith(Schema.String, { exact: true }),
        auth: Schema.optionalWith(Schema.Literal("secret_key", "api_key", "user_key"), { exact: true }),
        resource: Schema.optionalWith(Schema.String, { exact: true }),
        id: Schema.optionalWith(Schema.String, { exact: true }),
        current_status: Schema.optionalWith(Schema.String, { exact: true }),
        limit: Schema.optionalWith(Schema.Number, { exact: true }),
        retry_after: Schema.optionalWith(Schema.Number, { exact: true }),
        window: Schema.optionalWith(Schema.String, { exact: true }),
        idempotency_key: Schema.optionalWith(Schema.String, { exact: true }),
        required_scope: Schema.optionalWith(Schema.String, { exact: true }),
        fields: Schema.optionalWith(Schema.Array(FieldIssue), { exact: true })
      },
      Schema.Record({ key: Schema.String, value: JsonValue })
    )
  })
}).annotations({ identifier: "Error" })

const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  Preferences: "Admin API: a user's preferences (merge-patch writes, views, history)",
  Evaluation: "Admin API: send-time decisions",
  Users: "Admin API: user profiles",
  Notiflows: "Admin API: the notiflow catalog",
  Defaults: "Admin API: the project's channel-type defaults",
  Webhooks: "Admin API: webhook endpoints, their deliveries, replay and test (EVENTS.md §4)",
  "User API": "Browsers and apps: the signed-in user's own preferences (public key + user token)",
  Service: "Health, readiness, this document and metrics (no authentication)",
  "Admin API": "Admin API paths (OPTIONS)",
  [PAGES_TAG]: "The end user's pages under /l: one-click unsubscribe, confirm, result, undo, the preference center (HTML, no authentication: the signed token is the capability)"
}

const ERROR_REF = { $ref: "#/components/schemas/Error" }

const SECURITY: Readonly<Record<RouteSpec["api"], ReadonlyArray<Record<string, ReadonlyArray<string>>>>> = {
  admin: [{ SecretKey: [] }, { SecretKey: [], PublicKey: [] }],
  user: [{ PublicKey: [], UserKey: [] }, { PublicKey: [], DevUserId: [] }],
  service: []
}

const PATH_PARAMS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  user_id: {
    name: "user_id",
    in: "path",
    required: true,
    description: "the user's external id: 1-255 Unicode code points, no control characters (percent-encoded UTF-8)",
    schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]+$" }
  },
  notiflow_id: {
    name: "notiflow_id",
    in: "path",
    required: true,
    description: "notiflow id: 1-64 of A-Za-z0-9_:-, not __proto__, constructor or prototype",
    schema: { type: "string", pattern: "^(?!(?:__proto__|constructor|prototype)$)[A-Za-z0-9_:-]{1,64}$" }
  },
  category_id: {
    name: "category_id",
    in: "path",
    required: true,
    description: "category id: 1-64 of A-Za-z0-9_:-, not __proto__, constructor or prototype",
    schema: { type: "string", pattern: "^(?!(?:__proto__|constructor|prototype)$)[A-Za-z0-9_:-]{1,64}$" }
  },
  tenant_id: {
    name: "tenant_id",
    in: "path",
    required: true,
    description: "tenant id: 1-64 of A-Za-z0-9_:-, not __proto__, constructor or prototype (tenants never 404)",
    schema: { type: "string", pattern: "^(?!(?:__proto__|constructor|prototype)$)[A-Za-z0-9_:-]{1,64}$" }
  },
  webhook_id: {
    name: "webhook_id",
    in: "path",
    required: true,
    description: "the webhook endpoint's id (a UUID; anything else is not found)",
    schema: { type: "string", format: "uuid" }
  },
  job_id: {
    name: "job_id",
    in: "path",
    required: true,
    description: "a job id (UUID, BULK.md §1.2)",
    schema: { type: "string", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" }
  }
}

const pathParams = (path: string) => [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => PATH_PARAMS[m[1] ?? ""] ?? {})

const IDEMPOTENCY_PARAM = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "1-255 visible ASCII characters; the first 2xx/4xx response is replayed for 24 h (Idempotent-Replayed: true)",
  schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" }
}

/**
 * effect's JSONSchema marks `Schema.Unknown`/`Any` with `$id: "/schemas/unknown"` (or `any`);
 * repeated, these make the document invalid (duplicate `$id`). They mean "any value": drop them.
 */
const withoutSchemaIds = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutSchemaIds)
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === "$id" && typeof v === "string" && v.startsWith("/schemas/")) continue
    out[k] = withoutSchemaIds(v)
  }
  return out
}

/** How deep arrays may nest inside a recursive value (custom fields nest at most 16 levels). */
const MAX_ARRAY_NESTING = 16

/**
 * A recursive union with an array branch (`X = … | X[]`, e.g. a JSON value) becomes a chain of
 * `XArray1 … XArray16` components: TypeScript generators (openapi-typescript) emit
 * `components["schemas"]["X"][]` for it, a circular type TypeScript refuses (recursion through
 * object members is fine and is kept). The chain admits exactly the same values up to the
 * nesting the server accepts.
 */
const unrollArrayRecursion = (definitions: Record<string, unknown>): void => {
  for (const [name, schema] of Object.entries(definitions)) {
    const branches = (schema as { anyOf?: Array<Record<string, unknown>> }).anyOf
    if (branches === undefined) continue
    const self = `#/components/schemas/${name}`
    const isSelfArray = (b: Record<string, unknown>) => b["type"] === "array" && (b["items"] as { $ref?: string } | undefined)?.$ref === self
    const arrayBranch = branches.find(isSelfArray)
    if (arrayBranch === undefined) continue
    const others = branches.filter((b) => !isSelfArray(b))
    const level = (k: number) => `${name}Array${k}`
    for (let k = 1; k <= MAX_ARRAY_NESTING; k++) {
      const deeper = k < MAX_ARRAY_NESTING ? [{ $ref: `#/components/schemas/${level(k + 1)}` }] : []
      definitions[level(k)] = { ...arrayBranch, items: { anyOf: [...others, ...deeper] }, description: `${name} arrays nested ${k} deep` }
    }
    definitions[name] = { ...(schema as Record<string, unknown>), anyOf: branches.map((b) => (isSelfArray(b) ? { $ref: `#/components/schemas/${level(1)}` } : b)) }
  }
}

const operationIdOf = (route: RouteSpec, base: string, i: number): string =>
  i === 0 ? route.operationId : `${route.operationId}_${base.split("/").pop() ?? ""}`

/** `OPTIONS` on a path: the router answers 204 with `Allow` (and CORS preflight headers on the User API). */
const optionsOperation = (path: string, api: RouteSpec["api"], methods: ReadonlyArray<string>) => ({
  operationId: `options${path.replace(/\{([a-z_]+)\}/g, "by_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
  summary: api === "user" ? "CORS preflight: the allowed methods (no authentication)" : "The allowed methods (no authentication)",
  description: `Answers 204 with \`Allow: ${[...methods, "OPTIONS"].join(", ")}\`${api === "user" ? "; for an allowed Origin also the Access-Control-Allow-* headers" : ""}.`,
  tags: api === "admin" ? ["Admin API"] : api === "user" ? ["User API"] : ["Service"],
  security: [],
  parameters: pathParams(path),
  responses: operationResponses({ kind: "options", api }, () => ({}), ERROR_REF)
})

/** `x-notiflows-consent-context` (EVENTS.md, Decisions 1): an admin write relays the end user's context. */
const CONSENT_CONTEXT_PARAM = {
  name: "x-notiflows-consent-context",
  in: "header",
  required: false,
  description:
    'The end user\'s context to record in the ledger entry (source stays admin_api): an RFC 8941 Dictionary of sf-strings, e.g. ip="203.0.113.9", user_agent="Mozilla/5.0 …" (ip an IPv4 or IPv6 address; either may be absent; unknown members ignored; anything else 400 invalid_header)',
  schema: { type: "string" }
}

/** The Standard Webhooks headers of every delivery (EVENTS.md §4.2). */
const WEBHOOK_HEADERS = [
  ["webhook-id", "the event id (the same in the feed and every attempt and replay): dedupe on it"],
  ["webhook-timestamp", "unix seconds at this attempt's start"],
  ["webhook-signature", "v1,<base64 HMAC-SHA256 of \"<webhook-id>.<webhook-timestamp>.<body>\">, space-separated, the newest secret first"]
].map(([name, description]) => ({ name, in: "header", required: true, description, schema: { type: "string" } }))

/**
 * OpenAPI 3.1 `webhooks`: every event type, its body generated from the event's Schema (the same
 * bytes the feed answers). Receivers answer 2xx; anything else is retried (EVENTS.md §4.3).
 */
const webhooksOf = (schemaOf: (s: Schema.Schema.Any) => unknown): Record<string, unknown> =>
  Object.fromEntries(
    EVENT_SCHEMAS.map(({ type, summary, schema }) => [
      type,
      {
        post: {
          operationId: `event_${type.replace(/[^A-Za-z0-9]+/g, "_")}`,
          summary,
          description: `Sent to the webhook endpoints subscribed to \`${type}\` (and listed in GET /admin/events). Consumers ignore unknown types and fields.`,
          tags: ["Events"],
          // The receiver authenticates the request by its Standard Webhooks signature (the headers).
          security: [],
          parameters: WEBHOOK_HEADERS,
          requestBody: { required: true, content: { "application/json": { schema: schemaOf(schema) } } },
          responses: {
            "2XX": { description: "accepted (any 2xx); 410 disables the endpoint; anything else is retried" }
          }
        }
      }
    ])
  )

/** Builds the document for a route table, served under `baseUrl` (the mount point; `""` at the root). */
export const makeOpenApiDocument = (routes: ReadonlyArray<RouteSpec>, baseUrl = ""): Record<string, unknown> => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const schemaOf = (s: Schema.Schema.Any) =>
    JSONSchema.fromAST(s.ast, { definitions, definitionPath: "#/components/schemas/", target: "openApi3.1" })
  const paths: Record<string, Record<string, unknown>> = {}
  const apiOfPath: Record<string, RouteSpec["api"]> = {}
  for (const route of routes) {
    for (const [i, base] of BASES[route.api].entries()) {
      const path = `${base}${route.path}`
      apiOfPath[path] = route.api
      const params = pathParams(route.path)
      const query = (route.query ?? []).map((q) => ({ name: q.name, in: "query", required: false, description: q.description, schema: q.schema }))
      const conditional = (route.conditional ?? []).map((h) => ({
        name: h,
        in: "header",
        required: false,
        description: h === "If-Match" ? "write only if the current ETag is listed (else 412)" : "a previous ETag: 304 when unchanged",
        schema: { type: "string" }
      }))
      const idempotency = route.api !== "service" && route.method !== "GET" ? [IDEMPOTENCY_PARAM] : []
      const consent = route.consentHeader === true ? [CONSENT_CONTEXT_PARAM] : []
      const operation = {
        operationId: operationIdOf(route, base, i),
        summary: route.summary,
        tags: route.tags,
        security: SECURITY[route.api],
        parameters: [...params, ...query, ...conditional, ...idempotency, ...consent],
        ...(route.request !== undefined
          ? {
              requestBody: {
                required: true,
                content: {
                  "application/json": { schema: schemaOf(route.request) },
                  "application/merge-patch+json": { schema: schemaOf(route.request) }
                }
              }
            }
          : {}),
        responses: operationResponses({ kind: "route", route }, schemaOf, ERROR_REF)
      }
      paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
    }
  }
  for (const [path, ops] of Object.entries(paths)) {
    ops["options"] = optionsOperation(path, apiOfPath[path] ?? "service", Object.keys(ops).map((m) => m.toUpperCase()))
  }
  Object.assign(paths, pagePaths(ERROR_REF))
  schemaOf(ErrorEnvelopeSchema)
  const webhooks = webhooksOf(schemaOf)
  unrollArrayRecursion(definitions as Record<string, unknown>)
  return withoutSchemaIds({
    openapi: "3.1.0",
    info: {
      title: "Notiflows Preferences",
      version: "1.0.0",
      description: "Users' notification preferences: store, merge, evaluate."
    },
    servers: [{ url: baseUrl === "" ? "/" : baseUrl, description: "where this router is mounted" }],
    tags: [...new Set([...routes.flatMap((r) => r.tags), "Admin API", "User API", "Service", PAGES_TAG])].map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? name
    })),
    paths,
    webhooks,
    components: {
      schemas: definitions,
      headers: HEADERS,
      securitySchemes: {
        SecretKey: { type: "apiKey", in: "header", name: SECRET_KEY_HEADER, description: "sk_…: identifies the project" },
        PublicKey: { type: "apiKey", in: "header", name: API_KEY_HEADER, description: "pk_…: the project's public key" },
        UserKey: { type: "apiKey", in: "header", name: USER_KEY_HEADER, description: "an RS256 JWT whose sub is the user's external id" },
        DevUserId: { type: "apiKey", in: "header", name: USER_ID_HEADER, description: "the user's external id; only when the project's security mode is off" }
      }
    }
  }) as Record<string, unknown>
}
