import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { CHANNEL_TYPES } from "../src/Preferences.js"
import type { ChannelType } from "../src/Preferences.js"
import { applyPatch } from "../src/PreferencePatch.js"
import { effectiveDefaults, explicitView, PreferencesView, view } from "../src/View.js"
import { choices, notiflow } from "./fixtures.js"

const noDefaults = () => ({ channel_types: {} })
const otherThan = (c: ChannelType) => CHANNEL_TYPES.filter((x) => x !== c)

describe("view: channel_types", () => {
  it("lists all six types, true by default, in canonical order", () => {
    const v = view(choices(), [], noDefaults(), "admin")
    assert.deepStrictEqual(v, {
      channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: true, web_push: true },
      notiflows: {}
    })
    assert.deepStrictEqual(Object.keys(v.channel_types), [...CHANNEL_TYPES])
  })

  for (const c of CHANNEL_TYPES) {
    it(`${c}: explicit choice, else project default, else true`, () => {
      // Project default false, no choice.
      const byDefault = view(choices(), [], { channel_types: { [c]: false } }, "admin").channel_types
      assert.strictEqual(byDefault[c], false)
      for (const o of otherThan(c)) assert.strictEqual(byDefault[o], true)
      // An explicit true beats a project default false.
      const chosenTrue = view(choices({ channel_types: { [c]: true } }), [], { channel_types: { [c]: false } }, "admin")
      assert.strictEqual(chosenTrue.channel_types[c], true)
      // An explicit false beats the built-in true and a project default true.
      assert.strictEqual(view(choices({ channel_types: { [c]: false } }), [], noDefaults(), "user").channel_types[c], false)
      assert.strictEqual(
        view(choices({ channel_types: { [c]: false } }), [], { channel_types: { [c]: true } }, "user").channel_types[c],
        false
      )
    })
  }

  it("effectiveDefaults fills every type", () => {
    assert.deepStrictEqual(effectiveDefaults({ channel_types: { sms: false, chat: true } }), {
      chat: true,
      email: true,
      in_app: true,
      mobile_push: true,
      sms: false,
      web_push: true
    })
  })
})

