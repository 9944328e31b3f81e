/**
 * One raw line → a valid {@link ImportLine}, or the §3 error object (without `request_id`) that
 * reports it: 413 `payload_too_large` (over 256 KiB), 400 `bad_request` `invalid_json` (not UTF-8,
 * not JSON, nested deeper than 32 levels), 422 `validation_error` (the API's schemas; with
 * `--strict` also choices on ids absent from the catalog).
 */
import type { FieldIssue, ImportLine } from "@notiflows/domain"
import { decodeImportLine, externalIdOf, MAX_LINE_BYTES, unknownIdIssues } from "@notiflows/domain"

/** A §3 error object without `request_id`. */
export interface LineError {
  readonly type: string
  readonly code: string
  readonly message: string
  readonly status: number
  readonly details: Record<string, unknown>
}

export type ParsedLine =
  | { readonly _tag: "Blank" }
  | { readonly _tag: "Valid"; readonly line: ImportLine; readonly unknownIds: boolean }
  | { readonly _tag: "Bad"; readonly externalId: string | null; readonly error: LineError }

const error = (status: number, code: string, message: string, details: Record<string, unknown>): LineError => ({
  type: `https://docs.notiflows.com/errors/${code}`,
  code,
  message,
  status,
  details
})

const MAX_DEPTH = 32
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** True when a parsed value nests deeper than {@link MAX_DEPTH} (API.md §3: `invalid_json`). */
const tooDeep = (value: unknown, depth: number): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (depth >= MAX_DEPTH) return true
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (tooDeep(v, depth + 1)) return true
  return false
}

const invalidJson = (message: string) => ({ _tag: "Bad", externalId: null, error: error(400, "bad_request", message, { reason: "invalid_json" }) }) as const

export interface Catalog {
  readonly notiflow: (id: string) => boolean
  readonly category: (id: string) => boolean
}

/** Parses and validates one line. */
export const parseLine = (bytes: Buffer | undefined, catalog: Catalog, strict: boolean): ParsedLine => {
  if (bytes === undefined) {
    return { _tag: "Bad", externalId: null, error: error(413, "payload_too_large", `a line holds at most ${MAX_LINE_BYTES} bytes`, { limit: MAX_LINE_BYTES }) }
  }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return invalidJson("the line is not valid UTF-8")
  }
  if (text.trim() === "") return { _tag: "Blank" }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return invalidJson("the line is not valid JSON")
  }
  if (tooDeep(value, 0)) return invalidJson(`the line nests deeper than ${MAX_DEPTH} levels`)
  const decoded = decodeImportLine(value)
  const invalid = (fields: ReadonlyArray<FieldIssue>) =>
    ({ _tag: "Bad", externalId: externalIdOf(value), error: error(422, "validation_error", "the line is not valid", { fields }) }) as const
  if (!decoded.ok) return invalid(decoded.issues)
  const unknown = unknownIdIssues(decoded.value, catalog)
  if (strict && unknown.length > 0) return invalid(unknown)
  return { _tag: "Valid", line: decoded.value, unknownIds: unknown.length > 0 }
}

/** The stderr report of a bad line: `line 1234: validation_error preferences.channel_types.fax unknown_channel_type`. */
export const describeBadLine = (number: number, e: LineError): string => {
  const fields = e.details["fields"]
  if (Array.isArray(fields)) return `line ${number}: ${e.code} ${(fields as ReadonlyArray<FieldIssue>).map((f) => `${f.field || "(line)"} ${f.reason}`).join(", ")}`
  return `line ${number}: ${e.code}${typeof e.details["reason"] === "string" ? ` ${e.details["reason"]}` : ""} ${e.message}`
}
