/**
 * The canonical line (BULK.md §2.1) and what a line does (§2.2), as pure functions.
 */
import { describe, expect, it } from "vitest"
import { canonicalJson, canonicalLine, compareUtf8, decodeImportLine, emptyChoicesV2, emptyProfile, planLine } from "../src/index.js"

const decode = (o: unknown) => {
  const d = decodeImportLine(o)
  if (!d.ok) throw new Error(JSON.stringify(d.issues))
  return d.value
}

describe("canonical form", () => {
  it("orders by UTF-8 bytes, not UTF-16 code units, integer-like keys included", () => {
    // U+FF5E is one UTF-16 unit above the surrogates of U+1F600 but below it in code points.
    expect(["😀", "\uFF5E", "Z", "a", "10", "2"].sort(compareUtf8)).toEqual(["10", "2", "Z", "a", "\uFF5E", "😀"])
    expect(canonicalJson({ b: 1, a: [{ "2": true, "10": null }], "😀": "x", "\uFF5E": 0 })).toBe('{"a":[{"10":null,"2":true}],"b":1,"～":0,"😀":"x"}')
  })

  it("writes external_id and preferences always, other fields when set, empty maps left out", () => {
    const state = { profile: { ...emptyProfile, first_name: "", locale: "fr" }, global: emptyChoicesV2, tenants: new Map([["acme", emptyChoicesV2]]) }
    expect(canonicalLine("u", state)).toBe('{"external_id":"u","first_name":"","locale":"fr","preferences":{}}')
  })
})

describe("decoding a line", () => {
  it("reports every problem with dotted paths, and accepts the API's read-only keys", () => {
    const d = decodeImportLine({ external_id: "", email: "nope", tenants: { "bad id": {} }, preferences: { channel_types: { fax: true } }, extra: 1 })
    expect(d.ok).toBe(false)
    if (d.ok) return
    expect(d.issues.map((i) => `${i.field} ${i.reason}`).sort()).toEqual(
      ["external_id invalid_format", "email invalid_format", "tenants.bad id invalid_format", "preferences.channel_types.fax unknown_channel_type", "extra unknown_field"].sort()
    )
    expect(decodeImportLine({ preferences: {} }).ok).toBe(false)
    expect(decodeImportLine({ external_id: "u", preferences: { locked: {}, notiflows: { n: { name: "N", enabled: false } } } }).ok).toBe(true)
  })
})

describe("planning a line", () => {
  const stored = {
    profile: { ...emptyProfile, email: "a@b.co", custom_fields: { k: 1 } },
    global: { ...emptyChoicesV2, channel_types: { sms: false } },
    tenants: new Map([["acme", { ...emptyChoicesV2, channel_types: { email: false } }]])
  }

  it("replace: absent fields cleared, sets replaced, unnamed tenant sets reset", () => {
    const plan = planLine(stored, decode({ external_id: "u", preferences: { channel_types: { sms: false, chat: null } } }), "replace")
    expect(plan.outcome).toBe("updated")
    expect(plan.profile).toEqual(emptyProfile)
    expect(plan.sets).toEqual([{ tenantId: "acme", choices: emptyChoicesV2, changes: [{ path: "channel_types.email", from: false, to: null }], operation: "reset" }])
  })

  it("merge: absent unchanged, custom_fields deep-merged, unnamed sets untouched; a no-op is unchanged", () => {
    const plan = planLine(stored, decode({ external_id: "u", custom_fields: { j: { x: null, y: 2 } }, preferences: { channel_types: { sms: null } } }), "merge")
    expect(plan.profile).toEqual({ ...stored.profile, custom_fields: { k: 1, j: { y: 2 } } })
    expect(plan.sets).toEqual([{ tenantId: null, choices: emptyChoicesV2, changes: [{ path: "channel_types.sms", from: false, to: null }], operation: "patch" }])
    expect(planLine(stored, decode({ external_id: "u", email: "a@b.co" }), "merge").outcome).toBe("unchanged")
    expect(planLine(undefined, decode({ external_id: "u" }), "merge")).toMatchObject({ outcome: "created", sets: [] })
  })
})
