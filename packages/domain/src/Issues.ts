/**
 * Field-level validation problems, reported all at once (API.md §3, 422 `validation_error`),
 * and the one mapper from effect's `ParseIssue` tree to that list.
 *
 * Every request body is decoded by an `effect/Schema` with `errors: "all"` and
 * `onExcessProperty: "error"`; the Schemas carry `message` annotations and, where the §3 reason
 * is not `invalid_type`, a {@link reason} annotation. Unknown keys of an object are
 * `unknown_field` unless the object says otherwise with {@link unknownKeys}.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

export const IssueReason = Schema.Literal(
  "required",
  "invalid_type",
  "unknown_field",
  "unknown_channel_type",
  "unknown_notiflow",
  "unknown_category",
  "locked",
  "too_long",
  "too_many",
  "invalid_format",
  "not_unsubscribable",
  "out_of_range",
  "insufficient_contrast"
)
export type IssueReason = typeof IssueReason.Type

/** One problem: a dotted path (`""` = the body itself), a human message and a machine reason. */
export const FieldIssue = Schema.Struct({
  field: Schema.String,
  message: Schema.String,
  reason: IssueReason
}).annotations({ identifier: "FieldIssue" })
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

const ReasonId: unique symbol = Symbol.for("@notiflows/domain/IssueReason")
const UnknownKeysId: unique symbol = Symbol.for("@notiflows/domain/UnknownKeys")

/** Annotations for a Schema whose failure has a §3 reason other than `invalid_type`. */
export const reason = (r: IssueReason, message?: string) =>
  message === undefined ? { [ReasonId]: r } : { [ReasonId]: r, message: () => message }

/** Annotations for an object whose unexpected (or ill-formed) keys have their own reason. */
export const unknownKeys = (r: IssueReason, message: string) => ({ [UnknownKeysId]: { reason: r, message } })

/**
 * Annotation of a filter that also runs when the value inside failed (effect's "stable" filter,
 * as `minItems` uses), so a count problem is reported among the others.
 */
export const stable = { [Symbol.for("effect/annotation/StableFilter")]: true } as const

/** Annotations: a `message` for every failure of this Schema. */
export const says = (message: string) => ({ message: () => message })

/**
 * Annotations for a Schema of a string enumeration: a string outside it has reason `r`, any
 * other value is `invalid_type`.
 */
export const enumReason = (r: IssueReason, message: string, typeMessage: string) => ({
  [ReasonId]: (actual: unknown): IssueReason => (typeof actual === "string" ? r : "invalid_type"),
  message: (i: ParseResult.ParseIssue) => (typeof i.actual === "string" ? message : `${typeMessage}, got ${typeName(i.actual)}`)
})

type ReasonAnnotation = IssueReason | ((actual: unknown) => IssueReason)

const reasonOf = (ast: AST.AST, actual: unknown): IssueReason | undefined => {
  const r = ast.annotations[ReasonId] as ReasonAnnotation | undefined
  return typeof r === "function" ? r(actual) : r
}

const messageOf = (ast: AST.AST, i: ParseResult.ParseIssue): string | undefined => {
  const annotation = AST.getMessageAnnotation(ast)
  if (Option.isNone(annotation)) return undefined
  const out = annotation.value(i)
  if (typeof out === "string") return out
  return typeof out === "object" && "message" in out && typeof out.message === "string" ? out.message : undefined
}

const defaultMessage = (ast: AST.AST, actual: unknown): string => {
  const expected = String(ast)
  return expected.length <= 40 ? `must be ${expected}, got ${typeName(actual)}` : `invalid value, got ${typeName(actual)}`
}

const keyIssue = (literal: AST.AST | undefined): { readonly reason: IssueReason; readonly message: string } =>
  (literal?.annotations[UnknownKeysId] as { reason: IssueReason; message: string } | undefined) ??
  { reason: "unknown_field", message: "unknown field" }

/** A member failure that only says "not this type" (the input did not even have the member's shape). */
const shallow = (i: ParseResult.ParseIssue): boolean =>
  i._tag === "Type" ||
  ((i._tag === "Refinement" && i.kind === "From") || i._tag === "Transformation" ? shallow(i.issue) : false)

interface Walk {
  readonly out: Array<FieldIssue>
  /** The reason of the refinement whose predicate failed, for the leaves under it. */
  readonly refined?: AST.AST
}

const leaf = (path: ReadonlyArray<string>, ast: AST.AST, i: ParseResult.ParseIssue, w: Walk, actual: unknown): void => {
  const from = w.refined ?? ast
  const r = reasonOf(from, actual) ?? reasonOf(ast, actual) ?? "invalid_type"
  const own = i._tag === "Type" ? i.message : undefined
  const message = own ?? messageOf(from, i) ?? messageOf(ast, i) ?? defaultMessage(ast, actual)
  w.out.push(issue(path.join("."), r, message))
}

const walk = (i: ParseResult.ParseIssue, path: ReadonlyArray<string>, w: Walk, literal?: AST.AST): void => {
  switch (i._tag) {
    case "Pointer": {
      const segments = Array.isArray(i.path) ? i.path : [i.path]
      return walk(i.issue, [...path, ...segments.map(String)], w, literal)
    }
    case "Composite": {
      const issues = Array.isArray(i.issues) ? i.issues : [i.issues as ParseResult.ParseIssue]
      if (AST.isUnion(i.ast)) {
        // The member the input was meant for is the one that failed deeper than its type.
        const deep = issues.find((m) => !shallow(m))
        return deep !== undefined ? walk(deep, path, w) : leaf(path, i.ast, i, w, i.actual)
      }
      const owner = AST.isTypeLiteral(i.ast) ? i.ast : undefined
      for (const m of issues) walk(m, path, w, owner)
      return
    }
    case "Refinement":
      return i.kind === "From" ? walk(i.issue, path, w) : walk(i.issue, path, { out: w.out, refined: i.ast })
    case "Transformation":
      return walk(i.issue, path, w)
    case "Type":
      return leaf(path, i.ast, i, w, i.actual)
    case "Missing":
      w.out.push(issue(path.join("."), "required", "is required"))
      return
    case "Unexpected": {
      const k = keyIssue(literal)
      w.out.push(issue(path.join("."), k.reason, k.message))
      return
    }
    case "Forbidden":
      w.out.push(issue(path.join("."), "invalid_type", "invalid value"))
      return
  }
}

/** The §3 `fields` list of a decoding failure. */
export const fieldIssues = (i: ParseResult.ParseIssue, prefix: ReadonlyArray<string> = []): Array<FieldIssue> => {
  const w: Walk = { out: [] }
  walk(i, prefix, w)
  return w.out
}

/** The options every request decoder uses: every problem, and unknown keys are problems. */
export const DECODE_OPTIONS = { errors: "all", onExcessProperty: "error" } as const

/** A pure decoder for a Schema: the value, or every problem as §3 fields. */
export const decoderFor = <A, I>(schema: Schema.Schema<A, I, never>): ((input: unknown) => Decoded<A>) => {
  const decode = Schema.decodeUnknownEither(schema, DECODE_OPTIONS)
  return (input) => {
    const result = decode(input)
    return Either.isRight(result) ? { ok: true, value: result.right } : { ok: false, issues: fieldIssues(result.left.issue) }
  }
}

/** Appends second-pass issues (catalog checks and the like) to a decoding result. */
export const withIssues = <A>(decoded: Decoded<A>, more: ReadonlyArray<FieldIssue>): Decoded<A> =>
  more.length === 0 ? decoded : { ok: false, issues: decoded.ok ? more : [...decoded.issues, ...more] }
