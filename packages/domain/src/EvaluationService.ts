/**
 * Use cases for send-time evaluation (API.md §4.3 and §5): one user, or a batch for fan-out.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { NotiflowNotFound, UserNotFound, ValidationFailed } from "./Errors.js"
import type { BatchEvaluation, Decisions } from "./Evaluation.js"
import { Decision, evaluate, evaluateBatch } from "./Evaluation.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { issue, isJsonObject, joinPath, typeName } from "./Issues.js"
import { PreferenceRepository } from "./PreferenceRepository.js"
import { loadProjectView } from "./PreferenceService.js"
import type { ChannelType } from "./Preferences.js"
import { CHANNEL_TYPES, ChannelType as ChannelTypeSchema, isChannelType, isExternalUserId, isNotiflowId } from "./Preferences.js"

export const MAX_BATCH_USERS = 1000

const ChannelList = Schema.Array(ChannelTypeSchema).annotations({ description: "distinct channel types; default all six" })
const DecisionMap = Schema.Record({ key: ChannelTypeSchema, value: Decision })

export const EvaluateRequest = Schema.Struct({
  notiflow_id: Schema.String,
  channel_types: Schema.optionalWith(ChannelList, { exact: true })
}).annotations({ identifier: "EvaluateRequest" })

export const EvaluateResponse = Schema.Struct({
  user_id: Schema.String,
  notiflow_id: Schema.String,
  channel_types: DecisionMap
}).annotations({ identifier: "EvaluateResponse" })

export const BatchEvaluateRequest = Schema.Struct({
  notiflow_id: Schema.String,
  user_ids: Schema.Array(Schema.String).annotations({ description: `1-${MAX_BATCH_USERS} external user ids` }),
  channel_types: Schema.optionalWith(ChannelList, { exact: true })
}).annotations({ identifier: "BatchEvaluateRequest" })

export const BatchEvaluateResponse = Schema.Struct({
  notiflow_id: Schema.String,
  results: Schema.Array(
    Schema.Struct({ user_id: Schema.String, user_found: Schema.Boolean, channel_types: DecisionMap })
  )
}).annotations({ identifier: "BatchEvaluateResponse" })

interface EvaluateBody {
  readonly notiflow_id: string
  readonly channel_types: ReadonlyArray<ChannelType>
  readonly user_ids: ReadonlyArray<string>
}

const decodeChannels = (value: unknown, issues: Array<FieldIssue>): ReadonlyArray<ChannelType> => {
  if (value === undefined) return CHANNEL_TYPES
  if (!Array.isArray(value)) {
    issues.push(issue("channel_types", "invalid_type", `must be an array of channel types, got ${typeName(value)}`))
    return []
  }
  if (value.length === 0) {
    issues.push(issue("channel_types", "required", "at least one channel type is required; leave the field out for all six"))
    return []
  }
  const seen = new Set<string>()
  value.forEach((c: unknown, i) => {
    const field = joinPath("channel_types", String(i))
    if (typeof c !== "string") issues.push(issue(field, "invalid_type", `must be a channel type string, got ${typeName(c)}`))
    else if (!isChannelType(c)) issues.push(issue(field, "unknown_channel_type", `unknown channel type; expected one of ${CHANNEL_TYPES.join(", ")}`))
    else if (seen.has(c)) issues.push(issue(field, "invalid_format", "channel types must be distinct"))
    seen.add(typeof c === "string" ? c : "")
  })
  return value.filter((c): c is ChannelType => typeof c === "string" && isChannelType(c))
}

/** Validates an evaluate body (single when `batch` is false: no `user_ids`). */
export const decodeEvaluateBody = (input: unknown, batch: boolean): Decoded<EvaluateBody> => {
  if (!isJsonObject(input)) return { ok: false, issues: [issue("", "invalid_type", `the body must be a JSON object, got ${typeName(input)}`)] }
  const issues: Array<FieldIssue> = []
  const notiflowId = input["notiflow_id"]
  if (notiflowId === undefined) issues.push(issue("notiflow_id", "required", "notiflow_id is required"))
  else if (typeof notiflowId !== "string") issues.push(issue("notiflow_id", "invalid_type", `must be a string, got ${typeName(notiflowId)}`))
  else if (!isNotiflowId(notiflowId)) issues.push(issue("notiflow_id", "invalid_format", "not a well-formed notiflow id"))
  const channelTypes = decodeChannels(Object.hasOwn(input, "channel_types") ? input["channel_types"] : undefined, issues)
  let userIds: ReadonlyArray<string> = []
  if (batch) {
    const raw = Object.hasOwn(input, "user_ids") ? input["user_ids"] : undefined
    if (raw === undefined) issues.push(issue("user_ids", "required", "user_ids is required"))
    else if (!Array.isArray(raw)) issues.push(issue("user_ids", "invalid_type", `must be an array of user ids, got ${typeName(raw)}`))
    else if (raw.length === 0) issues.push(issue("user_ids", "required", "at least one user id is required"))
    else if (raw.length > MAX_BATCH_USERS) issues.push(issue("user_ids", "too_many", `at most ${MAX_BATCH_USERS} user ids, got ${raw.length}`))
    else {
      raw.forEach((u: unknown, i) => {
        const field = joinPath("user_ids", String(i))
        if (typeof u !== "string") issues.push(issue(field, "invalid_type", `must be a string, got ${typeName(u)}`))
        else if (!isExternalUserId(u)) issues.push(issue(field, "invalid_format", "user ids are 1-255 characters with no control characters"))
      })
      userIds = raw.filter((u): u is string => typeof u === "string")
    }
  }
  for (const key of Object.keys(input)) {
    if (key !== "notiflow_id" && key !== "channel_types" && !(batch && key === "user_ids")) {
      issues.push(issue(key, "unknown_field", "unknown field"))
    }
  }
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, value: { notiflow_id: notiflowId as string, channel_types: channelTypes, user_ids: userIds } }
}

