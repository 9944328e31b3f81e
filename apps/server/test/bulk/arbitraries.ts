/**
 * Generated import lines (BULK.md §2.1): profiles, custom fields (integer-like and non-ASCII keys,
 * nested values), global and tenant sets with choices on live, deleted and unknown ids.
 */
import * as fc from "fast-check"
import { CHANNEL_TYPES } from "@notiflows/domain"

/** The catalog of the source project: live and deleted ids; `ghost_*` ids exist nowhere. */
export const LIVE_NOTIFLOWS = ["order_updates", "newsletter"]
export const DELETED_NOTIFLOWS = ["old_digest"]
export const LIVE_CATEGORIES = ["marketing"]
const UNKNOWN_NOTIFLOWS = ["ghost_flow"]
const UNKNOWN_CATEGORIES = ["ghost_cat"]

const channels = fc.dictionary(fc.constantFrom(...CHANNEL_TYPES), fc.boolean(), { maxKeys: 3 })
const entry = fc
  .record({ enabled: fc.boolean(), channel_types: channels }, { requiredKeys: [] })
  .filter((e) => e.enabled !== undefined || (e.channel_types !== undefined && Object.keys(e.channel_types).length > 0))
  .map((e) => (e.channel_types !== undefined && Object.keys(e.channel_types).length === 0 ? { enabled: e.enabled } : e))

const set = fc.record(
  {
    channel_types: channels,
    categories: fc.dictionary(fc.constantFrom(...LIVE_CATEGORIES, ...UNKNOWN_CATEGORIES), entry, { maxKeys: 2 }),
    notiflows: fc.dictionary(fc.constantFrom(...LIVE_NOTIFLOWS, ...DELETED_NOTIFLOWS, ...UNKNOWN_NOTIFLOWS), entry, { maxKeys: 3 })
  },
  { requiredKeys: [] }
)

const text = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom("Ada", "Zoë", "李", "😀 x", "\uFEFFbom", "\u00E9"))
const key = fc.oneof(fc.constantFrom("10", "2", "plan", "Plan", "é", "😀", "a.b"), fc.string({ minLength: 1, maxLength: 6 })).filter(
  (k) => !["__proto__", "constructor", "prototype"].includes(k) && !k.includes("\u0000")
)
const leaf = fc.oneof(fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text, fc.constant(null))
const value = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(key, leaf, { maxKeys: 3 }))

/** External ids: ASCII, non-ASCII and astral (their UTF-8 order differs from UTF-16's). */
export const externalId = fc.oneof(
  fc.stringMatching(/^[a-z0-9_]{1,10}$/),
  fc.constantFrom("Zed", "zed", "é", "\uFF5E", "😀", "\uE000x", "user 1", "10", "9"),
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/u.test(s))
)

/** One line's object (without `external_id`). */
export const lineBody = fc.record(
  {
    email: fc.constantFrom("ada@example.com", "b@x.io", null),
    phone: fc.constantFrom("+14155550123", "+33612345678"),
    first_name: text,
    last_name: text,
    avatar: fc.constant("https://example.com/a.png"),
    locale: fc.constantFrom("en", "fr-FR", "pt-BR"),
    timezone: fc.constantFrom("Europe/Paris", "UTC", "America/New_York"),
    custom_fields: fc.dictionary(key, value, { maxKeys: 4 }),
    preferences: set,
    tenants: fc.dictionary(fc.constantFrom("acme", "globex", "t:1"), set, { maxKeys: 2 })
  },
  { requiredKeys: [] }
)

/** `n` lines with distinct external ids, as objects. */
export const lines = (n: number): fc.Arbitrary<ReadonlyArray<Record<string, unknown>>> =>
  fc
    .uniqueArray(externalId, { minLength: n, maxLength: n })
    .chain((ids) => fc.tuple(...ids.map((id) => lineBody.map((body) => ({ external_id: id, ...body })))))
