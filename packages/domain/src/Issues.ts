/**
 * Field-level validation problems, reported all at once (API.md §3, 422 `validation_error`).
 */
import * as Schema from "effect/Schema"

export const IssueReason = Schema.Literal(
  "required",
  "invalid_type",
  "unknown_field",
  "unknown_channel_type",
  "unknown_notiflow",
  "too_long",
  "too_many",
  "invalid_format"
)
export type IssueReason = typeof IssueReason.Type

/** One problem: a dotted path (`""` = the body itself), a human message and a machine reason. */
export const FieldIssue = Schema.Struct({
  field: Schema.String,
  message: Schema.String,
  reason: IssueReason
})
export type FieldIssue = typeof FieldIssue.Type

/** The result of a pure decoder: the value, or every problem found. */
export type Decoded<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly issues: ReadonlyArray<FieldIssue> }

export const issue = (field: string, reason: IssueReason, message: string): FieldIssue => ({ field, reason, message })

/** Joins path segments with dots; the body itself is `""`. */
export const joinPath = (...segments: ReadonlyArray<string>): string => segments.filter((s) => s !== "").join(".")

/** True for a plain JSON object (not null, not an array). */
export const isJsonObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

export const typeName = (u: unknown): string => (u === null ? "null" : Array.isArray(u) ? "array" : typeof u)
