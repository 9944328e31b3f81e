/**
 * The law suite of the preference model v2 (MODEL.md §2–§4): the merge laws extended to v2 sets,
 * and the resolution laws of issue 11: (1) every level only restricts, (2) a required notiflow is
 * always delivered, (3) a locked leaf's value is the lock's, (4) without tenants and categories
 * v2 decides (and shows) exactly as v1, (5) a tenant default reaches exactly the users without an
 * explicit choice at its leaf; and the batch evaluation (`prepareEvaluation` + `evaluatePrepared`, memoized by `decisionMemo`)
 * decides as `evaluateChannelV2`. Every law runs at least 1,000 times.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type { ModelCatalog, PreferenceChoicesV2, PreferencePatchV2, ProjectDefaults, ResolutionInput, Resolved, TenantDefaults } from "@notiflows/domain"
import {
  CHANNEL_TYPES,
  applyPatch,
  applyPatchV2,
  categoryLookup,
  decisionMemo,
  decodePatchV2,
  diffV2,
  emptyChoicesV2,
  evaluateChannel,
  evaluateChannelV2,
  evaluatePrepared,
  fromV1,
  liveCategoriesOf,
  own,
  prepareEvaluation,
  resolveCategoryChannel,
  resolveCategoryEnabled,
  resolveChannel,
  resolveNotiflowChannel,
  resolveNotiflowEnabled,
  toV1,
  view,
  viewV2
} from "@notiflows/domain"
import { choicesFor, hostileInput, preferenceSetFor, projectDefaults, wirePatchFor } from "./Arbitraries.js"
import type { Leaf } from "./ModelArbitraries.js"
import { choicesV2For, liveLeafOf, modelCatalog, tenantDefaultsFor, wirePatchV2For } from "./ModelArbitraries.js"
import { catalog as v1Catalog } from "./Arbitraries.js"

export interface ModelLawsOptions {
  /** Runs per law (default and minimum 1,000). */
  readonly numRuns?: number
}

const contextOf = (c: ModelCatalog, locks?: PreferenceChoicesV2) => {
  const notiflows = new Map(c.notiflows.map((e) => [e.id as string, e]))
  return { audience: "admin" as const, notiflow: (id: string) => notiflows.get(id), category: categoryLookup(c), locks }
}

const decodeValid = (wire: unknown, c: ModelCatalog): PreferencePatchV2 => {
  const decoded = decodePatchV2(wire, contextOf(c))
  if (!decoded.ok) throw new Error(`a valid v2 patch was refused: ${JSON.stringify(decoded.issues)}`)
  return decoded.value
}

/** The patch that sets (or, with `null`, removes) one leaf. */
export const leafPatch = (leaf: Leaf, v: boolean | null): PreferencePatchV2 =>
  leaf.kind === "channel_types"
    ? { channel_types: { [leaf.channel]: v } }
    : { [leaf.kind]: { [leaf.id]: leaf.field === "enabled" ? { enabled: v } : { channel_types: { [leaf.field]: v } } } }

/** The explicit value of one leaf in a set. */
export const leafOf = (c: PreferenceChoicesV2 | undefined, leaf: Leaf): boolean | undefined => {
  if (c === undefined) return undefined
  if (leaf.kind === "channel_types") return c.channel_types[leaf.channel]
  const entry = own(c[leaf.kind], leaf.id)
  return leaf.field === "enabled" ? entry?.enabled : entry?.channel_types?.[leaf.field]
}

/** R1's effective value of a leaf of a live entry. */
export const resolveLeaf = (r: ResolutionInput, c: ModelCatalog, defaults: ProjectDefaults, leaf: Leaf): Resolved | undefined => {
  if (leaf.kind === "channel_types") return resolveChannel(r, defaults, leaf.channel)
  if (leaf.kind === "categories") {
    const entry = c.categories.find((e) => e.id === leaf.id)!
    return leaf.field === "enabled" ? resolveCategoryEnabled(r, entry) : resolveCategoryChannel(r, entry, leaf.field)
  }
  const entry = c.notiflows.find((e) => e.id === leaf.id)!
  return leaf.field === "enabled" ? resolveNotiflowEnabled(r, entry) : resolveNotiflowChannel(r, entry, leaf.field)
}

