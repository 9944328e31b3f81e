/**
 * The document's verdict is the server's (issue 9): generated valid and invalid requests go to
 * every operation that takes input, and the server's accept/refuse verdict must equal Ajv's
 * verdict against the operation in `/openapi.json`.
 *
 * - Bodies: values generated from the route's request Schema (effect's Arbitrary, encoded),
 *   then mutated (an extra key, a subtree replaced by any JSON, a key removed, any JSON at all).
 * - Path parameters (`user_id`, `notiflow_id`) and `limit`: well-formed, malformed and hostile
 *   strings. Cursors are opaque (a cursor's validity is not a schema matter) and not generated.
 *
 * The server refuses when it answers 400, or 422 with a problem the Schemas find. Checks that
 * need stored data are a second pass the document cannot state and do not count as a refusal:
 * `unknown_notiflow` and `unknown_category` (catalog), `locked` and a lock without a value
 * (tenant state), `external_id` differing from the path (user upsert). A 404
 * (a resource the request names does not exist) comes before the body is read: no verdict.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import request from "supertest"
import { beforeAll, describe, expect, it } from "vitest"
import { OpenApiContract } from "@notiflows/testing"
import type { RouteSpec } from "../src/index.js"
import { makeOpenApiDocument, ROUTES } from "../src/index.js"
import { BASES } from "../src/routes/Route.js"
import type { SeededProject } from "./harness.js"
import { makeHarness } from "./harness.js"

const h = makeHarness()
const doc = makeOpenApiDocument(ROUTES, "/api")
const contract = OpenApiContract.makeContractChecker(doc)
const USER = "prop-user"
/** Live, configurable notiflows the generated bodies name (so the catalog pass rarely speaks). */
const NOTIFLOWS = ["n1", "n2"]
/** The notiflow whose upserts are generated (its settings change; the others' stay configurable). */
const UPSERTED = "n3"
/** The category whose upserts are generated, and the tenant whose defaults are (MODEL.md §5). */
const CATEGORY = "c1"
const TENANT = "t1"
const RUNS = 80
let p: SeededProject

beforeAll(async () => {
  p = await h.project({ securityMode: "off" })
  await request(h.app).put(`/api/admin/users/${USER}`).set(p.admin).send({}).expect(201)
  for (const id of [...NOTIFLOWS, UPSERTED]) await request(h.app).put(`/api/admin/notiflows/${id}`).set(p.admin).send({ name: id }).expect(201)
  await request(h.app).put(`/api/admin/categories/${CATEGORY}`).set(p.admin).send({ name: CATEGORY }).expect(201)
  const webhook = await request(h.app).post("/api/admin/webhooks").set(p.admin).send({ url: "https://example.com/hooks" }).expect(201)
  FIXED["webhook_id"] = webhook.body.id as string
})

const headersOf = (route: RouteSpec): Record<string, string> =>
  route.api === "user" ? { "x-notiflows-api-key": p.publicKey, "x-notiflows-user-id": USER } : p.admin

type Issue = { readonly field: string; readonly reason: string; readonly message?: string }

/**
 * The server's verdict: `undefined` when it gave none the document can state — a 404 (answered
 * before the body is judged), or a 422 whose every problem is a second-pass check (the catalog's
 * `unknown_notiflow`, a user's `external_id` or a notiflow's `id` differing from the path): the server need not
 * judge the inside of a choice for a notiflow it does not show.
 */
