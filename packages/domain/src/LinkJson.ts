/**
 * The JSON of minted links (LINKS.md §2.1, §2.2): response Schemas only, so evaluation results
 * can name them without the link rules.
 */
import * as Schema from "effect/Schema"

/** Link purposes the API mints. */
const PURPOSES = ["unsubscribe", "preference_center"] as const

/** The two RFC 8058 headers, exactly. */
export const ListUnsubscribeHeaders = Schema.Struct({
  "List-Unsubscribe": Schema.String,
  "List-Unsubscribe-Post": Schema.Literal("List-Unsubscribe=One-Click")
}).annotations({ identifier: "ListUnsubscribeHeaders" })
export type ListUnsubscribeHeaders = typeof ListUnsubscribeHeaders.Type

const LinkScopeJson = Schema.Struct({
  notiflow_id: Schema.optionalWith(Schema.String, { exact: true }),
  category_id: Schema.optionalWith(Schema.String, { exact: true }),
  channel_type: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "LinkScopeJson" })

/** `POST /admin/users/{user_id}/links`: the minted link. */
export const LinkJson = Schema.Struct({
  id: Schema.String.annotations({ description: "the token's jti: 16 base64url characters" }),
  purpose: Schema.Literal(...PURPOSES),
  scope: Schema.NullOr(LinkScopeJson),
  tenant_id: Schema.NullOr(Schema.String),
  token: Schema.String,
  url: Schema.String,
  expires_at: Schema.String,
  headers: Schema.optionalWith(ListUnsubscribeHeaders, { exact: true })
}).annotations({ identifier: "Link" })
export type LinkJson = typeof LinkJson.Type

/** A link inside a batch evaluation result (§2.2). */
export const BatchLinkJson = Schema.Struct({ id: Schema.String, url: Schema.String, token: Schema.String, expires_at: Schema.String }).annotations({
  identifier: "BatchLink"
})
export type BatchLinkJson = typeof BatchLinkJson.Type

export const BatchLinksJson = Schema.Struct({
  unsubscribe: Schema.optionalWith(Schema.NullOr(BatchLinkJson), { exact: true }),
  preference_center: Schema.optionalWith(BatchLinkJson, { exact: true }),
  headers: Schema.optionalWith(Schema.NullOr(ListUnsubscribeHeaders), { exact: true })
}).annotations({ identifier: "BatchLinks" })
export type BatchLinksJson = typeof BatchLinksJson.Type

/** `POST /admin/users/{user_id}/links/revoke`. */
export const RevokeLinksResponse = Schema.Struct({ user_id: Schema.String, links_valid_after: Schema.String }).annotations({
  identifier: "RevokeLinksResponse"
})

