/**
 * Hand-written fast paths for the parts of the commonest import lines (millions per import): v2
 * preference patches, custom fields, profile text. `fastImportLine` (ImportLine.ts) composes them.
 *
 * The Schemas stay the contract. Each function here answers either exactly what the Schema's
 * decode answers for `input` (the same value, keys in the same order), or `undefined` when it is
 * not certain the input is valid and plain: the Schema then decodes it and reports every problem.
 * So a fast path may only ever accept less, never more; the laws in `test/FastDecode.test.ts`
 * check both directions on generated valid and invalid inputs. They walk what `JSON.parse` makes;
 * anything else (other prototypes, hidden or symbol keys, holes, non-finite numbers, read-only
 * keys) makes them answer `undefined`.
 *
 * Why: the measured exception of issue 9's rule (hand decoders only where the Schema costs more
 * than 5% of the path's CPU): decoding lines with the Schemas was 15% of the import CLI's CPU,
 * 21-33 µs a line (docs/performance.md, sixth session). `fastPatchV2` also serves every v2
 * patch decode (`decodePatchV2`: PUT, bulk items, links' pages), since issue 16 asks the PUT's
 * CPU down by a quarter and the patch's Schema decode was ~4% of it (eleventh session).
 */
import { isCategoryId } from "./Categories.js"
import type { NotiflowPatch } from "./PreferencePatch.js"
import { MAX_PATCH_NOTIFLOWS } from "./PreferencePatch.js"
import { CHANNEL_TYPES, isNotiflowId, isStorableText, RESERVED_IDS, withinLength } from "./Preferences.js"
import type { PreferencePatchV2 } from "./PreferencesV2.js"
import { MAX_PATCH_CATEGORIES } from "./PreferencesV2.js"
import type { ProfileField } from "./Users.js"
import { MAX_CUSTOM_DEPTH, PROFILE_RULES } from "./Users.js"

type Plain = Record<string, unknown>

/** A plain object as `JSON.parse` makes them: stricter than `isJsonObject` (no other prototype, no array). */
export const isPlain = (v: unknown): v is Plain => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype

/**
 * True when `v` has exactly `seen` own keys: the enumerable string keys a `for…in` walk saw and
 * nothing else (no hidden or symbol key, which effect's decoders see through `Reflect.ownKeys`).
 * Every object level checks it after its walk, so the fast paths hold for any input, not only parsed JSON.
 */
export const onlyKeysSeen = (v: object, seen: number): boolean => Reflect.ownKeys(v).length === seen

const isLeaf = (v: unknown): v is boolean | null => v === true || v === false || v === null

const CHANNELS: ReadonlySet<string> = new Set(CHANNEL_TYPES)

/** `channel_types` of a patch; keys in the Schema's order ({@link CHANNEL_TYPES}). */
const channels = (v: unknown): Record<string, boolean | null> | undefined => {
  if (!isPlain(v)) return undefined
  let n = 0
  for (const key in v) {
    if (!CHANNELS.has(key) || !isLeaf(v[key])) return undefined
    n++
  }
  if (!onlyKeysSeen(v, n)) return undefined
  const out: Record<string, boolean | null> = {}
  if (n === 0) return out
  for (const c of CHANNEL_TYPES) if (Object.hasOwn(v, c)) out[c] = v[c] as boolean | null
  return out
}

/** One notiflow's or category's entry: `enabled` then `channel_types`; read-only keys go to the Schema. */
const entry = (v: unknown): NotiflowPatch | null | undefined => {
  if (v === null) return null
  if (!isPlain(v)) return undefined
  let enabled: boolean | null | undefined
  let channelTypes: Record<string, boolean | null> | undefined
  let n = 0
  for (const key in v) {
    n++
    if (key === "enabled") {
      if (!isLeaf(v[key])) return undefined
      enabled = v[key]
    } else if (key === "channel_types") {
      channelTypes = channels(v[key])
      if (channelTypes === undefined) return undefined
    } else return undefined
  }
  if (!onlyKeysSeen(v, n)) return undefined
  return { ...(enabled !== undefined ? { enabled } : {}), ...(channelTypes !== undefined ? { channel_types: channelTypes } : {}) }
}