const serverAccepts = (route: RouteSpec, status: number, body: unknown): boolean | undefined => {
  if (status === 404) return undefined
  if (status === 400) return false
  if (status !== 422) return true
  const fields = ((body as { error?: { details?: { fields?: Array<Issue> } } }).error?.details?.fields ?? []) as Array<Issue>
  const secondPass = (i: Issue) =>
    i.reason === "unknown_notiflow" ||
    i.reason === "unknown_category" ||
    i.reason === "locked" ||
    // LINKS.md §2.1: a required notiflow is a catalog fact.
    i.reason === "not_unsubscribable" ||
    // LINKS.md §2.4: a WCAG contrast ratio, which JSON Schema cannot state.
    i.reason === "insufficient_contrast" ||
    // A lock needs the value false at its leaf after the patch (the stored defaults count).
    (route.operationId === "updateTenantDefaults" && (i.reason === "required" || i.reason === "invalid_format") && /lock/.test(i.message ?? "")) ||
    (route.operationId === "upsertCategory" && i.field === "id" && i.reason === "invalid_format") ||
    (route.operationId === "upsertCategory" && i.field === "name" && i.reason === "required") ||
    (route.operationId === "upsertUser" && i.field === "external_id" && i.reason === "invalid_format") ||
    // Membership in the IANA time zone database and BCP 47 well-formedness are checked by Intl; the
    // document states only what JSON Schema can (a non-empty string of at most 64 characters).
    (route.operationId === "upsertUser" && (i.field === "timezone" || i.field === "locale") && i.reason === "invalid_format") ||
    (route.operationId === "upsertNotiflow" && i.field === "id" && i.reason === "invalid_format") ||
    // EVENTS.md §4: the project's endpoint count, the private-address rules, retained event ids, cursors and "exactly one of".
    (route.operationId === "createWebhook" && i.field === "" && i.reason === "too_many") ||
    ((route.operationId === "createWebhook" || route.operationId === "updateWebhook") && i.field === "url" && i.reason === "invalid_format") ||
    (route.operationId === "replayWebhook" && (/^event_ids\.\d+$/.test(i.field) || i.field === "after" || i.field === "")) ||
    // BULK.md §1.1: a user id repeated in one job (JSON Schema cannot say "distinct by user_id").
    (route.operationId === "bulkUpdatePreferences" && i.reason === "invalid_format" && /repeated/.test(i.message ?? ""))
  return fields.every(secondPass) ? undefined : false
}

/** Keys of every `notiflows` map renamed to the seeded notiflows (generated ids are random). */
const knownIds = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(knownIds)
  if (!isObject(v)) return v
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      k === "notiflows" && isObject(x) ? Object.fromEntries(Object.values(x).map((y, i) => [NOTIFLOWS[i % NOTIFLOWS.length]!, knownIds(y)])) : knownIds(x)
    ])
  )
}

const send = (route: RouteSpec, path: string, body?: unknown) => {
  const req = request(h.app)[route.method.toLowerCase() as "get" | "put" | "post" | "delete"](`/api${path}`).set(headersOf(route))
  return body === undefined ? req : req.set("content-type", "application/json").send(JSON.stringify(body))
}

const fill = (path: string, params: Readonly<Record<string, string>>): string =>
  path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ""))

/** `webhook_id` is set once the endpoint exists (beforeAll). */
const FIXED: Record<string, string> = { user_id: USER, notiflow_id: UPSERTED, category_id: CATEGORY, tenant_id: TENANT, job_id: "01890000-0000-7000-8000-000000000000" }

// ---- bodies ----------------------------------------------------------------------------------

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Every path to a value inside `v`. */
const pathsOf = (v: unknown, at: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => {
  const inner = isObject(v) ? Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, k])) : Array.isArray(v) ? v.flatMap((x, i) => pathsOf(x, [...at, i])) : []
  return [at, ...inner]
}

/** `v` with the value at `path` replaced by `x` (or removed). */
const replaceAt = (v: unknown, path: ReadonlyArray<string | number>, x: unknown, remove: boolean): unknown => {
  if (path.length === 0) return remove ? {} : x
  const [head, ...rest] = path
  if (Array.isArray(v)) {
    const copy = [...v]
    if (remove && rest.length === 0) copy.splice(head as number, 1)
    else copy[head as number] = replaceAt(copy[head as number], rest, x, remove)
    return copy
  }
  if (!isObject(v)) return v
  const copy: Record<string, unknown> = { ...v }
  if (remove && rest.length === 0) delete copy[head as string]
  else copy[head as string] = replaceAt(copy[head as string], rest, x, remove)
  return copy
}

const anyJson = fc.jsonValue({ maxDepth: 3 })