interface World {
  readonly catalog: ModelCatalog
  readonly defaults: ProjectDefaults
  readonly global: PreferenceChoicesV2
  readonly tenantSet: PreferenceChoicesV2
  readonly tenant: TenantDefaults
}

const world: fc.Arbitrary<World> = modelCatalog().chain((c) =>
  fc.record({
    catalog: fc.constant(c),
    defaults: projectDefaults,
    global: choicesV2For(c),
    tenantSet: choicesV2For(c),
    tenant: tenantDefaultsFor(c)
  })
)

const inputOf = (w: World): ResolutionInput => ({ global: w.global, tenantSet: w.tenantSet, tenant: w.tenant })

const decisionsOf = (r: ResolutionInput, w: World) =>
  w.catalog.notiflows
    .filter((n) => !n.deleted)
    .flatMap((n) => CHANNEL_TYPES.map((ch) => [n, ch, evaluateChannelV2(r, n, liveCategoriesOf(w.catalog, n.id), w.defaults, ch)] as const))

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const isCanonical = (s: PreferenceChoicesV2): boolean =>
  [...Object.values(s.categories), ...Object.values(s.notiflows)].every(
    (e) => (e.enabled !== undefined || e.channel_types !== undefined) && (e.channel_types === undefined || Object.keys(e.channel_types).length > 0)
  )

