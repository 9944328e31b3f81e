/**
 * The batch read's decoding cache (internal/choicesCache.ts): equal document texts share one
 * deeply frozen decoding, different texts and scopes do not, and the cache stays bounded.
 */
import type { PreferenceChoicesV2, ScopedChoices } from "@notiflows/domain"
import { describe, expect, it } from "vitest"
import type { ChoiceTexts } from "../src/internal/choicesCache.js"
import { makeChoicesCache } from "../src/internal/choicesCache.js"

const decode = (r: ChoiceTexts): ScopedChoices => {
  const parsed = JSON.parse(r.choices ?? "{}") as Partial<PreferenceChoicesV2>
  const categories = JSON.parse(r.categories ?? "{}") as PreferenceChoicesV2["categories"]
  const global: PreferenceChoicesV2 = { channel_types: parsed.channel_types ?? {}, categories, notiflows: parsed.notiflows ?? {} }
  const tenant = JSON.parse(r.tenantChoices ?? "{}") as PreferenceChoicesV2["channel_types"]
  return { global, scoped: r.tenantChoices === undefined ? global : { channel_types: tenant, categories: {}, notiflows: {} } }
}

describe("batch choices cache", () => {
  it("decodes each distinct row once and shares the frozen result", () => {
    let calls = 0
    const cache = makeChoicesCache((r) => (calls++, decode(r)))
    const row = { choices: '{"channel_types": {"sms": false}, "notiflows": {"n": {"enabled": true}}}', categories: null }
    const a = cache(row)
    const b = cache({ ...row })
    expect(b).toBe(a)
    expect(calls).toBe(1)
    expect(a).toEqual(decode(row))
    expect(Object.isFrozen(a) && Object.isFrozen(a.global) && Object.isFrozen(a.global.notiflows) && Object.isFrozen(a.global.notiflows["n"])).toBe(true)
    expect(cache({ ...row, categories: "{}" })).not.toBe(a)
    // The same global documents in a tenant scope (with or without a tenant set) are other rows.
    const none = cache({ ...row, tenantChoices: null })
    const some = cache({ ...row, tenantChoices: '{"email": true}' })
    expect(none).not.toBe(a)
    expect(some).not.toBe(none)
    expect(some.scoped.channel_types).toEqual({ email: true })
    expect(cache({ ...row, tenantChoices: '{"email": true}' })).toBe(some)
    expect(calls).toBe(4)
  })

  it("does not keep long documents and stays bounded", () => {
    let calls = 0
    const cache = makeChoicesCache((r) => (calls++, decode(r)))
    const long = { choices: JSON.stringify({ channel_types: {}, notiflows: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`notiflow_${i}`, { enabled: true }])) }), categories: null }
    expect(cache(long)).not.toBe(cache(long))
    expect(calls).toBe(2)
    const first = cache({ choices: '{"channel_types": {"n0": true}}', categories: null })
    for (let i = 1; i <= 5000; i++) cache({ choices: `{"channel_types": {"n${i}": true}}`, categories: null })
    // Cleared once it reached its bound: the first row is decoded again, still equal.
    const again = cache({ choices: '{"channel_types": {"n0": true}}', categories: null })
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })
})