describe("view: notiflows", () => {
  it("every entry has exactly enabled, channel_types and name", () => {
    const v = view(choices(), [notiflow("a", { name: "Alpha" })], noDefaults(), "admin")
    assert.deepStrictEqual(v.notiflows, { a: { enabled: true, channel_types: {}, name: "Alpha" } })
    assert.deepStrictEqual(Object.keys(v.notiflows["a"] ?? {}), ["enabled", "channel_types", "name"])
    assert.deepStrictEqual(Schema.decodeUnknownSync(PreferencesView)(v), v)
  })

  it("enabled: explicit choice, else default_enabled", () => {
    const catalog = [notiflow("on"), notiflow("off", { default_enabled: false })]
    assert.deepStrictEqual(
      Object.fromEntries(Object.entries(view(choices(), catalog, noDefaults(), "admin").notiflows).map(([k, e]) => [k, e.enabled])),
      { on: true, off: false }
    )
    const chosen = choices({ notiflows: { on: { enabled: false }, off: { enabled: true } } })
    const v = view(chosen, catalog, noDefaults(), "admin")
    assert.strictEqual(v.notiflows["on"]?.enabled, false)
    assert.strictEqual(v.notiflows["off"]?.enabled, true)
  })

  it("channel_types: explicit choice, else default_channel_types; types with neither are absent", () => {
    const catalog = [notiflow("n", { default_channel_types: { email: false, sms: true, chat: false } })]
    assert.deepStrictEqual(view(choices(), catalog, noDefaults(), "admin").notiflows["n"]?.channel_types, {
      chat: false,
      email: false,
      sms: true
    })
    const chosen = choices({ notiflows: { n: { channel_types: { email: true, web_push: false } } } })
    assert.deepStrictEqual(view(chosen, catalog, noDefaults(), "admin").notiflows["n"]?.channel_types, {
      chat: false,
      email: true,
      sms: true,
      web_push: false
    })
  })

  it("channel_types is {} when there are no values, whatever the global choices", () => {
    const chosen = choices({ channel_types: { sms: false }, notiflows: { n: { enabled: false } } })
    const v = view(chosen, [notiflow("n")], { channel_types: { email: false } }, "admin")
    assert.deepStrictEqual(v.notiflows["n"], { enabled: false, channel_types: {}, name: "Notiflow n" })
  })

  it("notiflow channel values are not affected by global values or project defaults", () => {
    const catalog = [notiflow("n", { default_channel_types: { email: true } })]
    const v = view(choices({ channel_types: { email: false } }), catalog, { channel_types: { email: false } }, "admin")
    assert.strictEqual(v.channel_types.email, false)
    assert.deepStrictEqual(v.notiflows["n"]?.channel_types, { email: true })
  })

  it("admin sees every live notiflow; users see only configurable ones; nobody sees deleted ones", () => {
    const catalog = [
      notiflow("plain"),
      notiflow("hidden", { include_in_preferences: false }),
      notiflow("required", { required: true }),
      notiflow("gone", { deleted: true }),
      notiflow("goneHidden", { deleted: true, include_in_preferences: false })
    ]
    const stored = choices({
      notiflows: { plain: { enabled: false }, hidden: { enabled: false }, required: { enabled: false }, gone: { enabled: false } }
    })
    assert.deepStrictEqual(Object.keys(view(stored, catalog, noDefaults(), "admin").notiflows), ["plain", "hidden", "required"])
    assert.deepStrictEqual(Object.keys(view(stored, catalog, noDefaults(), "user").notiflows), ["plain"])
    // A choice for a notiflow not in the catalog at all is not shown either.
    const orphan = choices({ notiflows: { orphan: { enabled: false } } })
    assert.deepStrictEqual(view(orphan, [], noDefaults(), "admin").notiflows, {})
  })

  it("a restored notiflow shows its stored choices again", () => {
    const stored = choices({ notiflows: { n: { enabled: false } } })
    assert.deepStrictEqual(view(stored, [notiflow("n", { deleted: true })], noDefaults(), "admin").notiflows, {})
    assert.strictEqual(view(stored, [notiflow("n")], noDefaults(), "admin").notiflows["n"]?.enabled, false)
  })

  it("follows the catalog order and shows the catalog name", () => {
    const v = view(choices(), [notiflow("z", { name: "Zed" }), notiflow("a", { name: "Ay" })], noDefaults(), "admin")
    assert.deepStrictEqual(Object.keys(v.notiflows), ["z", "a"])
    assert.strictEqual(v.notiflows["z"]?.name, "Zed")
  })

  it("null restores the default", () => {
    const catalog = [notiflow("n", { default_enabled: false, default_channel_types: { sms: false } })]
    const defaults = { channel_types: { chat: false } }
    const base = choices()
    const chosen = applyPatch(base, {
      channel_types: { chat: true },
      notiflows: { n: { enabled: true, channel_types: { sms: true } } }
    })
    const reset = applyPatch(chosen, { channel_types: { chat: null }, notiflows: { n: { enabled: null, channel_types: { sms: null } } } })
    assert.notDeepEqual(view(chosen, catalog, defaults, "admin"), view(base, catalog, defaults, "admin"))
    assert.deepStrictEqual(view(reset, catalog, defaults, "admin"), view(base, catalog, defaults, "admin"))
  })
})

describe("explicitView", () => {
  const catalog = () => [
    notiflow("plain"),
    notiflow("hidden", { include_in_preferences: false }),
    notiflow("required", { required: true }),
    notiflow("gone", { deleted: true })
  ]
  const stored = () =>
    choices({
      channel_types: { sms: false },
      notiflows: {
        plain: { channel_types: { email: false } },
        hidden: { enabled: true },
        required: { enabled: false },
        gone: { enabled: false },
        orphan: { enabled: true }
      }
    })

  it("admin: stored keys only, live notiflows only, no name", () => {
    assert.deepStrictEqual(explicitView(stored(), catalog(), "admin"), {
      channel_types: { sms: false },
      notiflows: {
        plain: { channel_types: { email: false } },
        hidden: { enabled: true },
        required: { enabled: false }
      }
    })
  })

  it("user: configurable notiflows only", () => {
    assert.deepStrictEqual(explicitView(stored(), catalog(), "user"), {
      channel_types: { sms: false },
      notiflows: { plain: { channel_types: { email: false } } }
    })
  })

  it("empty choices give empty maps, whatever the defaults", () => {
    assert.deepStrictEqual(explicitView(choices(), [notiflow("n", { default_enabled: false })], "admin"), {
      channel_types: {},
      notiflows: {}
    })
  })
})
