/**
 * Hostile input against the real standalone process on PGlite (issue 5 "Hostile input"): a
 * smaller run of the router's properties (packages/http-express/test/hostile.test.ts) through
 * the service's own HTTP server, plus what only that server sees: raw-socket requests with a
 * malformed request line, raw non-ASCII bytes in the path, a bad Content-Length, invalid UTF-8 in
 * the body, 40 KB headers (431) and 10,000 nesting levels.
 *
 * For every response: a success or exactly the §3 envelope with `request_id` = `x-request-id`,
 * never a 500, never a hang; no key, hash, token, stack, SQL or file path; stored data (read
 * back through the API) unchanged unless a write answered 2xx; the process keeps serving.
 */
import * as http from "node:http"
import * as net from "node:net"
import * as fc from "fast-check"
import * as jose from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectCleanLogs, keyForms, randomKey, startService, type Service } from "./support.js"

const SK = randomKey("sk")
const PK = randomKey("pk")
let service: Service
let port = 0
let token = ""
const VICTIM = "victim"

interface Raw {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
}

const TIMEOUT_MS = 10_000
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })

/** One request over node:http (paths are sent verbatim), bounded by a timeout. */
const call = (method: string, path: string, headers: http.OutgoingHttpHeaders, body?: Buffer): Promise<Raw> =>
  new Promise((resolve, reject) => {
    let settled = false
    const done = (f: () => void) => {
      if (!settled) {
        settled = true
        clearTimeout(timer)
        f()
      }
    }
    const req = http.request(
      { host: "127.0.0.1", port, method, path, agent, headers: { ...headers, ...(body !== undefined ? { "content-length": String(body.length) } : {}) } },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") })))
      }
    )
    const timer = setTimeout(() => {
      req.destroy()
      done(() => reject(new Error(`no response within ${TIMEOUT_MS} ms: ${method} ${path.slice(0, 200)}`)))
    }, TIMEOUT_MS)
    req.on("error", (e) => done(() => reject(e)))
    req.end(body)
  })

/** Raw bytes over a fresh socket; the response is parsed by hand (the server closes after it). */
const rawCall = (bytes: Buffer | string): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    let buf = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no response within ${TIMEOUT_MS} ms to raw request ${String(bytes).slice(0, 80)}`))
    }, TIMEOUT_MS)
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d])
    })
    // The server may close while we still write (431): only the answer matters.
    socket.on("error", () => {})
    socket.on("close", () => {
      clearTimeout(timer)
      const text = buf.toString("latin1")
      const end = text.indexOf("\r\n\r\n")
      if (end < 0) {
        reject(new Error(`no HTTP response to raw request: ${JSON.stringify(text.slice(0, 200))}`))
        return
      }
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n")
      const headers: http.IncomingHttpHeaders = {}
      for (const line of lines) {
        const i = line.indexOf(":")
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      let body = buf.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"))
      const length = headers["content-length"]
      if (typeof length === "string") body = body.subarray(0, Number(length))
      resolve({ status: Number(statusLine.split(" ")[1]), headers, text: body.toString("utf8") })
    })
    socket.write(bytes)
    socket.end()
  })

const adminHeaders = { "x-notiflows-secret-key": SK }
const userHeaders = () => ({ "x-notiflows-api-key": PK, "x-notiflows-user-key": token })
const json = (v: unknown) => Buffer.from(JSON.stringify(v))
const adminJson = (method: string, path: string, body?: unknown) =>
  call(method, path, { ...adminHeaders, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body === undefined ? undefined : json(body))

beforeAll(async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair("RS256", { extractable: true })
  token = await new jose.SignJWT({ sub: VICTIM }).setProtectedHeader({ alg: "RS256" }).sign(privateKey)
  service = await startService({
    NOTIFLOWS_DATA_DIR: "memory://",
    NOTIFLOWS_PUBLIC_KEY: PK,
    NOTIFLOWS_SECRET_KEY: SK,
    NOTIFLOWS_USER_SIGNING_PUBLIC_KEY: await jose.exportSPKI(publicKey),
    // Hostile requests fail authentication on purpose; the per-address limit is not under test here.
    NOTIFLOWS_RATE_LIMIT_AUTH_FAILURES: "100000/1s"
  })
  port = Number(new URL(service.url).port)
  expect((await adminJson("PUT", `/admin/users/${VICTIM}`, { email: "victim@example.com" })).status).toBe(201)
  expect((await adminJson("PUT", "/admin/notiflows/n1", { name: "N1" })).status).toBe(201)
  expect((await adminJson("PUT", `/admin/users/${VICTIM}/preferences`, { channel_types: { email: false }, notiflows: { n1: { enabled: false } } })).status).toBe(200)
})

afterAll(async () => {
  agent.destroy()
  if (service !== undefined) expect(await service.stop()).toBe(0)
})

// ---------------------------------------------------------------------------------------------

const ENVELOPE_KEYS = ["type", "code", "message", "status", "request_id", "details"]

const expectWellFormed = (res: Raw, what: string): void => {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200)
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500)
  const requestId = res.headers["x-request-id"]
  expect(typeof requestId, `${what}: x-request-id`).toBe("string")
  if (res.status < 400) return
  expect(res.headers["content-type"], what).toBe("application/json; charset=utf-8")
  const body = JSON.parse(res.text) as { error: Record<string, unknown> }
  expect(Object.keys(body), what).toEqual(["error"])
  expect(Object.keys(body.error), what).toEqual(ENVELOPE_KEYS)
  expect(body.error["type"], what).toBe(`https://docs.notiflows.com/errors/${String(body.error["code"])}`)
  expect(body.error["status"], what).toBe(res.status)
  expect(body.error["request_id"], what).toBe(requestId)
}

