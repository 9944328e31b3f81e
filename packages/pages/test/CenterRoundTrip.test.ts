/**
 * The center's form is consistent with its parser, for generated states: submitting a rendered
 * center unchanged writes nothing; flipping any set of enabled boxes writes exactly those leaves
 * with the new values (diff-only: defaults are never frozen); disabled boxes submit nothing; and
 * generated names never reach the HTML unescaped.
 */
import { CHANNEL_TYPES, type ChannelType } from "@notiflows/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type Branding,
  boxesOf,
  type CenterCategory,
  centerChanges,
  centerLayout,
  type CenterNotiflow,
  type CenterState,
  changesToPatch,
  defaultBranding,
  LOCALES,
  parseCenterForm,
  renderPage
} from "../src/index.js"
import { inputsOf, submittedFields } from "./support/formFields.js"

const idArb = fc.stringMatching(/^[A-Za-z0-9_:-]{1,12}$/)
const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant("<b>&\"'</b>"), fc.fullUnicodeString({ minLength: 1, maxLength: 8 }))
// A lock always holds false (MODEL.md).
const leafArb = fc.oneof(fc.record({ value: fc.boolean(), locked: fc.constant(false) }), fc.constant({ value: false, locked: true }))
const channelsArb = fc.dictionary(fc.constantFrom(...CHANNEL_TYPES), leafArb) as fc.Arbitrary<Partial<Record<ChannelType, { value: boolean; locked: boolean }>>>

const stateArb: fc.Arbitrary<CenterState> = fc
  .record({
    categoryIds: fc.uniqueArray(idArb, { maxLength: 4 }),
    notiflowIds: fc.uniqueArray(idArb, { maxLength: 6 }),
    etag: fc.string({ minLength: 1, maxLength: 20 }),
    tenant: fc.option(idArb, { nil: null }),
    root: fc.tuple(...CHANNEL_TYPES.map(() => leafArb))
  })
  .chain((s) =>
    fc.record({
      categories: fc.tuple(...s.categoryIds.map((id) => fc.record({ id: fc.constant(id), name: nameArb, enabled: leafArb, channel_types: channelsArb }))),
      notiflows: fc.tuple(
        ...s.notiflowIds.map((id) =>
          fc.record({
            id: fc.constant(id),
            name: nameArb,
            enabled: leafArb,
            channel_types: channelsArb,
            required: fc.boolean(),
            categories: fc.subarray([...s.categoryIds, "unknown_category"])
          })
        )
      )
    }).map(({ categories, notiflows }) => ({
      etag: s.etag,
      tenant_id: s.tenant,
      channel_types: Object.fromEntries(CHANNEL_TYPES.map((c, i) => [c, s.root[i]!])) as CenterState["channel_types"],
      categories: categories as Array<CenterCategory>,
      notiflows: notiflows as Array<CenterNotiflow>
    }))
  )

const brandingArb: fc.Arbitrary<Branding> = fc
  .shuffledSubarray([...CHANNEL_TYPES], { minLength: 1 })
  .map((channel_types) => ({ ...defaultBranding("Brand"), channel_types }))

const render = (state: CenterState, branding: Branding, locale: (typeof LOCALES)[number]) =>
  renderPage({ kind: "center", center: state, notice: { kind: "none" } }, { locale, branding, nonce: "n", requestId: "r", assetsBase: "/l/assets" }).html

const parse = (fields: Array<[string, string]>) => {
  const parsed = parseCenterForm(fields)
  if (!parsed.ok) throw new Error(`400: ${parsed.problem}`)
  return parsed.form
}

describe("center form round trip (generated states)", () => {
  it("an unchanged submission writes nothing", () => {
    fc.assert(
      fc.property(stateArb, brandingArb, fc.constantFrom(...LOCALES), (state, branding, locale) => {
        const form = parse(submittedFields(render(state, branding, locale)))
        expect(form.etag).toBe(state.etag)
        expect(form.lang).toBe(locale)
        expect(centerChanges(form, state, branding).size).toBe(0)
        expect(changesToPatch(new Map())).toEqual({})
      }),
      { numRuns: 150 }
    )
  })

  it("flipping enabled boxes writes exactly those leaves, with the new values", () => {
    fc.assert(
      fc.property(stateArb, brandingArb, fc.infiniteStream(fc.boolean()), (state, branding, coin) => {
        const html = render(state, branding, "en")
        const boxes = boxesOf(centerLayout(state, branding, "en"))
        const editable = boxes.filter((b) => b.kind === "editable")
        const flipped = editable.filter(() => coin.next().value)
        const changes = centerChanges(parse(submittedFields(html, new Set(flipped.map((b) => `pref.${b.path}`)))), state, branding)
        expect(new Map(changes)).toEqual(new Map(flipped.map((b) => [b.path, !b.value])))
        // the patch sets exactly those leaves
        const patch = changesToPatch(changes)
        const leaves: Array<[string, boolean]> = []
        for (const [type, v] of Object.entries(patch.channel_types ?? {})) leaves.push([`channel_types.${type}`, v])
        for (const root of ["categories", "notiflows"] as const) {
          for (const [id, entry] of Object.entries(patch[root] ?? {})) {
            if (entry.enabled !== undefined) leaves.push([`${root}.${id}.enabled`, entry.enabled])
            for (const [type, v] of Object.entries(entry.channel_types ?? {})) leaves.push([`${root}.${id}.channel_types.${type}`, v])
          }
        }
        expect(new Map(leaves)).toEqual(new Map(changes))
      }),
      { numRuns: 150 }
    )
  })

  it("read-only boxes are disabled, unnamed and without a shown field; names are escaped", () => {
    fc.assert(
      fc.property(stateArb, brandingArb, (state, branding) => {
        const html = render(state, branding, "de")
        const inputs = inputsOf(html)
        for (const box of boxesOf(centerLayout(state, branding, "de"))) {
          const input = inputs.find((i) => i.id === `pref.${box.path}`)
          expect(input, box.path).toBeDefined()
          expect(input!.disabled, box.path).toBe(box.kind !== "editable")
          expect(input!.checked, box.path).toBe(box.value)
          expect(input!.name === undefined, box.path).toBe(box.kind !== "editable")
          expect(inputs.some((i) => i.name === `shown.${box.path}`), box.path).toBe(box.kind === "editable")
        }
        expect(inputs.filter((i) => i.type === "checkbox").length).toBe(boxesOf(centerLayout(state, branding, "de")).length)
        expect(html).not.toContain("<b>&")
      }),
      { numRuns: 150 }
    )
  })
})
