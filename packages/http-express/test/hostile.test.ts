/**
 * Hostile input, property-based (issue 5 "Hostile input"): random and malformed requests
 * against every write route and the User API of the router mounted in a host app on the
 * in-memory adapters. Requests go over a real socket (node:http, so paths are sent verbatim:
 * `..`, `%2F`, `%00`, raw latin1 bytes) to a host server whose header limit is raised, so huge
 * headers reach the router (the 431 path belongs to the standalone server: apps/server).
 *
 * Properties, for every request:
 * - a success, or exactly the §3 envelope (`type`, `status`, `request_id` = `x-request-id`);
 *   never a 500, never a hang (each request is bounded);
 * - the status the §3 order of checks predicts for the input's class (404/405 route, 401,
 *   415, 413, 400 `invalid_json`, 400 `invalid_header`, 400 `invalid_param`);
 * - stored data (the `?explicit=true` view, history, lists and the StorageInspector) is unchanged
 *   unless a write answered 2xx; nothing stored ever holds a reserved key or a non-plain object;
 * - no key, key hash, token, stack frame, SQL or file path in any header or body (unless the
 *   request itself carried that text, which some errors echo, e.g. an id);
 * - `Object.prototype` and `Array.prototype` are untouched afterwards.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { StorageInspector } from "@notiflows/testing"
import { hashPresentedKey as hashApiKey } from "../src/internal/KeyHash.js"
import type { SeededProject } from "./harness.js"
import { makeHarness, makeSigningKey, signToken } from "./harness.js"

// ---------------------------------------------------------------------------------------------
// Transport: one request over a keep-alive socket, bounded by a timeout.

interface Raw {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
}

interface Req {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string | ReadonlyArray<string>>
  readonly body?: Buffer
  /** Send the body with `Transfer-Encoding: chunked` (no Content-Length). */
  readonly chunked?: boolean
}

const REQUEST_TIMEOUT_MS = 10_000
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })

const call = (port: number, r: Req): Promise<Raw> =>
  new Promise((resolve, reject) => {
    let settled = false
    const done = (f: () => void) => {
      if (!settled) {
        settled = true
        clearTimeout(timer)
        f()
      }
    }
    const headers: http.OutgoingHttpHeaders = { ...r.headers } as http.OutgoingHttpHeaders
    if (r.body !== undefined && r.chunked !== true) headers["content-length"] = String(r.body.length)
    if (r.chunked === true) headers["transfer-encoding"] = "chunked"
    const req = http.request({ host: "127.0.0.1", port, method: r.method, path: r.path, headers, agent, maxHeaderSize: 1 << 20 }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") })))
      res.on("error", (e) => done(() => reject(e)))
    })
    const timer = setTimeout(() => {
      req.destroy()
      done(() => reject(new Error(`no response within ${REQUEST_TIMEOUT_MS} ms: ${r.method} ${r.path.slice(0, 200)}`)))
    }, REQUEST_TIMEOUT_MS)
    // The server may answer (413) and close before the whole body is written: a write error
    // after the response is not a failure; one before it is.
    req.on("error", (e) => done(() => reject(e)))
    if (r.body !== undefined) req.end(r.body)
    else req.end()
  })

// ---------------------------------------------------------------------------------------------
// The fixture: project A (security on, a signing key, one allowed origin) with a victim user,
// a configurable notiflow and a hidden one; project B holds a user and a notiflow of its own.

const h = makeHarness()
let server: http.Server
let port = 0
let A: SeededProject
let B: SeededProject
let token = ""
let userHeaders: Record<string, string> = {}
const VICTIM = "victim"
const B_USER = "b-only-user"
const KNOWN_NOTIFLOWS = ["n1", "hidden", "gone", "toString"]

const admin = (method: string, path: string, body?: unknown): Promise<Raw> =>
  call(port, {
    method,
    path: `/api/admin${path}`,
    headers: { ...A.admin, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)) } : {})
  })

beforeAll(async () => {
  server = http.createServer({ maxHeaderSize: 4 << 20 }, h.app)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
  const k = await makeSigningKey("k1")
  A = await h.project({ signingKeys: [{ kid: "k1", publicKeyPem: k.publicKeyPem }], allowedOrigins: ["https://app.example.com"] })
  B = await h.project()
  token = await signToken(k.privateKey, { sub: VICTIM }, { alg: "RS256", kid: "k1" })
  userHeaders = { "x-notiflows-api-key": A.publicKey, "x-notiflows-user-key": token }
  const ok = (r: Raw, status: number) => expect(r.status, r.text).toBe(status)
  ok(await admin("PUT", `/users/${VICTIM}`, { email: "victim@example.com", custom_fields: { plan: "pro" } }), 201)
  ok(await admin("PUT", "/notiflows/n1", { name: "N1", default_channel_types: { sms: false } }), 201)
  ok(await admin("PUT", "/notiflows/hidden", { name: "Hidden", include_in_preferences: false }), 201)
  ok(await admin("PUT", "/notiflows/gone", { name: "Gone" }), 201)
  ok(await admin("PUT", "/notiflows/toString", { name: "Proto-named" }), 201)
  ok(await admin("PUT", `/users/${VICTIM}/preferences`, { channel_types: { email: false }, notiflows: { n1: { enabled: false }, gone: { channel_types: { sms: true } } } }), 200)
  ok(await admin("DELETE", "/notiflows/gone"), 204)
  const b = (method: string, path: string, body?: unknown) =>
    call(port, {
      method,
      path: `/api/admin${path}`,
      headers: { ...B.admin, "content-type": "application/json" },
      ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)) } : {})
    })
  ok(await b("PUT", `/users/${B_USER}`, { email: "b@example.com" }), 201)
  ok(await b("PUT", "/notiflows/n1", { name: "B's N1" }), 201)
})

