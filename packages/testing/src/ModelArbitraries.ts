/**
 * fast-check arbitraries of the preference model v2 (MODEL.md): category catalogs, memberships,
 * v2 sets, tenant defaults whose locks all hold `false`, valid v2 wire patches, and leaves.
 */
import * as Arbitrary from "effect/Arbitrary"
import * as fc from "fast-check"
import type {
  CategoryCatalogEntry,
  CategoryId,
  ChannelType,
  ModelCatalog,
  NotiflowCatalogEntry,
  NotiflowChoice,
  PreferenceChoicesV2,
  TenantDefaults
} from "@notiflows/domain"
import { CHANNEL_TYPES, ChannelChoices as ChannelChoicesSchema } from "@notiflows/domain"
import { catalog, channelPatch, channelType, notiflowChoice, notiflowId, notiflowWirePatch } from "./Arbitraries.js"

const fromEntries = <V>(entries: ReadonlyArray<readonly [string, V]>): Record<string, V> => Object.fromEntries(entries)
const someIds = (ids: ReadonlyArray<string>): fc.Arbitrary<ReadonlyArray<string>> => (ids.length === 0 ? fc.constant([]) : fc.subarray([...ids]))
const byId = <A extends { readonly id: string }>(a: A, b: A) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export const categoryEntry: fc.Arbitrary<CategoryCatalogEntry> = fc.record({
  id: notiflowId.map((s) => s as string as CategoryId),
  name: fc.string({ maxLength: 12 }),
  include_in_preferences: fc.boolean(),
  default_enabled: fc.boolean(),
  default_channel_types: Arbitrary.make(ChannelChoicesSchema),
  deleted: fc.boolean()
})

/** A v2 catalog: notiflows, 0–`maxCategories` categories and ordered memberships. */
export const modelCatalog = (maxCategories = 4): fc.Arbitrary<ModelCatalog> =>
  fc.tuple(catalog(), fc.uniqueArray(categoryEntry, { maxLength: maxCategories, selector: (c) => c.id })).chain(([notiflows, categories]) =>
    fc
      .tuple(...notiflows.map(() => (categories.length === 0 ? fc.constant([]) : fc.shuffledSubarray(categories.map((c) => c.id)))))
      .map((lists) => ({
        notiflows: [...notiflows].sort(byId),
        categories: [...categories].sort(byId),
        memberships: new Map(notiflows.map((n, i) => [n.id as string, lists[i] ?? []] as const))
      }))
  )

const entriesFor = (ids: ReadonlyArray<string>, choice: fc.Arbitrary<NotiflowChoice>) =>
  someIds(ids).chain((chosen) => fc.tuple(...chosen.map(() => choice)).map((cs) => fromEntries(chosen.map((id, i) => [id, cs[i]!] as const))))

/** A v2 set whose ids come from the catalog (deleted ones included). */
export const choicesV2For = (c: ModelCatalog): fc.Arbitrary<PreferenceChoicesV2> =>
  fc.record({
    channel_types: Arbitrary.make(ChannelChoicesSchema),
    categories: entriesFor(c.categories.map((e) => e.id), notiflowChoice),
    notiflows: entriesFor(c.notiflows.map((e) => e.id), notiflowChoice)
  })

/** Every lock true → the value false at that leaf (M§1). */
const lockedToFalse = (values: PreferenceChoicesV2, locks: PreferenceChoicesV2): PreferenceChoicesV2 => {
  const channels = { ...values.channel_types } as Record<string, boolean>
  for (const c of CHANNEL_TYPES) if (locks.channel_types[c] === true) channels[c] = false
  const entries = (v: Readonly<Record<string, NotiflowChoice>>, l: Readonly<Record<string, NotiflowChoice>>) => {
    const out: Record<string, NotiflowChoice> = { ...v }
    for (const [id, lock] of Object.entries(l)) {
      const cur = out[id] ?? {}
      const ch = { ...cur.channel_types } as Record<string, boolean>
      for (const c of CHANNEL_TYPES) if (lock.channel_types?.[c] === true) ch[c] = false
      out[id] = { ...cur, ...(lock.enabled === true ? { enabled: false } : {}), ...(Object.keys(ch).length > 0 ? { channel_types: ch } : {}) }
    }
    return out
  }
  return { channel_types: channels, categories: entries(values.categories, locks.categories), notiflows: entries(values.notiflows, locks.notiflows) }
}

