/**
 * The batch evaluation's response text (API.md §4.3, LINKS.md §2.2), written as a string: the
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
 * The response text; `linksOf` (only when the request asked for links) gives each result's
 * `links` member as JSON text (`null` for a user not found).
 */
export const batchResponseText = (response: BatchResponse, linksOf?: (userId: ExternalUserId) => string): string => {
  let out = `{"notiflow_id":${JSON.stringify(response.notiflow_id)}`
  if (response.tenant_id !== undefined) out += `,"tenant_id":${JSON.stringify(response.tenant_id)}`
  out += `,"results":[`
  const results = response.results
  // Users with equal sets share one decisions object (the domain decides them once): written once.
  const written = new Map<BatchEvaluationV2["channel_types"], string>()
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!
    out += i === 0 ? `{"user_id":` : `,{"user_id":`
    out += JSON.stringify(r.user_id)
    out += r.user_found ? `,"user_found":true,"channel_types":` : `,"user_found":false,"channel_types":`
    let decisions = written.get(r.channel_types)
    if (decisions === undefined) written.set(r.channel_types, (decisions = decisionsText(r.channel_types)))
    out += decisions
    if (linksOf !== undefined) out += `,"links":${linksOf(r.user_id as ExternalUserId)}`
    out += "}"
  }
  return `${out}]}`
}

/** A 200 whose body is JSON text already written. */
export const jsonText = (text: string): Reply => ({ status: 200, text, headers: { "Content-Type": "application/json; charset=utf-8" } })
