/**
 * Every set at once (EVENTS.md §5, `GET /admin/preferences/sets`): every user's global set
 * (version 0 included) and every user×tenant set, ordered by external id (UTF-8 bytes, that is
 * code point order), then `tenant_id` with `null` first. Pages go forward only; the cursor is
 * the last item's key, so a page read later continues after it whatever was written meanwhile.
 */
import * as Schema from "effect/Schema"
import { decodeCursor, encodeCursor } from "./Pagination.js"
import { ExternalUserId, UserId } from "./Preferences.js"
import { PreferenceChoicesV2 } from "./PreferencesV2.js"
import { TenantId } from "./Tenants.js"

/** The default page size of the set listing (as the feed's). */
export const DEFAULT_SETS_LIMIT = 100

/** One set of the listing: the user (external and internal id), the scope, and the stored choices verbatim. */
export const PreferenceSetItem = Schema.Struct({
  user_id: ExternalUserId,
  id: UserId,
  tenant_id: Schema.NullOr(TenantId),
  version: Schema.NonNegativeInt,
  preferences: PreferenceChoicesV2
}).annotations({ identifier: "PreferenceSetItem" })
export type PreferenceSetItem = typeof PreferenceSetItem.Type

/** A position in the listing: a set's key. */
export interface SetKey {
  readonly userId: string
  readonly tenantId: string | null
}

/** What the port is asked for: at most `limit` sets after `after` (`null`: from the first). */
export interface SetsQuery {
  readonly limit: number
  readonly after: SetKey | null
}

/** The page of the listing: `after` is never `null` (the next start, on an empty page too). */
export const PreferenceSetsPage = Schema.Struct({
  items: Schema.Array(PreferenceSetItem),
  page: Schema.Struct({ after: Schema.String, has_more_after: Schema.Boolean, limit: Schema.Int }).annotations({
    identifier: "PreferenceSetsPageInfo"
  })
}).annotations({ identifier: "PreferenceSetsPage" })
export type PreferenceSetsPage = typeof PreferenceSetsPage.Type

/** Sorts surrogates (astral code points) after U+E000–U+FFFF: code-unit order becomes code point order. */
const fixup = (u: number): number => (u >= 0xd800 ? (u <= 0xdfff ? u + 0x2000 : u - 0x800) : u)

/** Compares two strings by code point, which is the order of their UTF-8 bytes (PostgreSQL's `COLLATE "C"`). */
export const compareCodePoints = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return fixup(x) - fixup(y)
  }
  return a.length - b.length
}

/** The listing's order: external id by code point, then the global set, then tenants by id. */
export const compareSetKeys = (a: SetKey, b: SetKey): number => {
  const byUser = compareCodePoints(a.userId, b.userId)
  if (byUser !== 0) return byUser
  if (a.tenantId === b.tenantId) return 0
  if (a.tenantId === null) return -1
  if (b.tenantId === null) return 1
  return compareCodePoints(a.tenantId, b.tenantId)
}

export const keyOfItem = (item: PreferenceSetItem): SetKey => ({ userId: item.user_id, tenantId: item.tenant_id })

/** The cursor of a position: `[user_id, tenant_id]` as JSON inside the shared opaque cursor; `[]` is the start. */
export const encodeSetCursor = (key: SetKey | null): string => encodeCursor(JSON.stringify(key === null ? [] : [key.userId, key.tenantId]))

const parseKey = (raw: string): SetKey | null | undefined => {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (!Array.isArray(value)) return undefined
  if (value.length === 0) return null
  const [userId, tenantId] = value as Array<unknown>
  const tenantOk = tenantId === null || (typeof tenantId === "string" && Schema.is(TenantId)(tenantId))
  return value.length === 2 && typeof userId === "string" && Schema.is(ExternalUserId)(userId) && tenantOk
    ? { userId, tenantId: tenantId as string | null }
    : undefined
}

/** `?after=` of the listing decoded to its position (`null`: the start); `undefined` when it is not a cursor of this list. */
export const decodeSetCursor = (cursor: string): SetKey | null | undefined => {
  const raw = decodeCursor(cursor)
  return raw === undefined ? undefined : parseKey(raw)
}
