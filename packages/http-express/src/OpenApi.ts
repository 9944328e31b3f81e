/**
 * The OpenAPI 3.1 document, generated from the route table and the domain's Schemas
 * (`effect/JSONSchema`): every served path under every base, both admin security alternatives
 * (secret key alone; secret + public key), and every error status with the §3 envelope.
 */
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import { FieldIssue } from "@notiflows/domain"
import { API_KEY_HEADER, SECRET_KEY_HEADER, USER_ID_HEADER, USER_KEY_HEADER } from "./Auth.js"
import type { RouteSpec } from "./routes/Route.js"
import { BASES } from "./routes/Route.js"

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
      Schema.Record({ key: Schema.String, value: Schema.Unknown })
    )
  })
}).annotations({ identifier: "Error" })

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: "bad_request: invalid_json or invalid_param",
  401: "unauthenticated: details.auth names the credential",
  403: "forbidden: origin_not_allowed",
  404: "not_found: details.resource is user, notiflow or route",
  405: "method_not_allowed: see the Allow header",
  409: "conflict: idempotency_key_reused or idempotency_key_in_use",
  412: "precondition_failed: If-Match does not match; details.current_status and ETag hold the current tag",
  413: "payload_too_large: the body exceeds 256 KiB",
  415: "unsupported_media_type: send application/json",
  422: "validation_error: details.fields lists every problem",
  429: "rate_limited: retry after details.retry_after seconds (Retry-After, RateLimit and RateLimit-Policy headers)",
  500: "internal_error",
  503: "service_unavailable: retry after details.retry_after seconds"
}

/** The error statuses a route can answer. */
const errorStatuses = (route: RouteSpec): ReadonlyArray<number> => {
  if (route.api === "service") return route.path === "/readyz" ? [404, 405, 500, 503] : [404, 405, 500]
  const s = new Set<number>([400, 401, 404, 405, 500, 503])
  if (route.api === "user") s.add(403)
  if (route.body) [413, 415, 422].forEach((x) => s.add(x))
  if (route.query?.some((q) => q.name === "limit") === true) s.add(422)
  if (route.conditional?.includes("If-Match") === true) s.add(412)
  s.add(429)
  if (route.method !== "GET") s.add(409)
  return [...s].sort()
}

const SECURITY: Readonly<Record<RouteSpec["api"], ReadonlyArray<Record<string, ReadonlyArray<string>>>>> = {
  admin: [{ SecretKey: [] }, { SecretKey: [], PublicKey: [] }],
  user: [{ PublicKey: [], UserKey: [] }, { PublicKey: [], DevUserId: [] }],
  service: []
}

const PATH_PARAMS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  user_id: { name: "user_id", in: "path", required: true, description: "the user's external id (1-255 characters, no control characters)", schema: { type: "string", minLength: 1, maxLength: 255 } },
  notiflow_id: { name: "notiflow_id", in: "path", required: true, description: "notiflow id", schema: { type: "string", pattern: "^[A-Za-z0-9_:-]{1,64}$" } }
}

/** Builds the document for a route table. */
export const makeOpenApiDocument = (routes: ReadonlyArray<RouteSpec>): Record<string, unknown> => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const schemaOf = (s: Schema.Schema.Any) =>
    JSONSchema.fromAST(s.ast, { definitions, definitionPath: "#/components/schemas/", target: "openApi3.1" })
  const errorRef = schemaOf(ErrorEnvelopeSchema)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    for (const [i, base] of BASES[route.api].entries()) {
      const path = `${base}${route.path}`
      const params = [...route.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => PATH_PARAMS[m[1] ?? ""] ?? {})
      const query = (route.query ?? []).map((q) => ({ name: q.name, in: "query", required: false, description: q.description, schema: q.schema }))
      const conditional = (route.conditional ?? []).map((h) => ({ name: h, in: "header", required: false, schema: { type: "string" } }))
      const idempotency =
        route.api !== "service" && route.method !== "GET"
          ? [{ name: "Idempotency-Key", in: "header", required: false, description: "1-255 characters; the first 2xx/4xx response is replayed for 24 h", schema: { type: "string", minLength: 1, maxLength: 255 } }]
          : []
      const responses: Record<string, unknown> = {}
      for (const [status, r] of Object.entries(route.responses)) {
        responses[status] = {
          description: r.description,
          headers: { "x-request-id": { $ref: "#/components/headers/RequestId" } },
          ...(r.schema !== undefined ? { content: { "application/json": { schema: schemaOf(r.schema) } } } : {})
        }
      }
      for (const status of errorStatuses(route)) {
        responses[String(status)] = {
          description: ERROR_DESCRIPTIONS[status] ?? "error",
          headers: { "x-request-id": { $ref: "#/components/headers/RequestId" } },
          content: { "application/json": { schema: errorRef } }
        }
      }
      const operation = {
        operationId: i === 0 ? route.operationId : `${route.operationId}_${base.split("/").pop() ?? ""}`,
        summary: route.summary,
        tags: route.tags,
        security: SECURITY[route.api],
        parameters: [...params, ...query, ...conditional, ...idempotency],
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
        responses
      }
      paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "Notiflows Preferences", version: "1.0.0", description: "Users' notification preferences: store, merge, evaluate." },
    paths,
    components: {
      schemas: definitions,
      headers: { RequestId: { description: "the request id (echoed or generated)", schema: { type: "string" } } },
      securitySchemes: {
        SecretKey: { type: "apiKey", in: "header", name: SECRET_KEY_HEADER, description: "sk_…: identifies the project" },
        PublicKey: { type: "apiKey", in: "header", name: API_KEY_HEADER, description: "pk_…: the project's public key" },
        UserKey: { type: "apiKey", in: "header", name: USER_KEY_HEADER, description: "an RS256 JWT whose sub is the user's external id" },
        DevUserId: { type: "apiKey", in: "header", name: USER_ID_HEADER, description: "the user's external id; only when the project's security mode is off" }
      }
    }
  }
}
