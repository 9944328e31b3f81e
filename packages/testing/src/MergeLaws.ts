/**
 * The law suite of the merge rules (`applyPatch`, `composePatch`, `diff`, `decodePatch`, `view`,
 * `evaluate`), in the style of `diffLaws` in effect's `Differ.test.ts`: every law is a fast-check
 * property over inputs generated from the domain schemas, run at least 1,000 times.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import type { Audience, NotiflowCatalogEntry, PreferenceChoices, PreferencePatch, PreferenceSet, ProjectDefaults } from "@notiflows/domain"
import {
  CHANNEL_TYPES,
  PreferenceSet as PreferenceSetSchema,
  applyPatch,
  changesToPatch,
  composePatch,
  decodePatch,
  diff,
  evaluateChannel,
  own,
  view
} from "@notiflows/domain"
import { catalog, channelType, hostileInput, preferenceSetFor, projectDefaults, wirePatchFor } from "./Arbitraries.js"

export interface MergeLawsOptions {
  /** Runs per law (default and minimum 1,000). */
  readonly numRuns?: number
}

/** Decodes a wire patch that the generator made valid; a refusal fails the law. */
const decodeValid = (wire: unknown, entries: ReadonlyArray<NotiflowCatalogEntry>, audience: Audience = "admin"): PreferencePatch => {
  const decoded = decodePatch(wire, { audience, notiflow: (id) => entries.find((e) => e.id === id) })
  if (!decoded.ok) throw new Error(`a valid patch was refused: ${JSON.stringify(decoded.issues)}`)
  return decoded.value
}

interface World {
  readonly catalog: ReadonlyArray<NotiflowCatalogEntry>
  readonly set: PreferenceSet
  readonly defaults: ProjectDefaults
  readonly p: PreferencePatch
  readonly q: PreferencePatch
}

const world: fc.Arbitrary<World> = catalog().chain((entries) =>
  fc.record({
    catalog: fc.constant(entries),
    set: preferenceSetFor(entries),
    defaults: projectDefaults,
    p: wirePatchFor(entries).map((w) => decodeValid(w, entries)),
    q: wirePatchFor(entries).map((w) => decodeValid(w, entries))
  })
)

const choices = (s: PreferenceChoices): PreferenceChoices => ({ channel_types: s.channel_types, notiflows: s.notiflows })

/** True when a set decodes with the schema and holds no empty object (the stored form prunes them). */
const isCanonical = (s: PreferenceSet): boolean =>
  Either.isRight(Schema.decodeUnknownEither(PreferenceSetSchema)(s)) &&
  Object.values(s.notiflows).every(
    (c) => (c.enabled !== undefined || c.channel_types !== undefined) && (c.channel_types === undefined || Object.keys(c.channel_types).length > 0)
  )

/** Keeps only the parts of `q` that touch keys `p` does not touch. */
const disjointFrom = (p: PreferencePatch, q: PreferencePatch): PreferencePatch => {
  const channels = Object.entries(q.channel_types ?? {}).filter(([c]) => !Object.hasOwn(p.channel_types ?? {}, c))
  const notiflows = Object.entries(q.notiflows ?? {}).filter(([id]) => !Object.hasOwn(p.notiflows ?? {}, id))
  return { channel_types: Object.fromEntries(channels), notiflows: Object.fromEntries(notiflows) }
}

const ID = /^[A-Za-z0-9_:-]{1,64}$/
const RESERVED = new Set(["__proto__", "constructor", "prototype"])
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const isChannelPatch = (u: unknown): boolean =>
  isObject(u) && Object.keys(u).every((k) => (CHANNEL_TYPES as ReadonlyArray<string>).includes(k) && (u[k] === null || typeof u[k] === "boolean"))

/** An independent statement of API.md §4.2's validity rules, for "accepts exactly the valid patches". */
export const isValidWirePatch = (input: unknown, entries: ReadonlyArray<NotiflowCatalogEntry>, audience: Audience): boolean => {
  if (!isObject(input)) return false
  return Object.keys(input).every((key) => {
    const value = input[key]
    if (key === "channel_types") return isChannelPatch(value)
    if (key !== "notiflows" || !isObject(value)) return false
    const ids = Object.keys(value)
    return (
      ids.length <= 1000 &&
      ids.every((id) => {
        const entry = entries.find((e) => e.id === id)
        if (!ID.test(id) || RESERVED.has(id) || entry === undefined) return false
        if (audience === "user" && (!entry.include_in_preferences || entry.required)) return false
        const patch = value[id]
        if (patch === null) return true
        if (entry.deleted || !isObject(patch)) return false
        return Object.keys(patch).every((f) =>
          f === "enabled"
            ? patch[f] === null || typeof patch[f] === "boolean"
            : f === "channel_types"
              ? isChannelPatch(patch[f])
              : f === "name" && typeof patch[f] === "string"
        )
      })
    )
  })
}

const prototypeSnapshot = (): string => JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort())

