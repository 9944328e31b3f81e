/**
 * `PUT /users/{user_id}` in v2 (MODEL.md §5): `preferences` patches the global set, `categories`
 * included, in the same commit as the profile.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ValidationFailed } from "./Errors.js"
import { preferencesUpdatedEvent } from "./Events.js"
import { ledgerFields } from "./History.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, isJsonObject, issue, says, unknownKeys } from "./Issues.js"
import type { PatchContextV2 } from "./PatchV2.js"
import { applyPatchV2, categoryIssues, diffV2 } from "./PatchV2.js"
import { catalogIssues, withCatalogIssues } from "./PreferencePatch.js"
import type { WriteContext } from "./PreferenceService.js"
import type { ExternalUserId, ProjectId } from "./Preferences.js"
import type { PreferencePatchV2 } from "./PreferencesV2.js"
import { emptySetV2, PreferencePatchV2Schema } from "./PreferencesV2.js"
import { ScopedPreferenceRepository } from "./ScopedPreferenceRepository.js"
import { loadModelCatalog } from "./ScopedPreferenceService.js"
import { globalScope } from "./Tenants.js"
import { retryOnConflict } from "./internal/retry.js"
import { sameProfile } from "./UserService.js"
import type { UserPreferenceWrite } from "./UserRepository.js"
import { UserRepository } from "./UserRepository.js"
import type { UserPatch } from "./Users.js"
import { applyUserPatch, emptyProfile, PROFILE_FIELDS, profileOf, UserUpsertSchema } from "./Users.js"
import { categoryLookup } from "./ViewV2.js"

/** The user upsert of v2: `preferences` is a v2 patch of the global set. */
export const UserUpsertV2Schema = Schema.Struct({
  ...UserUpsertSchema.fields,
  preferences: Schema.optionalWith(PreferencePatchV2Schema, { exact: true }).annotations({ description: "a patch of the global set, applied in the same write" })
}).annotations({ identifier: "UserUpsertV2", ...says("the body must be a JSON object"), ...unknownKeys("unknown_field", "unknown field") })

const decodeUpsert = decoderFor(UserUpsertV2Schema)

/** A decoded v2 upsert: the profile part, and the global set's patch. */
export interface UserPatchV2 extends Omit<UserPatch, "preferences"> {
  readonly preferences?: PreferencePatchV2
}

const contextIssues = (input: unknown, externalId: string, context: PatchContextV2): ReadonlyArray<FieldIssue> => {
  if (!isJsonObject(input)) return []
  const out: Array<FieldIssue> = []
  if (Object.hasOwn(input, "external_id") && input["external_id"] !== externalId) {
    out.push(issue("external_id", "invalid_format", "must equal the user id in the path"))
  }
  if (!Object.hasOwn(input, "preferences")) return out
  return [...out, ...catalogIssues(input["preferences"], context, "preferences"), ...categoryIssues(input["preferences"], context, "preferences")]
}

/** Validates a v2 user upsert body; every problem at once. */
export const decodeUserPatchV2 = (input: unknown, externalId: string, context: PatchContextV2): Decoded<UserPatchV2> => {
  const decoded = withCatalogIssues(decodeUpsert(input), contextIssues(input, externalId, context))
  if (!decoded.ok) return decoded
  const u = decoded.value
  return {
    ok: true,
    value: {
      profile: Object.fromEntries(PROFILE_FIELDS.flatMap((f) => (u[f] === undefined ? [] : [[f, u[f]]]))),
      ...(u.custom_fields !== undefined ? { custom_fields: u.custom_fields } : {}),
      ...(u.preferences !== undefined ? { preferences: u.preferences } : {})
    }
  }
}

/** `PUT /users/{user_id}` with a v2 `preferences` patch of the global set (a `tenant_id` query is the transport's 400). */
export const upsertUserV2 = (input: {
  readonly projectId: ProjectId
  readonly externalId: ExternalUserId
  readonly body: unknown
  readonly context: WriteContext
}) =>
  Effect.gen(function* () {
    const users = yield* UserRepository
    const sets = yield* ScopedPreferenceRepository
    const attempt = Effect.gen(function* () {
      const [[catalog], existing, stored] = yield* Effect.all([
        loadModelCatalog(input.projectId),
        users.find(input.projectId, input.externalId),
        sets.load(input.projectId, input.externalId, globalScope)
      ])
      const notiflows = new Map(catalog.notiflows.map((e) => [e.id as string, e]))
      const context: PatchContextV2 = { audience: "admin", notiflow: (id) => notiflows.get(id), category: categoryLookup(catalog), locks: undefined }
      const decoded = decodeUserPatchV2(input.body, input.externalId, context)
      if (!decoded.ok) return yield* Effect.fail(new ValidationFailed({ issues: decoded.issues }))
      const current = Option.getOrUndefined(existing)
      const profile = profileOf(applyUserPatch(current ?? emptyProfile, decoded.value))
      const before = Option.match(stored, { onNone: () => emptySetV2, onSome: (s) => s.global })
      const at = new Date(yield* Clock.currentTimeMillis)
      let preferences: UserPreferenceWrite | undefined
      if (decoded.value.preferences !== undefined) {
        const after = applyPatchV2(before, decoded.value.preferences)
        const changes = diffV2(before, after)
        if (changes.length > 0) {
          const expectedVersion = current === undefined ? 0 : before.version
          const history = { actor: input.context.actor, request_id: input.context.requestId, changed_at: at, changes, ...ledgerFields(input.context, "patch") }
          preferences = {
            expectedVersion,
            choices: { channel_types: after.channel_types, notiflows: after.notiflows },
            categories: after.categories,
            history,
            event: preferencesUpdatedEvent({ externalId: input.externalId, tenantId: null, version: expectedVersion + 1, preferences: after, history })
          }
        }
      }
      if (current !== undefined && preferences === undefined && sameProfile(current, profile)) return { user: current, created: false }
      const user = yield* users.save({
        projectId: input.projectId,
        externalId: input.externalId,
        expectedRevision: current?.revision ?? null,
        profile,
        at,
        ...(preferences !== undefined ? { preferences } : {})
      })
      return { user, created: current === undefined }
    })
    return yield* retryOnConflict(attempt)
  })