const lockChoice: fc.Arbitrary<NotiflowChoice> = fc
  .record(
    {
      enabled: fc.constant(true),
      channel_types: fc.subarray([...CHANNEL_TYPES], { minLength: 1 }).map((cs) => fromEntries(cs.map((c) => [c, true] as const)))
    },
    { requiredKeys: [] }
  )
  .filter((c) => c.enabled !== undefined || c.channel_types !== undefined)

/** Tenant defaults over the catalog: values, and locks whose leaves all hold `false`. */
export const tenantDefaultsFor = (c: ModelCatalog): fc.Arbitrary<TenantDefaults> =>
  fc
    .tuple(
      choicesV2For(c),
      fc.record({
        channel_types: fc.subarray([...CHANNEL_TYPES]).map((cs) => fromEntries(cs.map((ch) => [ch, true] as const))),
        categories: entriesFor(c.categories.map((e) => e.id), lockChoice),
        notiflows: entriesFor(c.notiflows.map((e) => e.id), lockChoice)
      })
    )
    .map(([values, locks]) => ({ ...lockedToFalse(values, locks as PreferenceChoicesV2), locks: locks as PreferenceChoicesV2 }))

/** A valid v2 wire patch for the admin audience, without locks: live entries get objects or `null`, deleted ones only `null`. */
export const wirePatchV2For = (c: ModelCatalog): fc.Arbitrary<Record<string, unknown>> => {
  const entryPatches = (entries: ReadonlyArray<{ readonly id: string; readonly deleted: boolean }>) =>
    someIds(entries.map((e) => e.id)).chain((ids) =>
      fc
        .tuple(
          ...ids.map((id) =>
            entries.find((e) => e.id === id)!.deleted
              ? fc.constant(null)
              : fc.oneof({ weight: 4, arbitrary: notiflowWirePatch }, { weight: 1, arbitrary: fc.constant(null) })
          )
        )
        .map((values) => fromEntries(ids.map((id, i) => [id, values[i]] as const)))
    )
  return fc.record({ channel_types: channelPatch, categories: entryPatches(c.categories), notiflows: entryPatches(c.notiflows) }, { requiredKeys: [] })
}

/** One leaf of a set: a channel type, or `enabled` / a channel type of a category or notiflow. */
export type Leaf =
  | { readonly kind: "channel_types"; readonly channel: ChannelType }
  | { readonly kind: "categories" | "notiflows"; readonly id: string; readonly field: "enabled" | ChannelType }

/** A leaf of a live entry of the catalog (or a root channel leaf). */
export const liveLeafOf = (c: ModelCatalog): fc.Arbitrary<Leaf> => {
  const field = fc.oneof(fc.constant<"enabled">("enabled"), channelType)
  const options: Array<fc.Arbitrary<Leaf>> = [channelType.map((channel): Leaf => ({ kind: "channel_types", channel }))]
  const liveCategories = c.categories.filter((e) => !e.deleted).map((e) => e.id as string)
  const liveNotiflows = c.notiflows.filter((e) => !e.deleted).map((e) => e.id as string)
  if (liveCategories.length > 0) options.push(fc.tuple(fc.constantFrom(...liveCategories), field).map(([id, f]): Leaf => ({ kind: "categories", id, field: f })))
  if (liveNotiflows.length > 0) options.push(fc.tuple(fc.constantFrom(...liveNotiflows), field).map(([id, f]): Leaf => ({ kind: "notiflows", id, field: f })))
  return fc.oneof(...options)
}

export type { NotiflowCatalogEntry }