const LEAKS: ReadonlyArray<RegExp> = [
  /\n\s*at /,
  /\bat [\w$.<>]+ \(/,
  /\w*Error:/,
  /\bstack\b/i,
  /\b(select|insert into|delete from|update \S+ set|syntax error at|violates|duplicate key|relation "|pglite|drizzle|postgres)\b/i,
  /file:\/\/|\/work\/|\/home\/|\/tmp\/|node_modules|[\w-]+\.(ts|js|mjs|cjs):\d+/,
  /\b(sk|pk)_[A-Za-z0-9]{20,}/
]

const expectNoLeak = (res: Raw, sent: string, what: string): void => {
  const out = JSON.stringify(res.headers) + "\n" + res.text
  for (const s of [SK, PK, token]) expect(out.includes(s), `${what}: leaks a key or token`).toBe(false)
  for (const p of LEAKS) if (p.test(out) && !p.test(sent)) expect.fail(`${what}: response matches ${p}:\n${out.slice(0, 1500)}`)
}

/** Everything a hostile request could change, read back through the API. */
const state = async () =>
  (
    await Promise.all([
      adminJson("GET", `/admin/users/${VICTIM}/preferences?explicit=true`),
      adminJson("GET", `/admin/users/${VICTIM}/preferences/history?limit=1000`),
      adminJson("GET", `/admin/users/${VICTIM}`),
      adminJson("GET", "/admin/users?limit=1000"),
      adminJson("GET", "/admin/notiflows?limit=1000"),
      adminJson("GET", "/admin/preferences/defaults")
    ])
  ).map((r) => [r.status, r.text])

// ---------------------------------------------------------------------------------------------
// Inputs (a compact version of the router test's).

type Tree = { readonly leaf: string } | { readonly items: ReadonlyArray<Tree> } | { readonly entries: ReadonlyArray<readonly [string, Tree]> }
const serialize = (t: Tree): string =>
  "leaf" in t ? t.leaf : "items" in t ? `[${t.items.map(serialize).join(",")}]` : `{${t.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`

const key = fc.oneof(
  fc.constantFrom("channel_types", "notiflows", "enabled", "n1", "email", "sms", "fax", "custom_fields", "preferences", "notiflow_id", "user_ids", "name"),
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "polluted"),
  fc.string({ maxLength: 6 })
)
const leaf = fc.oneof(
  fc.constantFrom("null", "true", "false", "0", "1", "1e400", '"true"', '"false"', '""', "[]", "{}"),
  fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : "0")),
  fc.fullUnicodeString({ maxLength: 6 }).map((s) => JSON.stringify(s))
)
const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small" },
    leaf.map((l): Tree => ({ leaf: l })),
    fc.array(tie("tree"), { maxLength: 3 }).map((items): Tree => ({ items })),
    fc.array(fc.tuple(key, tie("tree")), { maxLength: 4 }).map((entries): Tree => ({ entries }))
  )
}))