/** Registers the merge law suite (describe/it with fast-check). */
export const mergeLaws = (options: MergeLawsOptions = {}): void => {
  const numRuns = Math.max(1000, options.numRuns ?? 1000)
  const law = <T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (t: T) => void) =>
    it(name, () => fc.assert(fc.property(arbitrary, predicate), { numRuns }))

  describe("merge laws", () => {
    law("the empty patch is the identity", world, ({ set }) => {
      assert.strictEqual(applyPatch(set, {}), set)
      assert.strictEqual(applyPatch(set, { channel_types: {}, notiflows: {} }), set)
    })

    law("applying a patch twice equals applying it once", world, ({ set, p }) => {
      const once = applyPatch(set, p)
      assert.deepStrictEqual(applyPatch(once, p), once)
    })

    law("applying p then q equals applying composePatch(p, q)", world, ({ set, p, q }) => {
      assert.deepStrictEqual(applyPatch(set, composePatch(p, q)), applyPatch(applyPatch(set, p), q))
    })

    law("composition is associative in effect", fc.tuple(world, world), ([w, r]) => {
      const left = composePatch(composePatch(w.p, w.q), r.p)
      const right = composePatch(w.p, composePatch(w.q, r.p))
      assert.deepStrictEqual(applyPatch(w.set, left), applyPatch(w.set, right))
    })

    law("patches on disjoint keys commute", world, ({ set, p, q }) => {
      const d = disjointFrom(p, q)
      assert.deepStrictEqual(applyPatch(applyPatch(set, p), d), applyPatch(applyPatch(set, d), p))
    })

    law("the result always decodes as a valid PreferenceSet, pruned, version kept", world, ({ set, p, q }) => {
      const result = applyPatch(applyPatch(set, p), q)
      assert.isTrue(isCanonical(result))
      assert.strictEqual(result.version, set.version)
    })

    law("applyPatch never mutates its inputs", world, ({ set, p }) => {
      const before = structuredClone({ set, p })
      applyPatch(set, p)
      assert.deepStrictEqual({ set, p }, before)
    })

    law(
      "null restores the default in view",
      world.chain((w) => fc.tuple(fc.constant(w), channelType, fc.constantFrom(...w.catalog))),
      ([{ set, defaults, catalog: entries }, c, entry]) => {
        const shown = (s: PreferenceChoices) => view(s, entries, defaults, "admin")
        assert.strictEqual(shown(applyPatch(set, { channel_types: { [c]: null } })).channel_types[c], defaults.channel_types[c] ?? true)
        const cleared = own(shown(applyPatch(set, { notiflows: { [entry.id]: null } })).notiflows, entry.id)
        assert.deepStrictEqual(cleared, own(shown({ channel_types: {}, notiflows: {} }).notiflows, entry.id))
        const fields = own(shown(applyPatch(set, { notiflows: { [entry.id]: { enabled: null, channel_types: { [c]: null } } } })).notiflows, entry.id)
        if (!entry.deleted) {
          assert.strictEqual(fields?.enabled, entry.default_enabled)
          assert.strictEqual(fields?.channel_types[c], entry.default_channel_types[c])
        } else assert.isUndefined(fields)
      }
    )

    law("replaying diff(a, apply(a, p)) on a gives apply(a, p)", world, ({ set, p }) => {
      const after = applyPatch(set, p)
      assert.deepStrictEqual(choices(applyPatch(set, changesToPatch(diff(set, after)))), choices(after))
      assert.strictEqual(diff(set, after).length === 0, applyPatch(set, p) === set)
    })

    law(
      "evaluation is monotone: a choice turned to false never turns 'do not deliver' into 'deliver'",
      world.chain((w) =>
        fc.tuple(
          fc.constant(w),
          fc.constantFrom(...w.catalog),
          channelType,
          fc.constantFrom<"global" | "enabled" | "channel">("global", "enabled", "channel")
        )
      ),
      ([{ set, defaults }, entry, c, level]) => {
        const patch: PreferencePatch =
          level === "global"
            ? { channel_types: { [c]: false } }
            : { notiflows: { [entry.id]: level === "enabled" ? { enabled: false } : { channel_types: { [c]: false } } } }
        const after = applyPatch(set, patch)
        for (const channel of CHANNEL_TYPES) {
          const was = evaluateChannel(set, entry, defaults, channel).deliver
          const now = evaluateChannel(after, entry, defaults, channel).deliver
          if (entry.required) assert.isTrue(now && was)
          else assert.isTrue(!now || was, `${channel} turned from do-not-deliver to deliver`)
        }
        if (!entry.required) assert.isFalse(evaluateChannel(after, entry, defaults, c).deliver)
      }
    )

    law("valid wire patches are accepted, for both audiences", catalog().chain((entries) =>
      fc.tuple(fc.constant(entries), fc.constantFrom<Audience>("admin", "user")).chain(([e, audience]) =>
        fc.tuple(fc.constant(e), fc.constant(audience), wirePatchFor(e, audience))
      )
    ), ([entries, audience, wire]) => {
      assert.isTrue(decodePatch(wire, { audience, notiflow: (id) => entries.find((e) => e.id === id) }).ok)
    })

    law(
      "decodePatch never throws, never touches Object.prototype, and accepts exactly the valid patches",
      catalog().chain((entries) => fc.tuple(fc.constant(entries), fc.constantFrom<Audience>("admin", "user"), hostileInput(entries))),
      ([entries, audience, input]) => {
        const before = prototypeSnapshot()
        const decoded = decodePatch(input, { audience, notiflow: (id) => entries.find((e) => e.id === id) })
        assert.strictEqual(prototypeSnapshot(), before)
        assert.isUndefined((({}) as Record<string, unknown>)["polluted"])
        assert.strictEqual(decoded.ok, isValidWirePatch(input, entries, audience))
        if (decoded.ok) {
          assert.isTrue(isCanonical(applyPatch({ version: 0, channel_types: {}, notiflows: {} }, decoded.value)))
        } else {
          assert.isAbove(decoded.issues.length, 0)
          for (const i of decoded.issues) assert.isString(i.field)
        }
      }
    )
  })
}