/** Wire bodies the route's Schema produces (encoded), as the JSON that is sent. */
const validBodies = (schema: Schema.Schema.Any): fc.Arbitrary<unknown> => {
  const s = schema as Schema.Schema<unknown, unknown, never>
  return Arbitrary.make(s)
    .map((value) => {
      try {
        return knownIds(JSON.parse(JSON.stringify(Schema.encodeSync(s)(value))))
      } catch {
        return undefined
      }
    })
    .filter((v) => v !== undefined)
}

const bodies = (schema: Schema.Schema.Any): fc.Arbitrary<unknown> =>
  validBodies(schema).chain((valid) => {
    const paths = pathsOf(valid)
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(valid) },
      { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 12 }), anyJson).map(([k, x]) => (isObject(valid) ? { ...valid, [k === "" ? "extra" : k]: x } : valid)) },
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...paths), anyJson).map(([path, x]) => replaceAt(valid, path, x, false)) },
      { weight: 2, arbitrary: fc.constantFrom(...paths).map((path) => replaceAt(valid, path, undefined, true)) },
      { weight: 1, arbitrary: anyJson }
    )
  })

// ---- parameters ------------------------------------------------------------------------------

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:-"
const idLike = fc.stringOf(fc.constantFrom(...ID_CHARS), { minLength: 1, maxLength: 70 })
const paramValues = fc
  .oneof(
    idLike,
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.fullUnicodeString({ minLength: 1, maxLength: 10 }),
    fc.constantFrom("__proto__", "constructor", "prototype", "a\u0000b", "tab\there", "x".repeat(255), "x".repeat(256), "ü", "a b", "%", "a/b"),
    fc.string({ minLength: 250, maxLength: 300 })
  )
  // Not expressible as one path segment: empty, dot segments (normalised away), lone surrogates.
  .filter((s) => s !== "" && s !== "." && s !== ".." && s.isWellFormed())

const limits = fc.oneof(fc.integer({ min: -5, max: 1_100 }).map(String), fc.constantFrom("", "1.5", "1e2", "+1", "01", " 5", "0x10", "1000", "1001"), fc.string({ maxLength: 6 }))

// ---- the properties --------------------------------------------------------------------------

const template = (route: RouteSpec) => `${BASES[route.api][0]}${route.path}`
const withInput = ROUTES.filter((r) => r.api !== "service")

describe("the server's accept/refuse verdict equals the document's", () => {
  for (const route of withInput.filter((r) => r.request !== undefined)) {
    it(`${route.method} ${template(route)}: bodies`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies(route.request!), async (body) => {
          const res = await send(route, fill(template(route), FIXED), body)
          const server = serverAccepts(route, res.status, res.body)
          if (server === undefined) return
          const problems = contract.checkRequest({ method: route.method, template: template(route), params: FIXED, body })
          expect({ server, status: res.status, fields: res.body?.error?.details?.fields, document: problems }).toMatchObject({ server: problems.length === 0 })
        }),
        { numRuns: RUNS }
      )
    }, 180_000)
  }

  for (const route of withInput.filter((r) => r.method === "GET" && r.path.includes("{"))) {
    it(`${route.method} ${template(route)}: path parameters`, async () => {
      const name = /\{([a-z_]+)\}/.exec(route.path)?.[1] ?? ""
      await fc.assert(
        fc.asyncProperty(paramValues, async (value) => {
          const params = { ...FIXED, [name]: value }
          const res = await send(route, fill(template(route), params))
          const problems = contract.checkRequest({ method: route.method, template: template(route), params })
          expect({ value, status: res.status, refused: res.status === 400 }).toMatchObject({ refused: problems.length > 0 })
        }),
        { numRuns: RUNS }
      )
    })
  }

  for (const route of withInput.filter((r) => r.query?.some((q) => q.name === "limit") === true)) {
    it(`${route.method} ${template(route)}: limit`, async () => {
      await fc.assert(
        fc.asyncProperty(limits, async (limit) => {
          const res = await send(route, `${fill(template(route), FIXED)}?limit=${encodeURIComponent(limit)}`)
          const problems = contract.checkRequest({ method: route.method, template: template(route), params: FIXED, query: { limit } })
          expect({ limit, status: res.status, refused: res.status === 400 }).toMatchObject({ refused: problems.length > 0 })
        }),
        { numRuns: RUNS }
      )
    })
  }
})