interface Body {
  readonly expect?: readonly [number, Record<string, unknown>]
  readonly contentType?: string
  readonly bytes?: Buffer
  readonly label: string
  readonly [fc.toStringMethod]: () => string
}
const mk = (label: string, bytes: Buffer | undefined, contentType: string | undefined, expected?: readonly [number, Record<string, unknown>]): Body => ({
  label,
  ...(bytes !== undefined ? { bytes } : {}),
  ...(contentType !== undefined ? { contentType } : {}),
  ...(expected !== undefined ? { expect: expected } : {}),
  [fc.toStringMethod]: () => `${label}: ${JSON.stringify(bytes?.subarray(0, 200).toString("latin1") ?? "")}`
})

const INVALID_JSON = [400, { reason: "invalid_json" }] as const
/** Over the 256 KiB body limit (413); weight 1 of 20, so it is also run once as an explicit example. */
const ONE_MB = mk("1 MB string", Buffer.from(`{"email":"${"x".repeat(1 << 20)}"}`), "application/json", [413, { limit: 262144 }])
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 5, arbitrary: tree.map((t) => mk("random tree", Buffer.from(serialize(t)), "application/json")) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          (x: string) => `{"channel_types":{"email":${x}}}`,
          (x: string) => `{"notiflows":{"n1":{"enabled":${x}}}}`,
          (x: string) => `{"__proto__":${x},"constructor":{"prototype":${x}}}`,
          (x: string) => `{"custom_fields":{"a":{"__proto__":${x}}}}`,
          (x: string) => `{"notiflow_id":"n1","user_ids":${x}}`,
          (x: string) => `{"channel_types":{"sms":false},"channel_types":${x}}`
        ),
        tree
      )
      .map(([f, t]) => mk("shaped", Buffer.from(f(serialize(t))), "application/merge-patch+json"))
  },
  { weight: 2, arbitrary: fc.constantFrom('{"channel_types":{"sms":false}}', '{"channel_types":{"sms":null}}', "{}").map((t) => mk("valid", Buffer.from(t), "application/json")) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("[".repeat(10_000) + "]".repeat(10_000), '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000))
      .map((t) => mk("10,000 levels", Buffer.from(t), "application/json", INVALID_JSON))
  },
  { weight: 1, arbitrary: fc.constant(ONE_MB) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80])
      .map((bad) => mk("invalid utf-8", Buffer.concat([Buffer.from('{"channel_types":{"'), Buffer.from(bad), Buffer.from('":true}}')]), "application/json", INVALID_JSON))
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/jsonx")
      .map((ct) => mk(`content-type ${ct}`, Buffer.from("{}"), ct, [415, {}]))
  },
  { weight: 1, arbitrary: fc.constantFrom(mk("empty", Buffer.alloc(0), "application/json", INVALID_JSON), mk("no body", undefined, undefined, INVALID_JSON)) }
)

const userSegment = fc.oneof(
  { weight: 4, arbitrary: fc.constant(VICTIM) },
  {
    weight: 3,
    arbitrary: fc.constantFrom("a%2Fb", "..", "%00", "%E0%A4%A", "%ED%A0%80", encodeURIComponent("ü😀"), "x".repeat(256), "__proto__", "ghost", "a/b")
  }
)

interface Route {
  readonly method: string
  readonly path: (u: string) => string
  readonly api: "admin" | "user"
  readonly body: boolean
  readonly writes: boolean
}
const ROUTES: ReadonlyArray<Route> = [
  { method: "PUT", path: (u) => `/admin/users/${u}/preferences`, api: "admin", body: true, writes: true },
  { method: "PUT", path: (u) => `/admin/users/${u}`, api: "admin", body: true, writes: true },
  { method: "PUT", path: () => "/admin/notiflows/n1", api: "admin", body: true, writes: true },
  { method: "PUT", path: () => "/admin/preferences/defaults", api: "admin", body: true, writes: true },
  { method: "POST", path: (u) => `/admin/users/${u}/preferences/evaluate`, api: "admin", body: true, writes: false },
  { method: "POST", path: () => "/admin/preferences/evaluate", api: "admin", body: true, writes: false },
  { method: "DELETE", path: (u) => `/admin/users/${u}/preferences`, api: "admin", body: false, writes: true },
  { method: "PUT", path: () => "/user/preferences", api: "user", body: true, writes: true }
]

