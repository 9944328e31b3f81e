import { assert, describe, it } from "@effect/vitest"
import { decoderFor } from "../src/Issues.js"
import { PreferencePatchV2Schema, TenantDefaultsPatchSchema } from "../src/PreferencesV2.js"
import { NotiflowCategoriesSchema, decodeCategoryUpsert, CategoryId } from "../src/Categories.js"
import { TenantId } from "../src/Tenants.js"
import * as Schema from "effect/Schema"

const patch = decoderFor(PreferencePatchV2Schema)
const defaults = decoderFor(TenantDefaultsPatchSchema)
const memberships = decoderFor(NotiflowCategoriesSchema)

describe("v2 Schemas (MODEL.md §2, §5)", () => {
  it("a v2 patch drops the read-only name, categories and locked", () => {
    const out = patch({
      channel_types: { email: false },
      categories: { marketing: { enabled: false, name: "Marketing", locked: { enabled: true } } },
      notiflows: { newsletter: { channel_types: { sms: null }, name: "N", categories: ["product"], locked: {} } },
      locked: { channel_types: { email: true } }
    })
    assert.deepStrictEqual(out, {
      ok: true,
      value: {
        channel_types: { email: false },
        categories: { marketing: { enabled: false } },
        notiflows: { newsletter: { channel_types: { sms: null } } }
      }
    })
  })

  it("a v2 patch reports every problem with its §3 reason", () => {
    const out = patch({
      categories: { "bad id": null, k: 3, j: { required: true }, m: { channel_types: { fax: true } } },
      notiflows: null,
      locked: "x"
    })
    assert.isFalse(out.ok)
    if (out.ok) return
    const byField = Object.fromEntries(out.issues.map((i) => [i.field, i.reason]))
    assert.deepStrictEqual(byField, {
      "categories.bad id": "invalid_format",
      "categories.k": "invalid_type",
      "categories.j.required": "unknown_field",
      "categories.m.channel_types.fax": "unknown_channel_type",
      notiflows: "invalid_type",
      locked: "invalid_type"
    })
  })

  it("categories: null at the root and channel_types: null in an entry are invalid_type", () => {
    const out = patch({ categories: null })
    assert.deepStrictEqual(out.ok ? [] : out.issues.map((i) => [i.field, i.reason]), [["categories", "invalid_type"]])
    const entry = patch({ categories: { k: { channel_types: null } } })
    assert.deepStrictEqual(entry.ok ? [] : entry.issues.map((i) => [i.field, i.reason]), [["categories.k.channel_types", "invalid_type"]])
  })

  it("tenant defaults patch: locks entries take no read-only keys; a map-level null is 422", () => {
    assert.isTrue(defaults({ channel_types: { email: false }, locks: { channel_types: { email: true }, notiflows: { n: null } } }).ok)
    const out = defaults({ locks: { categories: null, notiflows: { n: { name: "x" } } } })
    assert.deepStrictEqual(out.ok ? [] : out.issues.map((i) => [i.field, i.reason]), [
      ["locks.categories", "invalid_type"],
      ["locks.notiflows.n.name", "unknown_field"]
    ])
  })

  it("notiflow categories: distinct ids, at most 20, null allowed", () => {
    assert.deepStrictEqual(memberships(null), { ok: true, value: null })
    const dup = memberships(["a", "b", "a"])
    assert.deepStrictEqual(dup.ok ? [] : dup.issues.map((i) => [i.field, i.reason]), [["2", "invalid_format"]])
    const many = memberships(Array.from({ length: 21 }, (_, i) => `c${i}`))
    assert.deepStrictEqual(many.ok ? [] : many.issues.map((i) => [i.field, i.reason]), [["", "too_many"]])
    const bad = memberships(["ok", "no way", 3])
    assert.deepStrictEqual(bad.ok ? [] : bad.issues.map((i) => [i.field, i.reason]), [
      ["1", "invalid_format"],
      ["2", "invalid_type"]
    ])
  })

  it("category upsert: name required on create; required is unknown_field", () => {
    const id = Schema.decodeSync(CategoryId)("marketing")
    const out = decodeCategoryUpsert({ required: true }, id, undefined)
    assert.deepStrictEqual(out.ok ? [] : out.issues.map((i) => [i.field, i.reason]), [
      ["required", "unknown_field"],
      ["name", "required"]
    ])
    const created = decodeCategoryUpsert({ name: "Marketing", default_channel_types: { sms: false } }, id, undefined)
    assert.deepStrictEqual(created, {
      ok: true,
      value: { id, name: "Marketing", include_in_preferences: true, default_enabled: true, default_channel_types: { sms: false }, deleted: false }
    })
  })

  it("tenant ids follow the id rules", () => {
    assert.isTrue(Schema.is(TenantId)("acme:eu-1"))
    for (const bad of ["", "a b", "__proto__", "x".repeat(65)]) assert.isFalse(Schema.is(TenantId)(bad), bad)
  })
})
