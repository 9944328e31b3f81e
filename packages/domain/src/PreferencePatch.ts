/**
 * Merge-patch rules over a preference set (API.md §4.2, RFC 7396 restricted to our schema).
 *
 * Every function here is pure and plain TypeScript so services that do not use Effect can call
 * them. Records are built with `Object.fromEntries` and read with own-property checks only, so
 * no key (not even `__proto__`) can reach `Object.prototype`.
 */
import * as Schema from "effect/Schema"
import type { Change } from "./Changes.js"
import { sameChoices } from "./Changes.js"
import type { Decoded, FieldIssue } from "./Issues.js"
import { decoderFor, stable, isJsonObject, issue, joinPath, reason, says, unknownKeys, withIssues } from "./Issues.js"
import type { Audience, ChannelChoices, NotiflowCatalogEntry, NotiflowChoice, PreferenceChoices } from "./Preferences.js"
import { CHANNEL_TYPES, isConfigurable, isNotiflowId, NotiflowKey } from "./Preferences.js"

/** The most notiflow entries one patch may carry. */
export const MAX_PATCH_NOTIFLOWS = 1000

/** `true`/`false` sets a choice, `null` removes it. */
export const NullableBoolean = Schema.NullOr(Schema.Boolean).annotations(says("must be true, false or null"))
const optional = <S extends Schema.Schema.All>(s: S) => Schema.optionalWith(s, { exact: true })

const channelPatchFields = Object.fromEntries(CHANNEL_TYPES.map((c) => [c, optional(NullableBoolean)])) as {
  readonly [K in (typeof CHANNEL_TYPES)[number]]: Schema.optionalWith<typeof NullableBoolean, { exact: true }>
}

/** Per-channel-type patch: `true`/`false` sets a choice, `null` removes it, absent leaves it. */
export const ChannelPatchSchema = Schema.Struct(channelPatchFields).annotations({
  identifier: "ChannelTypesPatch",
  description: "true/false sets an explicit choice, null removes it, an absent key leaves it as it is",
  ...says("must be an object; send null for a single channel type to remove that choice"),
  ...unknownKeys("unknown_channel_type", `unknown channel type; expected one of ${CHANNEL_TYPES.join(", ")}`)
})
export type ChannelPatch = typeof ChannelPatchSchema.Type

/** One notiflow's patch as sent: `name` is read-only (accepted so a client can send back what it read). */
const NotiflowPatchWire = Schema.Struct({
  enabled: optional(NullableBoolean),
  channel_types: optional(ChannelPatchSchema),
  name: optional(
    Schema.String.annotations({
      ...says("name is read-only; if sent it must be a string"),
      jsonSchema: { type: "string", readOnly: true, description: "read-only; accepted and ignored" }
    })
  )
}).annotations({
  identifier: "NotiflowPreferencesPatch",
  ...unknownKeys("unknown_field", "unknown field; expected enabled or channel_types")
})

/**
 * Patch of one notiflow's choices. `replace` only appears in composed patches (see
 * {@link composePatch}): it clears the notiflow's choices before applying the rest.
 */
export const NotiflowPatchType = Schema.Struct({
  replace: optional(Schema.Literal(true)),
  enabled: optional(NullableBoolean),
  channel_types: optional(ChannelPatchSchema)
})

/** A notiflow entry of a patch: decoding drops the read-only `name`. */
export const NotiflowPatchSchema = Schema.transform(NotiflowPatchWire, Schema.typeSchema(NotiflowPatchType), {
  strict: true,
  decode: ({ name: _name, ...patch }) => patch,
  encode: ({ replace: _replace, ...patch }) => patch
})
export type NotiflowPatch = typeof NotiflowPatchSchema.Type

const NotiflowPatches = Schema.Record({
  key: NotiflowKey,
  value: Schema.NullOr(NotiflowPatchSchema).annotations(says("must be an object or null"))
})
  .annotations({
    ...says("must be an object; send null for a single notiflow to remove its choices"),
    ...unknownKeys("invalid_format", "notiflow ids are 1-64 characters of A-Za-z0-9_:- and not a reserved word")
  })
  .pipe(
    Schema.filter(
      (map) => {
        const n = Object.keys(map).length
        return n <= MAX_PATCH_NOTIFLOWS || `at most ${MAX_PATCH_NOTIFLOWS} notiflows per request, got ${n}`
      },
      // Stable: too many is one problem among others, so the entries are still checked.
      { ...stable, ...reason("too_many"), jsonSchema: { maxProperties: MAX_PATCH_NOTIFLOWS } }
    )
  )

