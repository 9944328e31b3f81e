/**
 * The memoized view text (internal/ViewText.ts) is always the text `JSON.stringify` writes for
 * the snapshot's view, whichever snapshot filled the entry first: snapshots drawn over a few
 * shared catalogs, defaults and tenant defaults (the caches' objects), with versions that differ.
 */
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Audience, PreferenceChoicesV2, ScopedSnapshot, UserId, ExternalUserId, TenantId } from "@notiflows/domain"
import { PreferenceChoicesV2 as ChoicesSchema, resolutionOf, scopedExplicitView, scopedView, viewV2, viewV2Text } from "@notiflows/domain"
import { Arbitraries, ModelArbitraries } from "@notiflows/testing"
const { choicesV2For, modelCatalog, tenantDefaultsFor } = ModelArbitraries
const { projectDefaults } = Arbitraries
import { etagOfBytes, etagOfJson } from "../src/ETag.js"
import { CHOICE_FIELDS, MAX_ENTRIES, viewText, viewTextEntries } from "../src/internal/ViewText.js"

const world = modelCatalog(3).chain((catalog) =>
  fc.record({
    catalog: fc.constant(catalog),
    defaults: fc.array(projectDefaults, { minLength: 1, maxLength: 2 }),
    tenants: fc.array(tenantDefaultsFor(catalog), { minLength: 1, maxLength: 2 }),
    // Few documents, so entries are found again by other snapshots.
    documents: fc.array(choicesV2For(catalog), { minLength: 1, maxLength: 3 })
  })
)

const snapshotIn = (w: fc.Arbitrary<{ catalog: ScopedSnapshot["catalog"]; defaults: ReadonlyArray<ScopedSnapshot["defaults"]>; tenants: ReadonlyArray<NonNullable<ScopedSnapshot["tenant"]>>; documents: ReadonlyArray<PreferenceChoicesV2> }>) =>
  w.chain((x) =>
    fc.array(
      fc.record({
        defaults: fc.constantFrom(...x.defaults),
        tenant: fc.constantFrom(...x.tenants),
        global: fc.constantFrom(...x.documents),
        scoped: fc.constantFrom(...x.documents),
        inTenant: fc.boolean(),
        version: fc.nat(5),
        audience: fc.constantFrom<Audience>("admin", "user"),
        kind: fc.constantFrom<"view" | "explicit">("view", "explicit")
      }).map((r) => {
        const global = { version: r.version, ...r.global }
        const snapshot: ScopedSnapshot = {
          userId: `u${r.version}` as UserId,
          externalId: "someone" as ExternalUserId,
          scope: r.inTenant ? { _tag: "Tenant", tenantId: "acme" as TenantId } : { _tag: "Global" },
          global,
          scoped: r.inTenant ? { version: r.version + 1, ...r.scoped } : global,
          tenant: r.inTenant ? r.tenant : undefined,
          catalog: x.catalog,
          defaults: r.defaults
        }
        return { snapshot, audience: r.audience, kind: r.kind }
      }),
      { minLength: 1, maxLength: 12 }
    )
  )

describe("the memoized view text", () => {
  it("is the text of the snapshot's view, whichever snapshot filled its entry", () => {
    fc.assert(
      fc.property(snapshotIn(world), (reads) => {
        for (const { snapshot, audience, kind } of reads) {
          const body = kind === "view" ? scopedView(snapshot, audience) : scopedExplicitView(snapshot, audience)
          expect(viewText(snapshot, audience, kind).toString("utf8")).toBe(JSON.stringify(body))
        }
      }),
      { numRuns: 300 }
    )
  })

  it("writes a view from entries (domain ViewV2Text.ts) as JSON.stringify writes the view, on any catalog, sets and tenant", () => {
    fc.assert(
      fc.property(snapshotIn(world), (reads) => {
        for (const { snapshot: s, audience } of reads) {
          const input = resolutionOf(s)
          expect(viewV2Text(input, s.catalog, s.defaults, audience)).toBe(JSON.stringify(viewV2(input, s.catalog, s.defaults, audience)))
        }
      }),
      { numRuns: 500 }
    )
  })

  it("keys on every field of the stored choices", () => {
    expect([...CHOICE_FIELDS].sort()).toEqual(Object.keys(ChoicesSchema.fields).sort())
  })

  it("keeps at most its bound", () => {
    const catalog = { notiflows: [], categories: [], memberships: new Map() } as unknown as ScopedSnapshot["catalog"]
    const defaults = { channel_types: {} } as unknown as ScopedSnapshot["defaults"]
    for (let i = 0; i < MAX_ENTRIES + 10; i++) {
      const set = { version: 0, channel_types: {}, categories: {}, notiflows: { [`n${i}`]: { enabled: false } } }
      const snapshot = { userId: "u" as UserId, externalId: "x" as ExternalUserId, scope: { _tag: "Global" }, global: set, scoped: set, tenant: undefined, catalog, defaults } as ScopedSnapshot
      viewText(snapshot, "admin", "explicit")
    }
    expect(viewTextEntries()).toBeLessThanOrEqual(MAX_ENTRIES)
  })

  it("tags the bytes as the text: the same ETag either way", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string(), fc.option(fc.string(), { nil: undefined }), (json, userId, scope) => {
        const bytes = Buffer.from(json, "utf8")
        expect(etagOfBytes(userId, "admin", "view", bytes, scope)).toBe(etagOfJson(userId, "admin", "view", bytes.toString("utf8"), scope))
      })
    )
  })
})