/** Registers the v2 laws in a `describe`. */
export const modelLaws = (options: ModelLawsOptions = {}): void => {
  const numRuns = Math.max(1000, options.numRuns ?? 1000)
  const law = <A>(name: string, arb: fc.Arbitrary<A>, body: (a: A) => void) =>
    it(name, () => fc.assert(fc.property(arb, (a) => body(a)), { numRuns }))

  const patched = modelCatalog().chain((c) =>
    fc.record({ catalog: fc.constant(c), set: choicesV2For(c), p: wirePatchV2For(c).map((w) => decodeValid(w, c)) })
  )

  describe("merge laws, v2 sets", () => {
    law("identity: the empty patch changes nothing (same object)", patched, ({ set }) => {
      assert.strictEqual(applyPatchV2(set, {}), set)
    })
    law("idempotence: applying a patch twice equals applying it once", patched, ({ set, p }) => {
      const once = applyPatchV2(set, p)
      assert.strictEqual(applyPatchV2(once, p), once)
    })
    law("closure: results are canonical (no empty entries); no diff iff the same object", patched, ({ set, p }) => {
      const after = applyPatchV2(set, p)
      assert.isTrue(isCanonical(after))
      assert.strictEqual(diffV2(set, after).length === 0, after === set)
    })
    law(
      "the v1 part of a v2 merge is v1's merge",
      v1Catalog().chain((entries) => fc.tuple(fc.constant(entries), choicesFor(entries), wirePatchFor(entries))),
      ([entries, set, wire]) => {
        const c: ModelCatalog = { notiflows: entries, categories: [], memberships: new Map() }
        const p = decodeValid(wire, c)
        assert.deepStrictEqual(toV1(applyPatchV2(fromV1(set), p)), { ...applyPatch(set, p) })
      }
    )
  })

  describe("resolution laws", () => {
    law(
      "(1) every level only restricts: a leaf turned false never turns 'do not deliver' into 'deliver'",
      world.chain((w) => fc.tuple(fc.constant(w), liveLeafOf(w.catalog), fc.constantFrom<"global" | "tenantSet" | "tenant">("global", "tenantSet", "tenant"))),
      ([w, leaf, level]) => {
        const patch = leafPatch(leaf, false)
        const next: World =
          level === "tenant"
            ? { ...w, tenant: { ...applyPatchV2(w.tenant, patch), locks: w.tenant.locks } }
            : { ...w, [level]: applyPatchV2(w[level], patch) }
        const before = decisionsOf(inputOf(w), w)
        const after = decisionsOf(inputOf(next), next)
        before.forEach(([n, ch, d], i) => {
          assert.isTrue(!after[i]![2].deliver || d.deliver, `${n.id}/${ch} turned to deliver`)
        })
      }
    )

    law("(2) a required notiflow is delivered whatever any set, default or lock says", world, (w) => {
      for (const [n, , d] of decisionsOf(inputOf(w), w)) {
        if (n.required) assert.deepStrictEqual(d, { deliver: true, reason: "required_notiflow", source: "catalog" })
      }
    })

    law(
      "(3) a locked leaf's value is the lock's (false), whatever the user's sets hold; views mark it",
      world.chain((w) => fc.tuple(fc.constant(w), liveLeafOf(w.catalog), fc.boolean())),
      ([w, leaf, v]) => {
        const locks = w.tenant.locks
        const tenant: TenantDefaults = { ...applyPatchV2(w.tenant, leafPatch(leaf, false)), locks: applyPatchV2(locks, leafPatch(leaf, true)) }
        const sets = { global: applyPatchV2(w.global, leafPatch(leaf, v)), tenantSet: applyPatchV2(w.tenantSet, leafPatch(leaf, !v)) }
        assert.deepStrictEqual(resolveLeaf({ ...sets, tenant }, w.catalog, w.defaults, leaf), { value: false, source: "tenant_lock" })
        const shown = viewV2({ ...sets, tenant }, w.catalog, w.defaults, "admin")
        if (leaf.kind === "channel_types") {
          assert.isFalse(shown.channel_types[leaf.channel])
          assert.isTrue(shown.locked?.channel_types[leaf.channel])
        } else {
          const entry = leaf.kind === "categories" ? shown.categories?.[leaf.id] : shown.notiflows[leaf.id]
          if (entry !== undefined) {
            const value = leaf.field === "enabled" ? entry.enabled : entry.channel_types[leaf.field]
            assert.isFalse(value)
            assert.isTrue(leaf.field === "enabled" ? entry.locked?.enabled : entry.locked?.channel_types?.[leaf.field])
          }
        }
      }
    )

    law(
      "(4) without tenants and categories, v2 decides and shows exactly as v1",
      v1Catalog().chain((entries) => fc.tuple(fc.constant(entries), preferenceSetFor(entries), projectDefaults)),
      ([entries, set, defaults]) => {
        const c: ModelCatalog = { notiflows: entries, categories: [], memberships: new Map() }
        const r: ResolutionInput = { global: fromV1(set), tenantSet: undefined, tenant: undefined }
        for (const n of entries) {
          for (const ch of CHANNEL_TYPES) assert.deepStrictEqual(evaluateChannelV2(r, n, [], defaults, ch), evaluateChannel(set, n, defaults, ch))
        }
        for (const audience of ["admin", "user"] as const) {
          assert.strictEqual(JSON.stringify(viewV2(r, c, defaults, audience)), JSON.stringify(view(set, entries, defaults, audience)))
        }
      }
    )

    law(
      "(5) a tenant default reaches exactly the users without an explicit choice at its leaf",
      world.chain((w) =>
        fc.tuple(fc.constant(w), liveLeafOf(w.catalog), fc.constantFrom<boolean | null>(true, false, null), fc.array(fc.tuple(choicesV2For(w.catalog), choicesV2For(w.catalog)), { minLength: 1, maxLength: 4 }))
      ),
      ([w, leaf, v, users]) => {
        // Not at a locked leaf: there the lock decides (law 3), and a lock needs the value false.
        const tenant: TenantDefaults = { ...w.tenant, locks: applyPatchV2(w.tenant.locks, leafPatch(leaf, null)) }
        const changed: TenantDefaults = { ...applyPatchV2(tenant, leafPatch(leaf, v)), locks: tenant.locks }
        for (const [global, tenantSet] of users) {
          const before = resolveLeaf({ global, tenantSet, tenant }, w.catalog, w.defaults, leaf)
          const after = resolveLeaf({ global, tenantSet, tenant: changed }, w.catalog, w.defaults, leaf)
          const explicit = leafOf(tenantSet, leaf) !== undefined || leafOf(global, leaf) !== undefined
          if (explicit) assert.deepStrictEqual(after, before)
          else if (v !== null) assert.deepStrictEqual(after, { value: v, source: "tenant_default" })
          else assert.deepStrictEqual(after, resolveLeaf({ global, tenantSet, tenant: undefined }, w.catalog, w.defaults, leaf))
        }
      }
    )

    law(
      "a batch decides as evaluateChannelV2: prepareEvaluation once, evaluatePrepared per user, in any scope",
      world.chain((w) =>
        fc.tuple(
          fc.constant(w),
          fc.array(fc.tuple(choicesV2For(w.catalog), choicesV2For(w.catalog)), { minLength: 1, maxLength: 4 }),
          fc.shuffledSubarray([...CHANNEL_TYPES], { minLength: 1 }),
          fc.boolean()
        )
      ),
      ([w, users, channels, tenantScope]) => {
        for (const n of w.catalog.notiflows.filter((e) => !e.deleted)) {
          const categories = liveCategoriesOf(w.catalog, n.id)
          const prepared = prepareEvaluation(tenantScope ? w.tenant : undefined, n, categories, w.defaults, channels)
          for (const [global, tenantSet] of [[w.global, w.tenantSet] as const, ...users]) {
            const r: ResolutionInput = tenantScope ? { global, tenantSet, tenant: w.tenant } : { global, tenantSet: undefined, tenant: undefined }
            const decided = evaluatePrepared(prepared, r.global, r.tenantSet)
            assert.deepStrictEqual(Object.keys(decided), channels)
            for (const ch of channels) assert.deepStrictEqual(decided[ch], evaluateChannelV2(r, n, categories, w.defaults, ch), `${n.id}/${ch}`)
          }
        }
      }
    )

    law(
      "decisionMemo decides every user of a batch as evaluatePrepared (shared, cloned and irrelevant-leaf sets)",
      world.chain((w) =>
        fc.tuple(
          fc.constant(w),
          fc.array(choicesV2For(w.catalog), { minLength: 1, maxLength: 4 }),
          fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 24 }),
          fc.shuffledSubarray([...CHANNEL_TYPES], { minLength: 1 }),
          fc.boolean()
        )
      ),
      ([w, pool, picks, channels, tenantScope]) => {
        const sets = [w.global, w.tenantSet, emptyChoicesV2, ...pool]
        for (const n of w.catalog.notiflows.filter((e) => !e.deleted)) {
          const prepared = prepareEvaluation(tenantScope ? w.tenant : undefined, n, liveCategoriesOf(w.catalog, n.id), w.defaults, channels)
          const decide = decisionMemo(prepared, tenantScope)
          for (const [gi, ti, clone] of picks) {
            const pick = (i: number) => sets[i % sets.length]!
            // A clone is another object with the same leaves: decided through its key, not its identity.
            const global = clone ? (JSON.parse(JSON.stringify(pick(gi))) as PreferenceChoicesV2) : pick(gi)
            const tenantSet = pick(ti)
            const memo = decide(global, tenantSet)
            assert.deepStrictEqual(memo, evaluatePrepared(prepared, global, tenantScope ? tenantSet : undefined), `${n.id}`)
            assert.isTrue(Object.isFrozen(memo))
          }
        }
      }
    )

    law(
      "decodePatchV2 never throws and never touches Object.prototype, in any scope and audience",
      modelCatalog().chain((c) =>
        fc.tuple(fc.constant(c), tenantDefaultsFor(c), fc.constantFrom<"admin" | "user">("admin", "user"), hostileInput(c.notiflows), fc.boolean())
      ),
      ([c, td, audience, input, tenantScope]) => {
        const before = Object.getOwnPropertyNames(Object.prototype).join()
        const body = isObject(input) ? { ...input, categories: input["notiflows"] } : input
        const decoded = decodePatchV2(body, { ...contextOf(c, tenantScope ? td.locks : undefined), audience })
        assert.strictEqual(Object.getOwnPropertyNames(Object.prototype).join(), before)
        assert.isUndefined((({}) as Record<string, unknown>)["polluted"])
        if (decoded.ok) assert.isTrue(isCanonical(applyPatchV2(emptyChoicesV2, decoded.value)))
        else assert.isAbove(decoded.issues.length, 0)
      }
    )

    law("a tenant view can be sent back in its scope: accepted, and it changes nothing", world, (w) => {
      const shown = viewV2(inputOf(w), w.catalog, w.defaults, "admin")
      const decoded = decodePatchV2(JSON.parse(JSON.stringify(shown)), contextOf(w.catalog, w.tenant.locks))
      assert.isTrue(decoded.ok, JSON.stringify(decoded.ok ? [] : decoded.issues))
      if (decoded.ok) {
        const after = applyPatchV2(w.tenantSet, decoded.value)
        // Every unlocked leaf of a live entry now holds the value shown: the view is a fixed point.
        assert.deepStrictEqual(JSON.stringify(viewV2({ ...inputOf(w), tenantSet: after }, w.catalog, w.defaults, "admin")), JSON.stringify(shown))
      }
    })
  })
}