/** A preference patch (API.md §4.2). `null` for a notiflow removes all its choices. */
export const PreferencePatchSchema = Schema.Struct({
  channel_types: optional(ChannelPatchSchema),
  notiflows: optional(NotiflowPatches)
}).annotations({
  identifier: "PreferencePatch",
  ...says("must be a JSON object"),
  ...unknownKeys("unknown_field", "unknown field; expected channel_types or notiflows")
})
export type PreferencePatch = typeof PreferencePatchSchema.Type

/** What a patch is validated against: the audience and the project's catalog. */
export interface PatchContext {
  readonly audience: Audience
  /** The catalog entry for an id, deleted ones included; `undefined` when it never existed. */
  readonly notiflow: (id: string) => NotiflowCatalogEntry | undefined
}

const decodeWire = decoderFor(PreferencePatchSchema)

/**
 * The catalog pass over a patch's notiflow ids (well-formed ones; the Schema reports the rest):
 * unknown ids, ids hidden from users and deleted ones (except `null`, which clears old choices).
 */
export const catalogIssues = (input: unknown, context: PatchContext, prefix = ""): ReadonlyArray<FieldIssue> => {
  const map = isJsonObject(input) && Object.hasOwn(input, "notiflows") ? input["notiflows"] : undefined
  if (!isJsonObject(map)) return []
  const issues: Array<FieldIssue> = []
  for (const id of Object.keys(map)) {
    if (!isNotiflowId(id)) continue
    const entry = context.notiflow(id)
    const hidden = entry !== undefined && context.audience === "user" && !isConfigurable(entry)
    if (entry === undefined || hidden || (entry.deleted && map[id] !== null)) {
      issues.push(issue(joinPath(prefix, "notiflows", id), "unknown_notiflow", "unknown notiflow"))
    }
  }
  return issues
}

/**
 * Appends the catalog pass to a decoding result. An unknown notiflow is reported as that alone:
 * what its entry holds does not matter.
 */
export const withCatalogIssues = <A>(decoded: Decoded<A>, catalog: ReadonlyArray<FieldIssue>): Decoded<A> => {
  if (catalog.length === 0 || decoded.ok) return withIssues(decoded, catalog)
  const unknown = catalog.map((i) => i.field)
  const kept = decoded.issues.filter((i) => !unknown.some((u) => i.field === u || i.field.startsWith(`${u}.`)))
  return { ok: false, issues: [...kept, ...catalog] }
}

/** Validates an untrusted JSON value as a preference patch, reporting every problem at once. */
export const decodePatch = (input: unknown, context: PatchContext): Decoded<PreferencePatch> =>
  withCatalogIssues(decodeWire(input), catalogIssues(input, context))

export const applyChannelPatch = (choices: ChannelChoices, patch: ChannelPatch | undefined): ChannelChoices => {
  if (patch === undefined) return choices
  const out: Array<[string, boolean]> = []
  for (const c of CHANNEL_TYPES) {
    const p = patch[c]
    const value = p === undefined ? choices[c] : p
    if (value !== null && value !== undefined) out.push([c, value])
  }
  return Object.fromEntries(out) as ChannelChoices
}

export const applyNotiflowPatch = (choice: NotiflowChoice | undefined, patch: NotiflowPatch): NotiflowChoice | undefined => {
  const base: NotiflowChoice = patch.replace === true || choice === undefined ? {} : choice
  const enabled = patch.enabled === undefined ? base.enabled : patch.enabled
  const channels = applyChannelPatch(base.channel_types ?? {}, patch.channel_types)
  const hasChannels = Object.keys(channels).length > 0
  if ((enabled === null || enabled === undefined) && !hasChannels) return undefined
  return {
    ...(enabled !== null && enabled !== undefined ? { enabled } : {}),
    ...(hasChannels ? { channel_types: channels } : {})
  }
}

/**
 * Applies a patch to explicit choices (merge-patch semantics), pruning emptied objects.
 * Returns the same choices object (by reference) when nothing changes.
 */