/** Header sets: plain, a header over the server's 16 KB limit (431), bad credentials. */
const PLAIN = { label: "plain", extra: {} as Record<string, string>, expect: undefined as number | undefined }
const headerCase = fc.constantFrom(
  PLAIN,
  { label: "plain", extra: {}, expect: undefined },
  { label: "plain", extra: {}, expect: undefined },
  { label: "40 KB header", extra: { "x-junk": "j".repeat(40_000) }, expect: 431 },
  { label: "bad secret key", extra: { "x-notiflows-secret-key": "sk_" + "s".repeat(40) }, expect: 401 },
  { label: "hostile x-request-id", extra: { "x-request-id": "<script>" }, expect: undefined }
)

describe("hostile input against the standalone service (PGlite)", () => {
  it("every response is a success or a §3 envelope; no 500, hang or leak; stored data changes only on valid writes", async () => {
    const seen = new Set<number>()
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), userSegment, body, headerCase, async (route, user, b, hc) => {
        if (route.writes && route.method === "DELETE" && user === VICTIM) user = "ghost" // keep the victim's choices to compare
        const path = route.path(user)
        const what = `${route.method} ${path.slice(0, 80)} [${b.label}; ${hc.label}]`
        const headers: http.OutgoingHttpHeaders = {
          ...(route.api === "admin" ? adminHeaders : userHeaders()),
          ...(hc.label === "bad secret key" && route.api === "user" ? {} : hc.extra),
          ...(b.contentType !== undefined ? { "content-type": b.contentType } : {})
        }
        const before = await state()
        const res = await call(route.method, path, headers, b.bytes)
        seen.add(res.status)
        expectWellFormed(res, what)
        expectNoLeak(res, [path, JSON.stringify(headers), b.bytes?.toString("latin1") ?? ""].join("\n"), what)
        const routed = !user.includes("/") || !route.path("x").includes("x")
        if (hc.expect === 431) expect(res.status, what).toBe(431)
        else if (routed && hc.expect === 401 && route.api === "admin") expect(res.status, what).toBe(401)
        else if (routed && route.body && b.expect !== undefined && hc.expect === undefined) {
          expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(b.expect[0])
          expect((JSON.parse(res.text) as { error: { details: unknown } }).error.details, what).toMatchObject(b.expect[1])
        }
        const after = await state()
        if (!(route.writes && res.status >= 200 && res.status < 300)) expect(after, `${what}: stored data changed on ${res.status}`).toEqual(before)
      }),
      // The random runs, plus the rare 413 case as a fixed example: the coverage check below must not
      // depend on the draw (1 MB was drawn in ~97% of 120-run seeds, and CI met the other 3%).
      { numRuns: Number(process.env["HOSTILE_RUNS"] ?? 120), endOnFailure: true, examples: [[ROUTES[0]!, VICTIM, ONE_MB, PLAIN]] }
    )
    for (const status of [200, 400, 401, 404, 413, 415, 422, 431]) expect([...seen]).toContain(status)
    expect((await call("GET", "/healthz", {})).status).toBe(200)
    expect((await call("GET", "/readyz", {})).status).toBe(200)
  })

  it("raw-socket requests Node's parser or the body reader refuses are answered in the envelope with the x-request-id header", async () => {
    const before = await state()
    const put = (path: string, body: Buffer, extra = "") =>
      Buffer.concat([
        Buffer.from(`PUT ${path} HTTP/1.1\r\nHost: x\r\nx-notiflows-secret-key: ${SK}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${extra}Connection: close\r\n\r\n`),
        body
      ])
    const cases: ReadonlyArray<readonly [string, Buffer | string, number, Record<string, unknown>?]> = [
      ["malformed request line", "GARBAGE\r\n\r\n", 400],
      ["unknown HTTP version", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400],
      ["space in the target", `GET /admin/users/a b HTTP/1.1\r\nHost: x\r\nx-notiflows-secret-key: ${SK}\r\n\r\n`, 400],
      [
        "raw UTF-8 bytes in the path",
        Buffer.concat([Buffer.from("GET /admin/users/"), Buffer.from("ü😀"), Buffer.from(` HTTP/1.1\r\nHost: x\r\nx-notiflows-secret-key: ${SK}\r\n\r\n`)]),
        400
      ],
      ["bad Content-Length", `PUT /admin/users/${VICTIM}/preferences HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`, 400],
      ["40 KB header", `GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(40_000)}\r\n\r\n`, 431],
      ["40 KB of small headers", `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 4000 }, (_, i) => `x-${i}: v\r\n`).join("")}\r\n`, 431],
      [
        "invalid UTF-8 in the body",
        put(`/admin/users/${VICTIM}/preferences`, Buffer.concat([Buffer.from('{"channel_types":{"email":true,"'), Buffer.from([0xc3, 0x28]), Buffer.from('":1}}')])),
        400,
        { reason: "invalid_json" }
      ],
      // Answered by the standalone server itself (issue 10, defect 5): in the envelope too.
      ["no Host header on HTTP/1.1", "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 400, { reason: "invalid_header" }],
      ["no Host header on an API route", `GET /admin/users HTTP/1.1\r\nx-notiflows-secret-key: ${SK}\r\nConnection: close\r\n\r\n`, 400, { reason: "invalid_header" }],
      ["unknown Expect", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n", 417],
      ["unknown Expect on a write", put(`/admin/users/${VICTIM}/preferences`, Buffer.from('{"channel_types":{"email":true}}'), "Expect: 200-ok\r\n"), 417],
      ["path outside the API bases", "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, { resource: "route" }],
      ["the root", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, { resource: "route" }],
      ["POST outside the API bases", "POST /favicon.ico HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 404, { resource: "route" }],
      ["a bad escape outside the API bases", "GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, { resource: "route" }],
      ["HTTP/1.0 without Host is fine", "GET /healthz HTTP/1.0\r\n\r\n", 200],
      ["10,000 nesting levels", put(`/admin/users/${VICTIM}/preferences`, Buffer.from("[".repeat(10_000) + "]".repeat(10_000))), 400, { reason: "invalid_json" }],
      [
        "10,000 nesting levels inside a patch",
        put(`/admin/users/${VICTIM}/preferences`, Buffer.from('{"channel_types":{"email":true},"notiflows":' + '{"n1":'.repeat(10_000) + "null" + "}".repeat(10_001))),
        400,
        { reason: "invalid_json" }
      ]
    ]
    const answered: Array<readonly [string, string, number]> = []
    for (const [label, bytes, status, details] of cases) {
      const res = await rawCall(bytes)
      answered.push([label, String(res.headers["x-request-id"]), res.status])
      expect(res.status, label).toBe(status)
      expectWellFormed(res, label)
      expectNoLeak(res, String(bytes), label)
      if (details !== undefined) expect((JSON.parse(res.text) as { error: { details: unknown } }).error.details, label).toMatchObject(details)
      if (status === 431) expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe("request_header_fields_too_large")
      if (status === 417) expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe("expectation_failed")
    }
    expect(await state()).toEqual(before)
    expect((await call("GET", "/healthz", {})).status).toBe(200)
    // Every answer, the server's own envelope ones (404, 417, 400 without Host, 431) included,
    // has its request log line: request id, status and route template or `unmatched`, never the path.
    const logLines = async (): Promise<ReadonlyArray<{ request_id?: string; res?: { status?: number }; req?: { route?: string } }>> => {
      // pino writes asynchronously: give the last lines a moment to arrive.
      await new Promise((r) => setTimeout(r, 300))
      return service
        .stdout()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { request_id?: string; res?: { status?: number }; req?: { route?: string } })
    }
    const lines = await logLines()
    for (const [label, requestId, status] of answered) {
      const line = lines.find((l) => l.request_id === requestId)
      expect(line, `${label}: a log line for ${requestId}`).toBeDefined()
      expect(line?.res?.status, label).toBe(status)
      expect(typeof line?.req?.route, label).toBe("string")
    }
    expect(service.stdout()).not.toContain("/nope")
    expect(service.stdout()).not.toContain("favicon")
  })

  it("the logs of every request above carry no key, hash, token or request value (issue 10, defect 3)", async () => {
    const logs = service.stdout() + service.stderr()
    expect(logs).toContain('"route":"PUT /admin/users/{user_id}/preferences"')
    expectCleanLogs(logs, [...keyForms(SK), ...keyForms(PK), token, "victim@example.com", `/admin/users/${VICTIM}`], "hostile logs")
  })
})
