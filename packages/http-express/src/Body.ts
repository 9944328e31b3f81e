/**
 * JSON request bodies, checked in API.md §3 order: content type (415), size (413), syntax
 * (400 `invalid_json`, including an empty body and nesting deeper than 32 levels).
 * Duplicate keys: the last one wins (`JSON.parse`).
 */
import type { Request } from "express"
import { header } from "./Http.js"
import { InvalidJson, PayloadTooLarge, UnsupportedMediaType } from "./HttpErrors.js"

/** 256 KiB. */
export const BODY_LIMIT = 256 * 1024

/** Deepest allowed nesting of objects and arrays. */
export const MAX_JSON_DEPTH = 32

const MEDIA_TYPES: ReadonlySet<string> = new Set(["application/json", "application/merge-patch+json"])

const hasBody = (req: Request): boolean => {
  const length = header(req.headers, "content-length")
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0")
}

/** 415 unless the body is declared as UTF-8 JSON (a missing type with no body is an empty body: 400). */
const checkContentType = (req: Request): void => {
  const raw = header(req.headers, "content-type")
  if (raw === undefined) {
    if (!hasBody(req)) return
    throw new UnsupportedMediaType({ reason: "content_type_required", message: "Send the body as Content-Type: application/json" })
  }
  const [type = "", ...params] = raw.split(";").map((s) => s.trim())
  if (!MEDIA_TYPES.has(type.toLowerCase())) {
    throw new UnsupportedMediaType({ reason: "unsupported_content_type", message: "Content-Type must be application/json or application/merge-patch+json" })
  }
  for (const p of params) {
    const [name = "", value = ""] = p.split("=").map((s) => s.trim().toLowerCase())
    if (name === "charset" && value.replace(/"/g, "") !== "utf-8" && value.replace(/"/g, "") !== "utf8") {
      throw new UnsupportedMediaType({ reason: "unsupported_charset", message: "JSON bodies must be UTF-8" })
    }
  }
  const encoding = header(req.headers, "content-encoding")
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
    throw new UnsupportedMediaType({ reason: "unsupported_content_encoding", message: "Compressed request bodies are not supported" })
  }
}

/** Reads the raw body, failing fast at `limit` bytes (the rest is drained, not buffered). */
const readRaw = (req: Request, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(header(req.headers, "content-length") ?? "0")
    if (Number.isFinite(declared) && declared > limit) {
      req.resume()
      reject(new PayloadTooLarge({ limit }))
      return
    }
    if (req.readableEnded) {
      // Consumed by someone else (a host middleware we cannot see): treat as empty.
      resolve(Buffer.alloc(0))
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (f: () => void) => {
      if (done) return
      done = true
      req.off("data", onData)
      req.off("end", onEnd)
      req.off("error", onError)
      f()
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        finish(() => {
          req.resume()
          reject(new PayloadTooLarge({ limit }))
        })
      } else chunks.push(chunk)
    }
    const onEnd = () => finish(() => resolve(Buffer.concat(chunks)))
    const onError = () => finish(() => reject(new InvalidJson({ message: "The request body could not be read" })))
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("error", onError)
  })

/** Maximum nesting of `{`/`[` outside strings; stops counting past `max`. */
export const jsonDepth = (text: string, max: number): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++
      if (depth > deepest) deepest = depth
      if (deepest > max) return deepest
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--
  }
  return deepest
}

const valueDepth = (value: unknown, level: number, max: number): number => {
  if (level > max || typeof value !== "object" || value === null) return level
  let deepest = level + 1
  for (const v of Object.values(value)) deepest = Math.max(deepest, valueDepth(v, level + 1, max))
  return deepest
}

/** Parses JSON text under the §3 rules. */
export const parseJson = (text: string): unknown => {
  const trimmed = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (trimmed.trim() === "") throw new InvalidJson({ message: "A JSON body is required" })
  if (jsonDepth(trimmed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new InvalidJson({ message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels` })
  }
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    throw new InvalidJson({ message: "The body is not valid JSON" })
  }
}

/**
 * The request's JSON body. When a host app already parsed it (`express.json()` before the
 * router), that value is used after the same type and depth checks.
 */
export const readJsonBody = async (req: Request, limit: number = BODY_LIMIT): Promise<unknown> => {
  checkContentType(req)
  const preParsed = req as Request & { readonly _body?: boolean }
  if (preParsed._body === true) {
    if (valueDepth(req.body, 0, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw new InvalidJson({ message: `JSON nests deeper than ${MAX_JSON_DEPTH} levels` })
    }
    return req.body as unknown
  }
  const raw = await readRaw(req, limit)
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw)
  } catch {
    throw new InvalidJson({ message: "The body is not valid UTF-8" })
  }
  return parseJson(text)
}
