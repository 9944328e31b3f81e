/**
 * The document and the service agree: every recorded response of a documented operation is
 * checked against an OpenAPI 3.1 document with Ajv (JSON Schema 2020-12) — its status is
 * declared, its JSON body matches the declared schema (or it has no body when none is
 * declared), and every API header it carries is declared for that status with a matching value.
 * Responses to paths or methods the document does not describe (404 route, 405) are not
 * operations and are left out.
 */
import { Ajv2020 } from "ajv/dist/2020.js"
import type { ValidateFunction } from "ajv/dist/2020.js"

/** A response as seen on the wire. `path` is relative to the document's server (no query). */
export interface RecordedResponse {
  readonly method: string
  readonly path: string
  readonly status: number
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | number | undefined>>
  readonly body: string
}

/** Headers the API defines: present on a response, they must be declared for it. */
export const API_HEADERS: ReadonlyArray<string> = [
  "x-request-id",
  "etag",
  "retry-after",
  "ratelimit",
  "ratelimit-policy",
  "idempotent-replayed",
  "allow",
  "vary",
  "access-control-allow-origin",
  "access-control-expose-headers",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-max-age"
]

type Json = Record<string, any>

interface Template {
  readonly template: string
  readonly regex: RegExp
  readonly operations: Json
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const compileTemplate = (template: string, operations: Json): Template => {
  const source = template
    .split(/(\{[a-z_]+\})/)
    .map((part) => (/^\{[a-z_]+\}$/.test(part) ? "[^/]+" : escape(part)))
    .join("")
  return { template, regex: new RegExp(`^${source}/?$`), operations }
}

/** A checker over one document: `check` answers the disagreements (empty when none). */
export const makeContractChecker = (doc: Json) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema({ $id: "doc", components: doc["components"] ?? {} })
  const templates = Object.entries((doc["paths"] ?? {}) as Json).map(([t, ops]) => compileTemplate(t, ops as Json))
  const compiled = new Map<string, ValidateFunction>()
  const validator = (schema: unknown): ValidateFunction => {
    const key = JSON.stringify(schema)
    let v = compiled.get(key)
    if (v === undefined) {
      v = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"doc#/components/')) as object)
      compiled.set(key, v)
    }
    return v
  }
  const deref = (o: Json): Json => {
    const ref = o["$ref"]
    if (typeof ref !== "string") return o
    return ref.split("/").slice(1).reduce<Json>((acc, k) => (acc[k.replaceAll("~1", "/").replaceAll("~0", "~")] ?? {}) as Json, doc)
  }

