/**
 * Use cases for send-time evaluation (API.md §4.3 and §5): one user, or a batch for fan-out.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { NotiflowNotFound, UserNotFound, ValidationFailed } from "./Errors.js"
import { BatchEvaluation, Decisions, evaluate, evaluateBatch } from "./Evaluation.js"
import type { Decoded } from "./Issues.js"
import { decoderFor, enumReason, isJsonObject, reason, says, unknownKeys } from "./Issues.js"
import { BATCH_LINKS_JSON_SCHEMA, LINK_PURPOSES, LinkScopeSchema } from "./Links.js"
import { PreferenceRepository } from "./PreferenceRepository.js"
import { loadProjectView } from "./PreferenceService.js"
import type { ChannelType, ProjectId } from "./Preferences.js"
import { CHANNEL_TYPES, ChannelType as ChannelTypeSchema, ExternalUserId, isNotiflowId, NotiflowId } from "./Preferences.js"

export const MAX_BATCH_USERS = 1000

/** Requested channel types: 1-6 distinct ones; absent = all six. */
const ChannelList = Schema.Array(ChannelTypeSchema).pipe(
  Schema.minItems(1, { ...reason("required", "at least one channel type is required; leave the field out for all six"), title: "channel types" }),
  Schema.filter(
    (list) => {
      const at = list.findIndex((c, i) => list.indexOf(c) !== i)
      return at < 0 || { path: [at], message: "channel types must be distinct" }
    },
    { ...reason("invalid_format"), title: "channel types", jsonSchema: { uniqueItems: true } }
  )
).annotations({ description: "distinct channel types; default all six", ...says("must be an array of channel types") })

const notiflowId = NotiflowId.annotations(says("must be a notiflow id string"))

export const EvaluateRequest = Schema.Struct({
  notiflow_id: notiflowId,
  channel_types: Schema.optionalWith(ChannelList, { exact: true })
}).annotations({ identifier: "EvaluateRequest", ...says("the body must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })

export const EvaluateResponse = Schema.Struct({
  user_id: Schema.String,
  notiflow_id: Schema.String,
  channel_types: Decisions
}).annotations({ identifier: "EvaluateResponse" })

const UserIds = Schema.Array(ExternalUserId).pipe(
  Schema.minItems(1, { ...reason("required", "at least one user id is required"), title: "user ids" }),
  Schema.maxItems(MAX_BATCH_USERS, { ...reason("too_many", `at most ${MAX_BATCH_USERS} user ids`), title: "user ids" })
).annotations({ description: `1-${MAX_BATCH_USERS} external user ids`, ...says("must be an array of user ids") })

/** Link purposes wanted with each result (LINKS.md §2.2): distinct; `[]` = none. */
const LinkPurposes = Schema.Array(
  Schema.Literal(...LINK_PURPOSES).annotations(enumReason("invalid_format", `links are ${LINK_PURPOSES.join(", ")}`, "must be a purpose string"))
).pipe(
  Schema.filter(
    (list) => {
      const at = list.findIndex((c, i) => list.indexOf(c) !== i)
      return at < 0 || { path: [at], message: "link purposes must be distinct" }
    },
    { ...reason("invalid_format"), jsonSchema: { uniqueItems: true } }
  )
).annotations({ description: "links to mint for each found user (LINKS.md §2.2)", ...says("must be an array of link purposes") })

export const BatchEvaluateRequest = Schema.Struct({
  notiflow_id: notiflowId,
  channel_types: Schema.optionalWith(ChannelList, { exact: true }),
  user_ids: UserIds,
  links: Schema.optionalWith(LinkPurposes, { exact: true }),
  links_expires_in_days: Schema.optionalWith(Schema.Int.annotations(says("must be an integer number of days")), { exact: true }),
  unsubscribe_scope: Schema.optionalWith(LinkScopeSchema, { exact: true })
}).annotations({
  identifier: "BatchEvaluateRequest",
  ...says("the body must be a JSON object"),
  ...unknownKeys("unknown_field", "unknown field"),
  jsonSchema: BATCH_LINKS_JSON_SCHEMA
})

export const BatchEvaluateResponse = Schema.Struct({
  notiflow_id: Schema.String,
  results: Schema.Array(BatchEvaluation)
}).annotations({ identifier: "BatchEvaluateResponse" })

/** A decoded evaluate body (`user_ids` is empty for a single user). */
interface EvaluateBody {
  readonly notiflow_id: string
  readonly channel_types: ReadonlyArray<ChannelType>
  readonly user_ids: ReadonlyArray<ExternalUserId>
}

const decodeSingle = decoderFor(EvaluateRequest)
const decodeBatch = decoderFor(BatchEvaluateRequest)

/** Validates an evaluate body (single when `batch` is false: no `user_ids`). */
export const decodeEvaluateBody = (input: unknown, batch: boolean): Decoded<EvaluateBody> => {
  const decoded = batch ? decodeBatch(input) : decodeSingle(input)
  if (!decoded.ok) return decoded
  const { notiflow_id, channel_types } = decoded.value
  const user_ids: ReadonlyArray<ExternalUserId> = "user_ids" in decoded.value ? (decoded.value as typeof BatchEvaluateRequest.Type).user_ids : []
  return { ok: true, value: { notiflow_id, channel_types: channel_types ?? CHANNEL_TYPES, user_ids } }
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
export const evaluateUser = (projectId: ProjectId, externalId: ExternalUserId, body: unknown) =>
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
export const evaluateUsers = (projectId: ProjectId, body: unknown) =>
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