/** A map of entries by id (input order, as the Schema's record keeps it). */
const entries = (v: unknown, isId: (s: string) => boolean, max: number): Record<string, NotiflowPatch | null> | undefined => {
  if (!isPlain(v)) return undefined
  const out: Record<string, NotiflowPatch | null> = {}
  let n = 0
  for (const id in v) {
    if (++n > max || !isId(id)) return undefined
    const e = entry(v[id])
    if (e === undefined) return undefined
    out[id] = e
  }
  return onlyKeysSeen(v, n) ? out : undefined
}

/** The fast path of `PreferencePatchV2Schema` for import lines (root `locked` and entries' read-only keys go to the Schema). */
export const fastPatchV2 = (input: unknown): PreferencePatchV2 | undefined => {
  if (!isPlain(input)) return undefined
  let channelTypes: Record<string, boolean | null> | undefined
  let categories: Record<string, NotiflowPatch | null> | undefined
  let notiflows: Record<string, NotiflowPatch | null> | undefined
  let n = 0
  for (const key in input) {
    const value = input[key]
    n++
    if (key === "channel_types") {
      if ((channelTypes = channels(value)) === undefined) return undefined
    } else if (key === "categories") {
      if ((categories = entries(value, isCategoryId, MAX_PATCH_CATEGORIES)) === undefined) return undefined
    } else if (key === "notiflows") {
      if ((notiflows = entries(value, isNotiflowId, MAX_PATCH_NOTIFLOWS)) === undefined) return undefined
    } else return undefined
  }
  if (!onlyKeysSeen(input, n)) return undefined
  return {
    ...(channelTypes !== undefined ? { channel_types: channelTypes } : {}),
    ...(categories !== undefined ? { categories } : {}),
    ...(notiflows !== undefined ? { notiflows } : {})
  }
}

/** A JSON value of custom fields at `depth` (the map itself is 0): storable strings and keys, not too deep. */
const jsonValue = (v: unknown, depth: number): boolean => {
  if (depth > MAX_CUSTOM_DEPTH) return false
  if (v === null || typeof v === "boolean") return true
  if (typeof v === "number") return Number.isFinite(v)
  if (typeof v === "string") return isStorableText(v)
  if (Array.isArray(v)) {
    // Own keys: the indexes and `length` (no hole, no extra property).
    if (Object.getPrototypeOf(v) !== Array.prototype || !onlyKeysSeen(v, v.length + 1)) return false
    for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonValue(v[i], depth + 1)) return false
    return true
  }
  return isPlain(v) && jsonObject(v, depth)
}

const jsonObject = (v: Plain, depth: number): boolean => {
  let n = 0
  for (const key in v) {
    if (RESERVED_IDS.has(key) || !isStorableText(key) || !jsonValue(v[key], depth + 1)) return false
    n++
  }
  return onlyKeysSeen(v, n)
}

/**
 * `custom_fields` of a line: the caller's own object itself, not a copy (a valid JSON map decodes to
 * an equal one; the line owns its parsed value).
 */
export const fastCustomFields = (v: unknown): Readonly<Record<string, unknown>> | null | undefined =>
  v === null ? null : isPlain(v) && jsonObject(v, 0) ? v : undefined

/** A profile field: `null`, or text within its rule (PROFILE_RULES, as the upsert Schema). */
export const fastProfileText = (field: ProfileField, v: unknown): boolean => {
  if (v === null) return true
  if (typeof v !== "string" || !isStorableText(v)) return false
  const rule = PROFILE_RULES[field]
  return withinLength(v, rule.max) && (rule.check === undefined || rule.check(v))
}