export const applyPatch = <S extends PreferenceChoices>(set: S, patch: PreferencePatch): S => {
  const channelTypes = applyChannelPatch(set.channel_types, patch.channel_types)
  let notiflows = set.notiflows
  if (patch.notiflows !== undefined) {
    const next = new Map(Object.entries(set.notiflows))
    for (const [id, p] of Object.entries(patch.notiflows)) {
      const updated = p === null ? undefined : applyNotiflowPatch(next.get(id), p)
      if (updated === undefined) next.delete(id)
      else next.set(id, updated)
    }
    notiflows = Object.fromEntries(next)
  }
  const result = { ...set, channel_types: channelTypes, notiflows }
  return sameChoices(set, result) ? set : result
}

export const composeChannelPatch = (p: ChannelPatch | undefined, q: ChannelPatch | undefined): ChannelPatch | undefined =>
  p === undefined ? q : q === undefined ? p : { ...p, ...q }

export const composeNotiflowPatch = (p: NotiflowPatch | null | undefined, q: NotiflowPatch | null): NotiflowPatch | null => {
  if (q === null || p === undefined || q.replace === true) return q
  // After a removal, q's choices start from nothing: express that as a replacing patch.
  const base: NotiflowPatch = p === null ? { replace: true } : p
  const enabled = q.enabled === undefined ? base.enabled : q.enabled
  const channels = composeChannelPatch(base.channel_types, q.channel_types)
  return {
    ...(base.replace === true ? { replace: true as const } : {}),
    ...(enabled !== undefined ? { enabled } : {}),
    ...(channels !== undefined ? { channel_types: channels } : {})
  }
}

/**
 * The patch equivalent to applying `p` then `q`: `applyPatch(applyPatch(s, p), q)` equals
 * `applyPatch(s, composePatch(p, q))` for every `s`. The result may contain `replace` steps.
 */
export const composePatch = (p: PreferencePatch, q: PreferencePatch): PreferencePatch => {
  const channelTypes = composeChannelPatch(p.channel_types, q.channel_types)
  let notiflows = p.notiflows
  if (q.notiflows !== undefined) {
    const merged = new Map<string, NotiflowPatch | null>(Object.entries(p.notiflows ?? {}))
    for (const [id, qe] of Object.entries(q.notiflows)) merged.set(id, composeNotiflowPatch(merged.get(id), qe))
    notiflows = Object.fromEntries(merged)
  }
  return {
    ...(channelTypes !== undefined ? { channel_types: channelTypes } : {}),
    ...(notiflows !== undefined ? { notiflows } : {})
  }
}

/** Turns a list of changes back into a patch: replaying `diff(a, b)` on `a` gives `b`. */
export const changesToPatch = (changes: ReadonlyArray<Change>): PreferencePatch => {
  const channelTypes: Array<[string, boolean | null]> = []
  const notiflows = new Map<string, { enabled?: boolean | null; channels: Array<[string, boolean | null]> }>()
  for (const { path, to } of changes) {
    const parts = path.split(".")
    if (parts[0] === "channel_types" && parts[1] !== undefined) {
      channelTypes.push([parts[1], to])
    } else if (parts[0] === "notiflows" && parts[1] !== undefined) {
      const entry = notiflows.get(parts[1]) ?? { channels: [] }
      if (parts[2] === "enabled") entry.enabled = to
      else if (parts[2] === "channel_types" && parts[3] !== undefined) entry.channels.push([parts[3], to])
      notiflows.set(parts[1], entry)
    }
  }
  const patch: { channel_types?: ChannelPatch; notiflows?: Record<string, NotiflowPatch> } = {}
  if (channelTypes.length > 0) patch.channel_types = Object.fromEntries(channelTypes) as ChannelPatch
  if (notiflows.size > 0) {
    patch.notiflows = Object.fromEntries(
      [...notiflows].map(([id, e]): [string, NotiflowPatch] => [
        id,
        {
          ...(e.enabled !== undefined ? { enabled: e.enabled } : {}),
          ...(e.channels.length > 0 ? { channel_types: Object.fromEntries(e.channels) as ChannelPatch } : {})
        }
      ])
    )
  }
  return patch
}