/** The named notiflow when the body names a well-formed id that is not live: 404 before 422. */
const requireNotiflow = (body: unknown, catalog: ReadonlyArray<{ readonly id: string; readonly deleted: boolean }>) => {
  const id = isJsonObject(body) ? body["notiflow_id"] : undefined
  if (typeof id === "string" && isNotiflowId(id) && !catalog.some((e) => e.id === id && !e.deleted)) {
    return Effect.fail(new NotiflowNotFound({ notiflowId: id }))
  }
  return Effect.void
}

/** Decisions for one user. */
export const evaluateUser = (projectId: string, externalId: string, body: unknown) =>
  Effect.gen(function* () {
    const repo = yield* PreferenceRepository
    const [catalog, defaults] = yield* loadProjectView(projectId)
    const stored = yield* repo.load(projectId, externalId)
    if (Option.isNone(stored)) return yield* Effect.fail(new UserNotFound({ externalId }))
    yield* requireNotiflow(body, catalog)
    const decoded = decodeEvaluateBody(body, false)
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const notiflow = catalog.find((e) => e.id === decoded.value.notiflow_id && !e.deleted)!
    const channel_types: Decisions = evaluate(stored.value.preferences, notiflow, defaults, decoded.value.channel_types)
    return { user_id: externalId, notiflow_id: notiflow.id as string, channel_types }
  })

/** Decisions for up to 1,000 users, in input order, reading all of them in one query. */
export const evaluateUsers = (projectId: string, body: unknown) =>
  Effect.gen(function* () {
    const [catalog, defaults] = yield* loadProjectView(projectId)
    yield* requireNotiflow(body, catalog)
    const decoded = decodeEvaluateBody(body, true)
    if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
    const notiflow = catalog.find((e) => e.id === decoded.value.notiflow_id && !e.deleted)!
    const repo = yield* PreferenceRepository
    const found = yield* repo.loadMany(projectId, [...new Set(decoded.value.user_ids)])
    const results: ReadonlyArray<BatchEvaluation> = evaluateBatch(
      decoded.value.user_ids,
      (id) => found.get(id),
      notiflow,
      defaults,
      decoded.value.channel_types
    )
    return { notiflow_id: notiflow.id as string, results }
  })