afterAll(async () => {
  agent.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

// ---------------------------------------------------------------------------------------------
// State: everything a request could change, read through the API and the StorageInspector.

const inspect = <A>(f: (i: StorageInspector["Type"]) => Effect.Effect<A>): Promise<A> =>
  h.runtime.runPromise(Effect.flatMap(StorageInspector, f))

const decodeSegment = (raw: string): string | undefined => {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

const storedState = async (extraUser: string | undefined, extraNotiflow: string | undefined) => {
  const users = [VICTIM, ...(extraUser !== undefined && extraUser !== VICTIM ? [extraUser] : [])]
  const notiflows = [...KNOWN_NOTIFLOWS, ...(extraNotiflow !== undefined ? [extraNotiflow] : [])]
  const stored = await inspect((i) =>
    Effect.gen(function* () {
      const perProject = (projectId: string) =>
        Effect.gen(function* () {
          const userRows = (yield* Effect.forEach(users, (u) => i.userRow(projectId, u))).map(Option.getOrNull)
          const prefs = yield* Effect.forEach(userRows, (row) =>
            row !== null
              ? Effect.map(Effect.all([i.preferenceRow(projectId, row.id), i.historyRows(projectId, row.id)]), ([p, hist]) => [Option.getOrNull(p), hist])
              : Effect.succeed(null)
          )
          return {
            project: Option.getOrNull(yield* i.projectRow(projectId)),
            userCount: yield* i.userCount(projectId),
            users: userRows,
            prefs,
            notiflows: (yield* Effect.forEach(notiflows, (n) => i.notiflowRow(projectId, n))).map(Option.getOrNull),
            keys: yield* i.apiKeyRows(projectId)
          }
        })
      return { a: yield* perProject(A.project.id), b: yield* perProject(B.project.id) }
    })
  )
  const api = await Promise.all([
    admin("GET", `/users/${VICTIM}/preferences?explicit=true`),
    admin("GET", `/users/${VICTIM}/preferences/history?limit=1000`),
    admin("GET", "/users?limit=1000"),
    admin("GET", "/notiflows?limit=1000"),
    admin("GET", "/preferences/defaults")
  ])
  return { stored, api: api.map((r) => [r.status, r.headers["etag"] ?? null, r.text] as const) }
}

const RESERVED = new Set(["__proto__", "constructor", "prototype"])

/** Every stored object is plain (or an array) and holds no reserved key as its own key. */
const expectPlain = (value: unknown, path = "$"): void => {
  if (typeof value !== "object" || value === null) return
  const proto: unknown = Object.getPrototypeOf(value)
  expect(proto === Object.prototype || proto === Array.prototype || proto === null || value instanceof Date, `${path} is not plain`).toBe(true)
  for (const key of Object.getOwnPropertyNames(value)) {
    if (!Array.isArray(value)) expect(RESERVED.has(key), `${path}.${key} is reserved`).toBe(false)
    expectPlain((value as Record<string, unknown>)[key], `${path}.${key}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Response checks.

const ENVELOPE_KEYS = ["type", "code", "message", "status", "request_id", "details"]

const expectWellFormed = (res: Raw, what: string): void => {
  expect(res.status, what).toBeGreaterThanOrEqual(200)
  expect(res.status, `${what}: 5xx\n${res.text}`).toBeLessThan(500)
  const requestId = res.headers["x-request-id"]
  expect(typeof requestId, `${what}: x-request-id`).toBe("string")
  if (res.status < 400) return
  expect(res.headers["content-type"], what).toBe("application/json; charset=utf-8")
  const body = JSON.parse(res.text) as { error: Record<string, unknown> }
  expect(Object.keys(body), what).toEqual(["error"])
  expect(Object.keys(body.error), what).toEqual(ENVELOPE_KEYS)
  const e = body.error
  expect(e["type"], what).toBe(`https://docs.notiflows.com/errors/${String(e["code"])}`)
  expect(e["status"], what).toBe(res.status)
  expect(e["request_id"], what).toBe(requestId)
  expect(typeof e["message"], what).toBe("string")
  expect(typeof e["details"] === "object" && e["details"] !== null && !Array.isArray(e["details"]), what).toBe(true)
}

const LEAK_PATTERNS: ReadonlyArray<RegExp> = [
  /\n\s*at /, // stack frames
  /\bat [\w$.<>]+ \(/,
  /\w*Error:/,
  /\bstack\b/i,
  /\b(select|insert into|delete from|update \S+ set|syntax error at|violates|duplicate key|relation "|pglite|drizzle|postgres)\b/i,
  /file:\/\/|\/work\/|\/home\/|\/tmp\/|node_modules|[\w-]+\.(ts|js|mjs|cjs):\d+/,
  /\b(sk|pk)_[A-Za-z0-9]{20,}/
]

const secrets = (): ReadonlyArray<string> => [
  A.secretKey,
  A.publicKey,
  B.secretKey,
  B.publicKey,
  hashApiKey(A.secretKey),
  hashApiKey(A.publicKey),
  hashApiKey(B.secretKey),
  hashApiKey(B.publicKey),
  token
]

/** Nothing secret leaves; patterns only count when the request did not carry that text itself. */
const expectNoLeak = (res: Raw, sent: string, what: string): void => {
  const out = JSON.stringify(res.headers) + "\n" + res.text
  for (const s of secrets()) expect(out.includes(s), `${what}: leaks a key, hash or token`).toBe(false)
  for (const p of LEAK_PATTERNS) {
    if (p.test(out) && !p.test(sent)) expect.fail(`${what}: response matches ${p}:\n${out.slice(0, 2000)}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Prototypes.

const prototypeSnapshot = () =>
  [Object.prototype, Array.prototype, Function.prototype].map((p) =>
    Object.getOwnPropertyNames(p).map((n) => {
      const d = Object.getOwnPropertyDescriptor(p, n)!
      return [n, d.value ?? d.get ?? null, d.set ?? null, d.writable ?? null, d.enumerable, d.configurable] as const
    })
  )
let prototypesBefore: ReturnType<typeof prototypeSnapshot>
beforeAll(() => {
  prototypesBefore = prototypeSnapshot()
})
const expectPrototypesUntouched = () => {
  const after = prototypeSnapshot()
  expect(after.map((p) => p.map(([n]) => n))).toEqual(prototypesBefore.map((p) => p.map(([n]) => n)))
  after.forEach((p, i) => p.forEach((entry, j) => entry.forEach((v, k) => expect(Object.is(v, prototypesBefore[i]![j]![k])).toBe(true))))
  const probe: Record<string, unknown> = {}
  for (const k of ["polluted", "isAdmin", "enabled", "channel_types", "email", "x"]) expect(probe[k]).toBeUndefined()
  expect(([] as unknown as Record<string, unknown>)["polluted"]).toBeUndefined()
}

// ---------------------------------------------------------------------------------------------
// Inputs.

/** A JSON value as a tree, serialized by hand so any key (even `__proto__`) is an own key. */
type Tree = { readonly leaf: string } | { readonly items: ReadonlyArray<Tree> } | { readonly entries: ReadonlyArray<readonly [string, Tree]> }

const serialize = (t: Tree): string =>
  "leaf" in t ? t.leaf : "items" in t ? `[${t.items.map(serialize).join(",")}]` : `{${t.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`

const CHANNELS = ["chat", "email", "in_app", "mobile_push", "sms", "web_push"]
const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "polluted", "isAdmin"]
const SCHEMA_KEYS = [
  "channel_types", "notiflows", "enabled", "name", "notiflow_id", "user_ids", "preferences", "custom_fields", "email", "phone",
  "first_name", "locale", "timezone", "avatar", "external_id", "id", "created_at", "required", "include_in_preferences",
  "default_enabled", "default_channel_types", ...CHANNELS, "fax", ...KNOWN_NOTIFLOWS
]

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SCHEMA_KEYS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 4 }) }
)

/** Numbers and strings where booleans belong, and everything else a leaf can be. */
const leafText = fc.oneof(
  fc.constantFrom("null", "true", "false", "0", "1", "-0", "1e400", "-1e400", "1.5", "12345678901234567890123", '"true"', '"false"', '""', '"null"', "[]", "{}", '"\\u0000"', '"\\ud800"'),
  fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : "0")),
  fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
  fc.fullUnicodeString({ maxLength: 6 }).map((s) => JSON.stringify(s))
)

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafText.map((leaf): Tree => ({ leaf })),
    fc.array(tie("tree"), { maxLength: 4 }).map((items): Tree => ({ items })),
    // Entries, not a record: keys repeat (duplicate keys) and hostile keys are own keys.
    fc.array(fc.tuple(key, tie("tree")), { maxLength: 5 }).map((entries): Tree => ({ entries }))
  )
}))

/** Valid-looking bodies of every route with one hostile part, so deep branches are reached. */
const shaped = fc
  .tuple(
    fc.constantFrom(
      (x: string, y: string) => `{"channel_types":{"email":${x}},"notiflows":${y}}`,
      (x: string, y: string) => `{"notiflows":{"n1":{"enabled":${x},"channel_types":${y}}}}`,
      (x: string, y: string) => `{"notiflows":{"hidden":${x},"gone":${y}}}`,
      (x: string, y: string) => `{"first_name":${x},"custom_fields":${y}}`,
      (x: string, y: string) => `{"email":"a@b.co","preferences":{"channel_types":${x}},"custom_fields":{"a":${y}}}`,
      (x: string, y: string) => `{"name":${x},"required":${y},"default_channel_types":{"sms":${x}}}`,
      (x: string, y: string) => `{"notiflow_id":${x},"channel_types":${y}}`,
      (x: string, y: string) => `{"notiflow_id":"n1","user_ids":${x},"channel_types":${y}}`,
      (x: string, y: string) => `{"notiflow_id":"n1","user_ids":["victim",${x}],"channel_types":["email",${y}]}`,
      (x: string, y: string) => `{${JSON.stringify("__proto__")}:${x},"channel_types":${y}}`,
      (x: string, y: string) => `{"constructor":{"prototype":${x}},"notiflows":{"__proto__":${y}}}`,
      (x: string, y: string) => `{"custom_fields":{"a":{"__proto__":${x}},"constructor":${y}}}`,
      (x: string, y: string) => `{"channel_types":{"sms":false},"channel_types":${x},"notiflows":${y},"notiflows":{}}`
    ),
    tree,
    tree
  )
  .map(([f, a, b]) => f(serialize(a), serialize(b)))

/** Valid bodies, so writes that should change data do (and the comparison has teeth). */
const valid = fc.oneof(
  fc.constant("{}"),
  fc
    .record(
      {
        channel_types: fc.dictionary(fc.constantFrom(...CHANNELS), fc.constantFrom<boolean | null>(true, false, null)),
        notiflows: fc.dictionary(
          fc.constantFrom("n1", "toString"),
          fc.oneof(fc.constant(null), fc.record({ enabled: fc.constantFrom<boolean | null>(true, false, null) }, { requiredKeys: [] }))
        )
      },
      { requiredKeys: [] }
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"first_name":"Ada","custom_fields":{"team":{"x":1,"y":null}}}',
    '{"name":"N1 renamed","default_channel_types":{"chat":false}}',
    '{"notiflow_id":"n1"}',
    '{"notiflow_id":"n1","user_ids":["victim","ghost"],"channel_types":["sms"]}'
  )
)

type BodyClass = "json" | "wrong_type" | "too_large" | "invalid_json" | "none"

interface Body {
  readonly cls: BodyClass
  /** How fast-check prints it (the bytes can be megabytes). */
  readonly [fc.toStringMethod]?: () => string
  readonly contentType?: string
  readonly bytes?: Buffer
  readonly chunked?: boolean
  readonly label: string
}

const JSON_TYPES = ["application/json", "application/merge-patch+json", "application/json; charset=utf-8", "Application/JSON; charset=\"UTF-8\""]
const jsonType = fc.constantFrom(...JSON_TYPES)

const deep = fc.constantFrom(
  "[".repeat(10_000) + "]".repeat(10_000),
  '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000),
  '{"channel_types":' + "[".repeat(10_000) + "]".repeat(10_000) + "}",
  '{"custom_fields":' + '{"__proto__":'.repeat(10_000) + "{}" + "}".repeat(10_001),
  "[".repeat(10_000), // unbalanced
  "[".repeat(33) + "]".repeat(33),
  '{"notiflows":{"n1":{"channel_types":' + "[".repeat(29) + "]".repeat(29) + "}}}" // 32 levels: parses
)

/** Invalid UTF-8 sequences: a stray continuation, a truncated sequence, overlong, a surrogate, 0xFF. */
const BAD_UTF8 = [[0x80], [0xc3], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]]

const labelled = (b: Body): Body => ({
  ...b,
  [fc.toStringMethod]: () => `${b.label} (${b.contentType ?? "no type"}): ${JSON.stringify(b.bytes?.subarray(0, 300).toString("latin1") ?? "")}${(b.bytes?.length ?? 0) > 300 ? `… ${b.bytes?.length} bytes` : ""}`
})

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(tree, jsonType).map(([t, ct]): Body => ({ cls: "json", contentType: ct, bytes: Buffer.from(serialize(t)), label: "random tree" })) },
  { weight: 6, arbitrary: fc.tuple(shaped, jsonType).map(([t, ct]): Body => ({ cls: "json", contentType: ct, bytes: Buffer.from(t), label: "shaped" })) },
  { weight: 3, arbitrary: fc.tuple(valid, jsonType, fc.boolean()).map(([t, ct, chunked]): Body => ({ cls: "json", contentType: ct, bytes: Buffer.from(t), chunked, label: "valid" })) },
  {
    weight: 2,
    arbitrary: fc.tuple(deep, jsonType).map(([t, ct]): Body => {
      const ok = t.startsWith('{"notiflows"')
      return { cls: ok ? "json" : "invalid_json", contentType: ct, bytes: Buffer.from(t), label: "deep" }
    })
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(1 << 20, 300 * 1024), fc.constantFrom("email", "first_name", "name", "notiflow_id"), jsonType, fc.boolean())
      .map(([n, field, ct, chunked]): Body => ({
        cls: "too_large",
        contentType: ct,
        bytes: Buffer.from(`{"channel_types":{},${JSON.stringify(field)}:"${"x".repeat(n)}"}`),
        chunked,
        label: `huge string ${n}`
      }))
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("first_name", "custom_fields", "name", "email"), jsonType).map(([field, ct]): Body => {
      const value = field === "custom_fields" ? `{"big":"${"é".repeat(100_000)}"}` : `"${"y".repeat(200 * 1024)}"`
      return { cls: "json", contentType: ct, bytes: Buffer.from(`{${JSON.stringify(field)}:${value}}`), label: "large but allowed" }
    })
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.oneof(valid, shaped), fc.nat(), fc.constantFrom(...BAD_UTF8), jsonType)
      .map(([t, at, bad, ct]): Body => {
        // Inside a string when there is one, so only the encoding is wrong.
        const quote = t.indexOf('"')
        const cut = quote >= 0 ? quote + 1 : at % (t.length + 1)
        const bytes = Buffer.concat([Buffer.from(t.slice(0, cut)), Buffer.from(bad), Buffer.from(t.slice(cut))])
        return { cls: "invalid_json", contentType: ct, bytes, label: "invalid utf-8" }
      })
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/json; charset=latin1",
          "application/json; charset=utf-16",
          "application/jsonx",
          "json",
          "*/*",
          "application/json, text/plain",
          "application/xml",
          "",
          ";"
        ),
        fc.oneof(valid, shaped)
      )
      .map(([ct, t]): Body => ({ cls: "wrong_type", contentType: ct, bytes: Buffer.from(t), label: `content-type ${ct}` }))
  },
  { weight: 1, arbitrary: fc.constant<Body>({ cls: "wrong_type", contentType: "application/json", bytes: Buffer.from("{}"), label: "gzip" }).map((b) => ({ ...b, label: "content-encoding" })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Body>(
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.alloc(0), label: "empty" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.alloc(0), chunked: true, label: "empty chunked" },
      { cls: "invalid_json", label: "no body, no type" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from("  \r\n\t "), label: "whitespace" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from("\ufeff"), label: "bom only" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from('{"a":1'), label: "truncated" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from("{'a':1}"), label: "single quotes" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from('{"a":NaN}'), label: "NaN" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from('{"a":1}{"b":2}'), label: "two values" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from([0, 0, 0, 0x7b]), label: "nul bytes" },
      { cls: "wrong_type", bytes: Buffer.from("{}"), label: "body without type" }
    )
  }
).map(labelled)

/** Raw path segments for `{user_id}`: valid, invalid, and ones that change the route. */
const userSegment = fc.oneof(
  { weight: 6, arbitrary: fc.constant(VICTIM) },
  { weight: 1, arbitrary: fc.constant(B_USER) },
  { weight: 2, arbitrary: fc.fullUnicodeString({ minLength: 1, maxLength: 12 }).map(encodeURIComponent) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "a/b", "/", "", "a%2Fb", "%2F", "..", ".", "%2E%2E", "%00", "a%00b", "%0A", "%7F", "%C2%85", "%FF", "%E0%A4%A", "%ED%A0%80",
      "%C0%AF", "%25", "%", "%zz", "%20", "+", "a;b", "%C3%A9", "__proto__", "constructor", "prototype", "toString",
      "hasOwnProperty", "%F0%9F%98%80", "x".repeat(255), "x".repeat(256), encodeURIComponent("😀".repeat(255)),
      encodeURIComponent("😀".repeat(256)), "x".repeat(100_000), "ghost"
    )
  }
)

const notiflowSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("n1", "hidden", "gone", "toString") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "__proto__", "constructor", "prototype", "hasOwnProperty", "a%2Fb", "a/b", "..", "%00", "bad%20id", "x".repeat(64), "x".repeat(65),
      "%F0%9F%98%80", "%C3%A9", "new_flow", "a:b-c_d", "%ED%A0%80"
    )
  },
  { weight: 1, arbitrary: fc.stringOf(fc.constantFrom(..."abc_:-%2F0"), { minLength: 1, maxLength: 8 }) }
)

interface Route {
  readonly method: string
  readonly path: (user: string, notiflow: string) => string
  readonly api: "admin" | "user"
  readonly body: boolean
  readonly param?: "user_id" | "notiflow_id"
  readonly writes: boolean
}

const ROUTES: ReadonlyArray<Route> = [
  { method: "PUT", path: (u) => `/admin/users/${u}/preferences`, api: "admin", body: true, param: "user_id", writes: true },
  { method: "PUT", path: (u) => `/admin/v1/users/${u}`, api: "admin", body: true, param: "user_id", writes: true },
  { method: "PUT", path: (_u, n) => `/admin/notiflows/${n}`, api: "admin", body: true, param: "notiflow_id", writes: true },
  { method: "PUT", path: () => "/admin/preferences/defaults", api: "admin", body: true, writes: true },
  { method: "POST", path: (u) => `/admin/users/${u}/preferences/evaluate`, api: "admin", body: true, param: "user_id", writes: false },
  { method: "POST", path: () => "/admin/v1/preferences/evaluate", api: "admin", body: true, writes: false },
  { method: "DELETE", path: (u) => `/admin/users/${u}/preferences`, api: "admin", body: false, param: "user_id", writes: true },
  { method: "DELETE", path: (u) => `/admin/users/${u}`, api: "admin", body: false, param: "user_id", writes: true },
  { method: "DELETE", path: (_u, n) => `/admin/notiflows/${n}`, api: "admin", body: false, param: "notiflow_id", writes: true },
  { method: "GET", path: (u) => `/admin/users/${u}/preferences?explicit=true`, api: "admin", body: false, param: "user_id", writes: false },
  { method: "GET", path: (u) => `/admin/users/${u}/preferences/history`, api: "admin", body: false, param: "user_id", writes: false },
  { method: "PUT", path: () => "/user/preferences", api: "user", body: true, writes: true },
  { method: "PUT", path: () => "/user/v1/preferences", api: "user", body: true, writes: true },
  { method: "GET", path: () => "/user/preferences?explicit=true", api: "user", body: false, writes: false },
  { method: "GET", path: () => "/user/preferences/history", api: "user", body: false, writes: false }
]

/** Header mutations: none, huge values, bad credentials in every header slot. */
type HeaderCase = {
  readonly [fc.toStringMethod]?: () => string; readonly label: string; /** The APIs whose credentials these headers break. */ readonly breaks: ReadonlyArray<"admin" | "user">; readonly idempotency?: "bad"; readonly headers: (auth: Record<string, string>) => Record<string, string | ReadonlyArray<string>> }

const HUGE = 200 * 1024
const headerCase: fc.Arbitrary<HeaderCase> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<HeaderCase>({ label: "plain", breaks: [], headers: (a) => a }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<HeaderCase>(
      { label: "huge x-request-id", breaks: [], headers: (a) => ({ ...a, "x-request-id": "r".repeat(HUGE) }) },
      { label: "valid x-request-id", breaks: [], headers: (a) => ({ ...a, "x-request-id": "abc.DEF_123-x" }) },
      { label: "hostile x-request-id", breaks: [], headers: (a) => ({ ...a, "x-request-id": "<script>\u00e9" }) },
      { label: "huge if-match", breaks: [], headers: (a) => ({ ...a, "if-match": `"${"e".repeat(HUGE)}"` }) },
      { label: "huge if-none-match", breaks: [], headers: (a) => ({ ...a, "if-none-match": `W/"${"e".repeat(HUGE)}", *` }) },
      { label: "huge origin", breaks: [], headers: (a) => ({ ...a, origin: `https://${"o".repeat(HUGE)}.example` }) },
      { label: "huge junk header", breaks: [], headers: (a) => ({ ...a, "x-junk": "j".repeat(HUGE) }) },
      {
        label: "500 headers",
        breaks: [],
        headers: (a) => ({ ...a, ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`x-h-${i}`, "v".repeat(50)])) })
      },
      { label: "idempotency key", breaks: [], headers: (a) => ({ ...a, "idempotency-key": "hostile-1" }) },
      { label: "huge idempotency key", breaks: [], idempotency: "bad", headers: (a) => ({ ...a, "idempotency-key": "k".repeat(HUGE) }) },
      { label: "latin1 idempotency key", breaks: [], idempotency: "bad", headers: (a) => ({ ...a, "idempotency-key": "cl\u00e9" }) },
      { label: "huge secret key", breaks: ["admin"], headers: (a) => ({ ...a, "x-notiflows-secret-key": `sk_${"s".repeat(HUGE)}` }) },
      { label: "huge public key", breaks: ["admin", "user"], headers: (a) => ({ ...a, "x-notiflows-api-key": `pk_${"p".repeat(HUGE)}` }) },
      { label: "huge user key", breaks: ["user"], headers: (a) => ({ ...a, "x-notiflows-user-key": `${"a".repeat(HUGE)}.b.c` }) },
      { label: "duplicate keys", breaks: ["admin", "user"], headers: (a) => ({ ...a, "x-notiflows-secret-key": [A.secretKey, B.secretKey], "x-notiflows-api-key": [A.publicKey, B.publicKey] }) },
      { label: "latin1 key", breaks: ["admin", "user"], headers: (a) => ({ ...a, "x-notiflows-secret-key": "sk_\u00e9\u00ff", "x-notiflows-api-key": "pk_\u00e9\u00ff" }) },
      { label: "no credentials", breaks: ["admin", "user"], headers: () => ({}) }
    )
  }
).map((c): HeaderCase => ({ ...c, [fc.toStringMethod]: () => c.label }))

// ---------------------------------------------------------------------------------------------
// The expected outcome by the §3 order of checks.

const validUserId = (s: string): boolean => s.length > 0 && !/[\u0000-\u001f\u007f-\u009f]/u.test(s) && [...s].length <= 255
const validNotiflowId = (s: string): boolean => /^[A-Za-z0-9_:-]{1,64}$/.test(s) && !RESERVED.has(s)

interface Case {
  readonly route: Route
  readonly user: string
  readonly notiflow: string
  readonly body: Body
  readonly headers: HeaderCase
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  route: fc.constantFrom(...ROUTES),
  user: userSegment,
  notiflow: notiflowSegment,
  body,
  headers: headerCase
})

/** `[status, details subset]` predicted for the case, or `undefined` when only the general properties apply. */
const predicted = (c: Case): readonly [ReadonlyArray<number>, Record<string, unknown>?] | undefined => {
  const segment = c.route.param === "user_id" ? c.user : c.route.param === "notiflow_id" ? c.notiflow : "x"
  if (segment === "" || /[/?#]/.test(segment)) return [[404, 405]]
  if (c.headers.breaks.includes(c.route.api)) return [[401]]
  if (c.headers.label === "huge origin" && c.route.api === "user") return [[403], { reason: "origin_not_allowed" }]
  if (c.route.body) {
    if (c.body.cls === "wrong_type") return [[415]]
    if (c.body.cls === "too_large") return [[413], { limit: 262144 }]
    if (c.body.cls === "invalid_json") return [[400], { reason: "invalid_json" }]
  }
  if (c.headers.idempotency === "bad" && c.route.method !== "GET") return [[400], { reason: "invalid_header" }]
  if (c.route.param !== undefined) {
    const decoded = decodeSegment(segment)
    const ok = decoded !== undefined && (c.route.param === "user_id" ? validUserId(decoded) : validNotiflowId(decoded))
    // A valid Idempotency-Key is checked first (§3): a key reused with another request is 409.
    if (!ok) return c.headers.label === "idempotency key" && c.route.method !== "GET" ? [[400, 409]] : [[400], { reason: "invalid_param", param: c.route.param }]
  }
  return undefined
}

const requestOf = (c: Case): Req => {
  const auth = c.route.api === "admin" ? A.admin : userHeaders
  const headers: Record<string, string | ReadonlyArray<string>> = { ...c.headers.headers(auth) }
  if (c.body.label === "content-encoding") headers["content-encoding"] = "gzip"
  if (c.body.contentType !== undefined) headers["content-type"] = c.body.contentType
  return {
    method: c.route.method,
    path: `/api${c.route.path(c.user, c.notiflow)}`,
    headers,
    ...(c.body.bytes !== undefined ? { body: c.body.bytes } : {}),
    ...(c.body.chunked === true ? { chunked: true } : {})
  }
}

const describeCase = (c: Case): string =>
  `${c.route.method} ${c.route.path(c.user.slice(0, 60), c.notiflow.slice(0, 60))} [${c.body.label}; ${c.headers.label}] ${c.body.bytes?.subarray(0, 200).toString("latin1") ?? ""}`

const sentText = (r: Req): string =>
  [r.path, JSON.stringify(r.headers), r.body?.toString("utf8") ?? "", r.body?.toString("latin1") ?? ""].join("\n")

/** Puts back what an earlier (valid) DELETE removed, so later cases reach deep code paths again. */
const ensureFixture = async (): Promise<void> => {
  const [victim, live] = await inspect((i) =>
    Effect.all([i.userRow(A.project.id, VICTIM), Effect.forEach(["n1", "hidden", "toString"], (n) => i.notiflowRow(A.project.id, n))])
  )
  for (const [n, row] of live.map((r, k) => [["n1", "hidden", "toString"][k]!, Option.getOrNull(r)] as const)) {
    if (row === null || row.deleted) {
      const res = await admin("PUT", `/notiflows/${n}`, { name: n, include_in_preferences: n !== "hidden" })
      expect(res.status, res.text).toBe(201)
    }
  }
  if (Option.isNone(victim)) {
    expect((await admin("PUT", `/users/${VICTIM}`, { email: "victim@example.com", preferences: { channel_types: { email: false }, notiflows: { n1: { enabled: false } } } })).status).toBe(201)
  }
}

/** What the runs reached: the property only has teeth if refusals and real writes both happen. */
const stats = { statuses: new Set<number>(), changed: 0 }

const runCase = async (c: Case): Promise<void> => {
  await ensureFixture()
  const what = describeCase(c)
  const segment = c.route.param === "user_id" ? c.user : c.notiflow
  const decoded = c.route.param !== undefined ? decodeSegment(segment) : undefined
  const before = await storedState(c.route.param === "user_id" ? decoded : undefined, c.route.param === "notiflow_id" ? decoded : undefined)
  const req = requestOf(c)
  const res = await call(port, req)
  expectWellFormed(res, what)
  expectNoLeak(res, sentText(req), what)
  const expected = predicted(c)
  if (expected !== undefined) {
    const [statuses, details] = expected
    expect(statuses, `${what}: got ${res.status} ${res.text.slice(0, 500)}`).toContain(res.status)
    if (details !== undefined) expect((JSON.parse(res.text) as { error: { details: unknown } }).error.details, what).toMatchObject(details)
  }
  const after = await storedState(c.route.param === "user_id" ? decoded : undefined, c.route.param === "notiflow_id" ? decoded : undefined)
  const wrote = c.route.writes && res.status >= 200 && res.status < 300
  if (!wrote) expect(after, `${what}: stored data changed on ${res.status}`).toEqual(before)
  stats.statuses.add(res.status)
  if (wrote && JSON.stringify(after) !== JSON.stringify(before)) stats.changed++
  expectPlain(after.stored)
  expectPrototypesUntouched()
}

// ---------------------------------------------------------------------------------------------

const NUM_RUNS = Number(process.env["HOSTILE_RUNS"] ?? 800)

describe("hostile input against the router (in-memory)", () => {
  it("every route: a success or a §3 envelope as the order of checks predicts, no 500, no hang, no leak, no change on refusal", async () => {
    await fc.assert(fc.asyncProperty(caseArb, runCase), { numRuns: NUM_RUNS, endOnFailure: true })
    for (const status of [200, 400, 401, 404, 413, 415, 422]) expect([...stats.statuses]).toContain(status)
    expect(stats.changed).toBeGreaterThan(0)
    // 800 runs take ~15 s on a quiet machine; the bound only stops a hang, and a loaded CI machine
    // (other suites on both cores) needs minutes. An early time-out would leave requests running
    // into the next case and fail it for the wrong reason.
  }, 300_000)

  it("every route meets the classic payloads explicitly (10,000 levels, 1 MB, prototype keys, bad UTF-8, bad ids)", async () => {
    const bodies: ReadonlyArray<Body> = [
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from("[".repeat(10_000) + "]".repeat(10_000)), label: "deep array" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from('{"a":'.repeat(10_000) + "1" + "}".repeat(10_000)), label: "deep object" },
      { cls: "too_large", contentType: "application/json", bytes: Buffer.from(`{"email":"${"x".repeat(1 << 20)}"}`), label: "1 MB string" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), label: "0xFF in a key" },
      { cls: "json", contentType: "application/json", bytes: Buffer.from('{"__proto__":{"polluted":true,"enabled":false}}'), label: "__proto__" },
      { cls: "json", contentType: "application/json", bytes: Buffer.from('{"constructor":{"prototype":{"polluted":true}}}'), label: "constructor.prototype" },
      { cls: "json", contentType: "application/json", bytes: Buffer.from('{"channel_types":{"__proto__":{"polluted":true},"email":"false"}}'), label: "nested __proto__" },
      { cls: "json", contentType: "application/json", bytes: Buffer.from('{"notiflows":{"__proto__":{"enabled":false},"constructor":null,"prototype":{}}}'), label: "reserved ids" },
      { cls: "json", contentType: "application/json", bytes: Buffer.from('{"custom_fields":{"__proto__":{"polluted":1}},"preferences":{"__proto__":{}}}'), label: "custom_fields __proto__" },
      { cls: "json", contentType: "application/json", bytes: Buffer.from('{"channel_types":{"email":1,"sms":"true","chat":0,"in_app":"false","web_push":[]}}'), label: "non-booleans" },
      { cls: "wrong_type", contentType: "text/plain", bytes: Buffer.from("{}"), label: "text/plain" },
      { cls: "invalid_json", contentType: "application/json", bytes: Buffer.alloc(0), label: "empty" }
    ]
    const users = [VICTIM, "a%2Fb", "..", "%00", encodeURIComponent("ü😀"), "x".repeat(256), "a/b"]
    for (const route of ROUTES) {
      for (const b of route.body ? bodies : bodies.slice(0, 1)) {
        for (const user of route.param === "user_id" ? users : [VICTIM]) {
          await runCase({ route, user, notiflow: route.param === "notiflow_id" ? (user === VICTIM ? "n1" : "__proto__") : "n1", body: b, headers: { label: "plain", breaks: [], headers: (a) => a } })
        }
      }
    }
  }, 300_000)
})
