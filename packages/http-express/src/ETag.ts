/**
 * Strong entity tags over a representation (API.md §4.1) and the `If-None-Match` / `If-Match`
 * comparisons of RFC 9110 §13.
 */
import { createHash } from "node:crypto"

/**
 * A strong tag: SHA-256 of the user's internal id, the API, the representation kind and the
 * JSON body, base64url. The internal id makes a deleted and re-created user never reuse a tag.
 * `scope` names the tenant of a tenant-scope representation (MODEL.md §4): identical bodies in
 * two scopes get different tags, and the global scope's tag is computed exactly as in v1.
 */
export const etagOf = (userId: string, audience: string, kind: "view" | "explicit", body: unknown, scope?: string): string =>
  etagOfJson(userId, audience, kind, JSON.stringify(body), scope)

const tagPrefix = (userId: string, audience: string, kind: "view" | "explicit", scope: string | undefined): string =>
  scope === undefined ? `${userId}\n${audience}\n${kind}\n` : `${userId}\n${audience}\n${kind}\ntenant:${scope}\n`

/** {@link etagOf} over the body's JSON text, when the caller has serialised it already. */
export const etagOfJson = (userId: string, audience: string, kind: "view" | "explicit", json: string, scope?: string): string =>
  `"${createHash("sha256").update(tagPrefix(userId, audience, kind, scope) + json, "utf8").digest("base64url")}"`

/** {@link etagOfJson} over the JSON text's UTF-8 bytes (the same tag, without encoding the text again). */
export const etagOfBytes = (userId: string, audience: string, kind: "view" | "explicit", json: Buffer, scope?: string): string =>
  `"${createHash("sha256").update(tagPrefix(userId, audience, kind, scope), "utf8").update(json).digest("base64url")}"`

/** A strong tag over a resource's JSON text that belongs to no user (e.g. tenant defaults). */
export const etagOfResource = (resource: string, json: string): string =>
  `"${createHash("sha256").update(`${resource}\n${json}`, "utf8").digest("base64url")}"`

interface EntityTag {
  readonly weak: boolean
  /** The quoted opaque tag, e.g. `"abc"`. */
  readonly tag: string
}

/** Parses a `#entity-tag` list; `"*"` when the header is a wildcard, `undefined` when malformed. */
export const parseEntityTags = (header: string): "*" | ReadonlyArray<EntityTag> | undefined => {
  const trimmed = header.trim()
  if (trimmed === "*") return "*"
  const tags: Array<EntityTag> = []
  const re = /\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(,|$)/y
  let at = 0
  while (at < trimmed.length) {
    re.lastIndex = at
    const m = re.exec(trimmed)
    if (m === null || m[2] === undefined) return undefined
    tags.push({ weak: m[1] !== undefined, tag: m[2] })
    at = re.lastIndex
  }
  return tags.length > 0 ? tags : undefined
}

/** `If-None-Match` (weak comparison): true when the client's copy is current → 304. */
export const noneMatchHits = (header: string, current: string): boolean => {
  const tags = parseEntityTags(header)
  if (tags === undefined) return false
  return tags === "*" || tags.some((t) => t.tag === current)
}

/**
 * `If-Match` (strong comparison): true when one of `current` tags is listed; `*` holds whenever
 * the resource exists (the caller only asks for an existing one). Weak tags never match.
 */
export const ifMatchHolds = (header: string, current: ReadonlyArray<string>): boolean => {
  const tags = parseEntityTags(header)
  if (tags === undefined) return false
  return tags === "*" || tags.some((t) => !t.weak && current.includes(t.tag))
}
