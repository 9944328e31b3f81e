/**
 * The batch evaluation's response (API.md §4.3, LINKS.md §2.2), written as UTF-8 bytes: the
 * same bytes `JSON.stringify` gives the response object, without building a second object per
 * result for `links` or walking every decision. A batch of 1,000 users × 6 channels holds 6,000
 * decisions, almost all of them the domain's shared frozen constants: each one's JSON is
 * computed once and kept beside it. Strings that come from requests or storage (user, notiflow,
 * tenant and category ids) always go through `JSON.stringify`, so escaping is JSON's own.
 */
import type { BatchEvaluationV2, DecisionV2, ExternalUserId } from "@notiflows/domain"
import type { Reply } from "../Http.js"

/** The JSON of a decision; frozen decisions (the domain's shared constants) are kept. */
const decisionTexts = new WeakMap<DecisionV2, string>()
const decisionText = (d: DecisionV2): string => {
  let text = decisionTexts.get(d)
  if (text !== undefined) return text
  text = JSON.stringify(d)
  if (Object.isFrozen(d)) decisionTexts.set(d, text)
  return text
}

/** `"email":` and the like: channel types are a closed list, their keys are kept. */
const keyTexts = new Map<string, string>()
const keyText = (key: string): string => {
  let text = keyTexts.get(key)
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`
    if (keyTexts.size < 64) keyTexts.set(key, text)
  }
  return text
}

const decisionsText = (channelTypes: BatchEvaluationV2["channel_types"]): string => {
  let out = "{"
  let first = true
  for (const key in channelTypes) {
    const d = channelTypes[key as keyof typeof channelTypes]
    if (d === undefined) continue
    out += first ? keyText(key) : `,${keyText(key)}`
    out += decisionText(d)
    first = false
  }
  return `${out}}`
}

/** The batch response as read from the domain: results without `links`. */
export interface BatchResponse {
  readonly notiflow_id: string
  readonly tenant_id?: string
  readonly results: ReadonlyArray<BatchEvaluationV2>
}

/**
 * UTF-8 bytes written in place: pieces are encoded straight into one growing buffer. Writing the
 * batch as one string of ~5,000 concatenated pieces cost more to flatten and encode on `res.end`
 * than to build (docs/performance.md, issue 16).
 */
class Utf8Writer {
  private buffer: Buffer
  private length = 0
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size)
  }
  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n))
    this.buffer.copy(next, 0, 0, this.length)
    this.buffer = next
  }
  text(s: string): void {
    // At most 3 bytes per UTF-16 unit.
    this.room(s.length * 3)
    this.length += this.buffer.write(s, this.length, "utf8")
  }
  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buffer.set(b, this.length)
    this.length += b.length
  }
  done(): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

/**
 * The response as UTF-8 JSON bytes (the bytes of `JSON.stringify` of the response object);
 * `linksOf` (only when the request asked for links) gives each result's `links` member as JSON
 * text (`null` for a user not found).
 */
export const batchResponseBytes = (response: BatchResponse, linksOf?: (userId: ExternalUserId) => string): Buffer => {
  const results = response.results
  // Room for the largest usual result (six decisions with category ids, a long user id) without
  // growing: a regrowth copies the whole buffer (it showed in the tenant batch's profile).
  const out = new Utf8Writer(256 + results.length * (linksOf === undefined ? 1024 : 2560))
  out.text(`{"notiflow_id":${JSON.stringify(response.notiflow_id)}`)
  if (response.tenant_id !== undefined) out.text(`,"tenant_id":${JSON.stringify(response.tenant_id)}`)
  out.text(`,"results":[`)
  // Users with equal sets share one decisions object (the domain decides them once): encoded once.
  const written = new Map<BatchEvaluationV2["channel_types"], Buffer>()
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!
    // One write per user for its text, one copy for its decisions (each write is a native call).
    out.text(`${i === 0 ? "{" : "},{"}"user_id":${JSON.stringify(r.user_id)}${r.user_found ? FOUND : NOT_FOUND}`)
    let decisions = written.get(r.channel_types)
    if (decisions === undefined) written.set(r.channel_types, (decisions = Buffer.from(decisionsText(r.channel_types), "utf8")))
    out.bytes(decisions)
    if (linksOf !== undefined) out.text(`,"links":${linksOf(r.user_id as ExternalUserId)}`)
  }
  out.text(results.length === 0 ? "]}" : "}]}")
  return out.done()
}

const FOUND = `,"user_found":true,"channel_types":`
const NOT_FOUND = `,"user_found":false,"channel_types":`

/** A 200 whose body is JSON already encoded. */
export const jsonBytes = (bytes: Buffer): Reply => ({ status: 200, bytes, headers: { "Content-Type": "application/json; charset=utf-8" } })