  const check = (r: RecordedResponse): ReadonlyArray<string> => {
    const method = r.method.toLowerCase() === "head" ? "get" : r.method.toLowerCase()
    const found = templates.find((t) => t.regex.test(r.path) && t.operations[method] !== undefined)
    if (found === undefined) return []
    const where = `${r.method} ${r.path} (${found.template}) → ${r.status}`
    const responses = (found.operations[method] as Json)["responses"] as Json
    const declared = responses[String(r.status)] ?? responses["default"]
    if (declared === undefined) return [`${where}: status not declared`]
    const response = deref(declared as Json)
    const problems: Array<string> = []
    const content = response["content"] as Json | undefined
    const hasBody = r.body.length > 0 && r.method.toUpperCase() !== "HEAD"
    if (hasBody && content === undefined) problems.push(`${where}: a body, none declared`)
    const json = content?.["application/json"] as Json | undefined
    if (hasBody && json?.["schema"] !== undefined) {
      let body: unknown
      try {
        body = JSON.parse(r.body)
      } catch {
        problems.push(`${where}: declared JSON, body is not JSON`)
      }
      if (body !== undefined) {
        const v = validator(json["schema"])
        if (!v(body)) problems.push(`${where}: body does not match: ${ajv.errorsText(v.errors)}`)
      }
    }
    // An empty body meets a declared text media type whose schema admits "" (the RFC 8058
    // one-click answer shares its status with the pages' HTML).
    const emptyAllowed = Object.entries(content ?? {}).some(([type, media]) => !type.endsWith("json") && (media as Json)["schema"] !== undefined && validator((media as Json)["schema"])(""))
    if (!hasBody && content !== undefined && r.method.toUpperCase() !== "HEAD" && !emptyAllowed) problems.push(`${where}: declared a body, got none`)
    const headers = Object.fromEntries(Object.entries((response["headers"] ?? {}) as Json).map(([k, v]) => [k.toLowerCase(), deref(v as Json)]))
    for (const name of API_HEADERS) {
      const value = r.headers[name]
      if (value === undefined) continue
      const spec = headers[name]
      if (spec === undefined) {
        problems.push(`${where}: header ${name} not declared`)
        continue
      }
      const v = validator(spec["schema"] ?? {})
      const text = Array.isArray(value) ? value.join(", ") : String(value)
      if (!v(text)) problems.push(`${where}: header ${name} does not match: ${ajv.errorsText(v.errors)}`)
    }
    return problems
  }
  /**
   * The document's verdict on a request to `method template` (the operation must exist): every
   * problem with its path and query parameters (query values coerced as OpenAPI's `form` style
   * reads them) and its JSON body. Empty = the document accepts it.
   */
  const checkRequest = (r: {
    readonly method: string
    readonly template: string
    readonly params?: Readonly<Record<string, string>>
    readonly query?: Readonly<Record<string, string>>
    readonly body?: unknown
  }): ReadonlyArray<string> => {
    const op = ((doc["paths"] as Json)[r.template] as Json | undefined)?.[r.method.toLowerCase()] as Json | undefined
    if (op === undefined) throw new Error(`no operation ${r.method} ${r.template}`)
    const problems: Array<string> = []
    for (const p of (op["parameters"] ?? []) as Array<Json>) {
      const source = p["in"] === "path" ? r.params : p["in"] === "query" ? r.query : undefined
      if (source === undefined) continue
      const raw = source[p["name"] as string]
      if (raw === undefined) {
        if (p["required"] === true) problems.push(`${p["name"]}: required`)
        continue
      }
      const schema = (p["schema"] ?? {}) as Json
      const value = schema["type"] === "integer" || schema["type"] === "number" ? (/^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : raw) : schema["type"] === "boolean" ? (raw === "true" ? true : raw === "false" ? false : raw) : raw
      const v = validator(schema)
      if (!v(value)) problems.push(`${p["name"]}: ${ajv.errorsText(v.errors)}`)
    }
    const content = (op["requestBody"] as Json | undefined)?.["content"] as Json | undefined
    const schema = (content?.["application/json"] as Json | undefined)?.["schema"]
    if (schema !== undefined) {
      const v = validator(schema)
      if (!v(r.body)) problems.push(`body: ${ajv.errorsText(v.errors)}`)
    }
    return problems
  }
  return { check, checkRequest }
}

/** Collects responses, then checks them all at once (e.g. in an `afterAll`). */
export const makeContractRecorder = (doc: () => Json) => {
  const recorded: Array<RecordedResponse> = []
  const pending: Array<Promise<void>> = []
  return {
    record: (r: RecordedResponse): void => {
      recorded.push(r)
    },
    /** A response whose body is still being read. */
    recordLater: (p: Promise<RecordedResponse | undefined>): void => {
      pending.push(p.then((r) => (r === undefined ? undefined : void recorded.push(r))).catch(() => undefined))
    },
    count: (): number => recorded.length,
    /** Every disagreement (deduplicated); throws when there is one. */
    verify: async (): Promise<number> => {
      await Promise.all(pending)
      const checker = makeContractChecker(doc())
      const problems = [...new Set(recorded.flatMap((r) => checker.check(r)))]
      if (problems.length > 0) {
        throw new Error(`${problems.length} responses disagree with /openapi.json:\n${problems.slice(0, 50).join("\n")}`)
      }
      return recorded.length
    }
  }
}
