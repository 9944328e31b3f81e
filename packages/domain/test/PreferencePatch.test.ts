import { assert, describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { diff, sameChoices } from "../src/Changes.js"
import { applyPatch, changesToPatch, composePatch, decodePatch, MAX_PATCH_NOTIFLOWS } from "../src/PreferencePatch.js"
import type { PreferencePatch } from "../src/PreferencePatch.js"
import { CHANNEL_TYPES, PreferenceSet } from "../src/Preferences.js"
import type { PreferenceChoices } from "../src/Preferences.js"
import { evaluateChannel } from "../src/Evaluation.js"
import { view } from "../src/View.js"
import {
  assertPrototypeClean,
  choices,
  contextOf,
  deepFreeze,
  expectIssues,
  expectOk,
  notiflow,
  prefSet,
  prototypeSnapshot,
  summary
} from "./fixtures.js"

const A = "01HQAAAAAAAAAAAAAAAAAAAAAA"
const B = "01HQBBBBBBBBBBBBBBBBBBBBBB"
const catalog = () => [notiflow(A), notiflow(B)]
const admin = () => contextOf(catalog())

describe("decodePatch: valid bodies", () => {
  it("decodes booleans and nulls at every level", () => {
    const body = {
      channel_types: { sms: false, email: null },
      notiflows: { [A]: { enabled: true, channel_types: { email: false, chat: null } }, [B]: null }
    }
    assert.deepStrictEqual(expectOk(decodePatch(body, admin())), body)
  })

  it("accepts the empty patch and empty maps", () => {
    assert.deepStrictEqual(expectOk(decodePatch({}, admin())), {})
    assert.deepStrictEqual(expectOk(decodePatch({ channel_types: {}, notiflows: {} }, admin())), {
      channel_types: {},
      notiflows: {}
    })
    assert.deepStrictEqual(expectOk(decodePatch({ notiflows: { [A]: {} } }, admin())), { notiflows: { [A]: {} } })
  })

  it("accepts a string `name` and drops it", () => {
    const patch = expectOk(decodePatch({ notiflows: { [A]: { name: "Anything", enabled: false } } }, admin()))
    assert.deepStrictEqual(patch, { notiflows: { [A]: { enabled: false } } })
    const nameOnly = expectOk(decodePatch({ notiflows: { [A]: { name: "Anything" } } }, admin()))
    const set = prefSet()
    assert.strictEqual(applyPatch(set, nameOnly), set)
  })

  it("lets the last duplicate key win (JSON.parse semantics)", () => {
    const body = JSON.parse(`{"channel_types":{"sms":true,"sms":false}}`)
    assert.deepStrictEqual(expectOk(decodePatch(body, admin())), { channel_types: { sms: false } })
  })
})

describe("decodePatch: 422 reasons and dotted fields", () => {
  it("unknown channel type at the top level and inside a notiflow", () => {
    const issues = expectIssues(
      decodePatch({ channel_types: { fax: true }, notiflows: { [A]: { channel_types: { pager: false } } } }, admin())
    )
    assert.deepStrictEqual(summary(issues), [
      "channel_types.fax|unknown_channel_type",
      `notiflows.${A}.channel_types.pager|unknown_channel_type`
    ])
  })

  it("non-boolean values are invalid_type with the leaf path", () => {
    const issues = expectIssues(
      decodePatch(
        {
          channel_types: { email: "false", sms: 0 },
          notiflows: { [A]: { enabled: "yes", channel_types: { chat: 1 } } }
        },
        admin()
      )
    )
    assert.deepStrictEqual(summary(issues), [
      "channel_types.email|invalid_type",
      "channel_types.sms|invalid_type",
      `notiflows.${A}.channel_types.chat|invalid_type`,
      `notiflows.${A}.enabled|invalid_type`
    ])
  })

  it("unknown top-level and entry keys are unknown_field", () => {
    const issues = expectIssues(
      decodePatch({ version: 3, workflows: {}, notiflows: { [A]: { muted: true, enabled: true } } }, admin())
    )
    assert.deepStrictEqual(summary(issues), ["notiflows." + A + ".muted|unknown_field", "version|unknown_field", "workflows|unknown_field"])
  })

  it("map-level null is invalid_type (channel_types, notiflows, a notiflow's channel_types)", () => {
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ channel_types: null }, admin()))), ["channel_types|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: null }, admin()))), ["notiflows|invalid_type"])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { [A]: { channel_types: null } } }, admin()))), [
      `notiflows.${A}.channel_types|invalid_type`
    ])
  })

  it("maps of the wrong type are invalid_type", () => {
    const issues = expectIssues(
      decodePatch({ channel_types: ["sms"], notiflows: { [A]: true, [B]: { channel_types: "email" } } }, admin())
    )
    assert.deepStrictEqual(summary(issues), [
      "channel_types|invalid_type",
      `notiflows.${A}|invalid_type`,
      `notiflows.${B}.channel_types|invalid_type`
    ])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: [] }, admin()))), ["notiflows|invalid_type"])
  })

  it("a body that is not an object is one invalid_type issue on the body itself", () => {
    for (const body of [null, undefined, [], [{}], "{}", 42, true]) {
      const issues = expectIssues(decodePatch(body, admin()))
      assert.deepStrictEqual(summary(issues), ["|invalid_type"])
      assert.strictEqual(issues[0]?.field, "")
    }
  })

  it(`more than ${MAX_PATCH_NOTIFLOWS} notiflow entries is too_many; exactly ${MAX_PATCH_NOTIFLOWS} is fine`, () => {
    const ids = Array.from({ length: MAX_PATCH_NOTIFLOWS + 1 }, (_, i) => `n${i}`)
    const context = contextOf(ids.map((id) => notiflow(id)))
    const over = Object.fromEntries(ids.map((id) => [id, { enabled: false }]))
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: over }, context))), ["notiflows|too_many"])
    const exact = Object.fromEntries(ids.slice(0, MAX_PATCH_NOTIFLOWS).map((id) => [id, { enabled: false }]))
    const patch = expectOk(decodePatch({ notiflows: exact }, context))
    assert.strictEqual(Object.keys(patch.notiflows ?? {}).length, MAX_PATCH_NOTIFLOWS)
    // Too many is one problem among the others: the entries are still checked.
    const mixed = { ...over, ghost: { enabled: true }, n0: { enabled: "yes" } }
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: mixed }, context))), [
      "notiflows.ghost|unknown_notiflow",
      "notiflows.n0.enabled|invalid_type",
      "notiflows|too_many"
    ])
  })

  it("an id that is not in the catalog is unknown_notiflow, with an object or null", () => {
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { nope: { enabled: true } } }, admin()))), [
      "notiflows.nope|unknown_notiflow"
    ])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { nope: null } }, admin()))), [
      "notiflows.nope|unknown_notiflow"
    ])
  })

  it("a malformed id is reported at its path", () => {
    const tooLong = "x".repeat(65)
    const issues = expectIssues(decodePatch({ notiflows: { "has space": {}, [tooLong]: null, "a.b": {} } }, admin()))
    assert.deepStrictEqual(
      issues.map((i) => i.field).sort(),
      ["notiflows.a.b", `notiflows.${tooLong}`, "notiflows.has space"].sort()
    )
    for (const i of issues) expect(["invalid_format", "unknown_notiflow"]).toContain(i.reason)
  })

  it("a deleted notiflow: an object is unknown_notiflow, null is accepted", () => {
    const context = contextOf([notiflow(A, { deleted: true })])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { [A]: { enabled: true } } }, context))), [
      `notiflows.${A}|unknown_notiflow`
    ])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { [A]: {} } }, context))), [
      `notiflows.${A}|unknown_notiflow`
    ])
    assert.deepStrictEqual(expectOk(decodePatch({ notiflows: { [A]: null } }, context)), { notiflows: { [A]: null } })
    const userContext = contextOf([notiflow(A, { deleted: true })], "user")
    assert.deepStrictEqual(expectOk(decodePatch({ notiflows: { [A]: null } }, userContext)), { notiflows: { [A]: null } })
  })

  it("user audience: notiflows the user may not configure are unknown, even with null", () => {
    const hidden = notiflow(A, { include_in_preferences: false })
    const required = notiflow(B, { required: true })
    const deletedHidden = notiflow("gone", { include_in_preferences: false, deleted: true })
    const user = contextOf([hidden, required, deletedHidden], "user")
    for (const value of [{ enabled: true }, null, {}]) {
      const issues = expectIssues(decodePatch({ notiflows: { [A]: value, [B]: value, gone: value } }, user))
      assert.deepStrictEqual(summary(issues), [
        `notiflows.${A}|unknown_notiflow`,
        `notiflows.${B}|unknown_notiflow`,
        "notiflows.gone|unknown_notiflow"
      ])
    }
    // The same ids are fine for the admin audience.
    const adminContext = contextOf([hidden, required], "admin")
    assert.isTrue(decodePatch({ notiflows: { [A]: { enabled: false }, [B]: null } }, adminContext).ok)
    // A configurable notiflow is fine for users.
    assert.isTrue(decodePatch({ notiflows: { ok: { enabled: false } } }, contextOf([notiflow("ok")], "user")).ok)
  })

  it("a non-string name is invalid_type", () => {
    for (const name of [1, null, true, {}, ["x"]]) {
      assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { [A]: { name } } }, admin()))), [
        `notiflows.${A}.name|invalid_type`
      ])
    }
  })

  it("reports every problem at once, each with a message", () => {
    const body = {
      extra: 1,
      channel_types: { fax: true, email: "no", sms: false },
      notiflows: {
        [A]: { enabled: 1, channel_types: { pigeon: true, chat: [] }, colour: "red", name: 7 },
        [B]: { channel_types: null },
        missing: { enabled: true }
      }
    }
    const issues = expectIssues(decodePatch(body, admin()))
    assert.deepStrictEqual(summary(issues), [
      "channel_types.email|invalid_type",
      "channel_types.fax|unknown_channel_type",
      "extra|unknown_field",
      `notiflows.${A}.channel_types.chat|invalid_type`,
      `notiflows.${A}.channel_types.pigeon|unknown_channel_type`,
      `notiflows.${A}.colour|unknown_field`,
      `notiflows.${A}.enabled|invalid_type`,
      `notiflows.${A}.name|invalid_type`,
      `notiflows.${B}.channel_types|invalid_type`,
      "notiflows.missing|unknown_notiflow"
    ])
    for (const i of issues) assert.isTrue(i.message.length > 0)
  })
})

describe("decodePatch: prototype keys", () => {
  const hostile: ReadonlyArray<[string, ReadonlyArray<string>]> = [
    [`{"__proto__":{"enabled":true}}`, ["__proto__"]],
    [`{"constructor":{"prototype":{"polluted":true}}}`, ["constructor"]],
    [`{"prototype":true}`, ["prototype"]],
    [`{"channel_types":{"__proto__":{"polluted":true}}}`, ["channel_types.__proto__"]],
    [`{"channel_types":{"constructor":false,"prototype":null}}`, ["channel_types.constructor", "channel_types.prototype"]],
    [`{"notiflows":{"__proto__":{"enabled":true}}}`, ["notiflows.__proto__"]],
    [`{"notiflows":{"constructor":{"enabled":false}}}`, ["notiflows.constructor"]],
    [`{"notiflows":{"prototype":null}}`, ["notiflows.prototype"]],
    [`{"notiflows":{"${A}":{"__proto__":{"enabled":true}}}}`, [`notiflows.${A}.__proto__`]],
    [`{"notiflows":{"${A}":{"constructor":true,"prototype":{}}}}`, [`notiflows.${A}.constructor`, `notiflows.${A}.prototype`]],
    [`{"notiflows":{"${A}":{"channel_types":{"__proto__":{"email":true}}}}}`, [`notiflows.${A}.channel_types.__proto__`]],
    [`{"notiflows":{"${A}":{"channel_types":{"constructor":true}}}}`, [`notiflows.${A}.channel_types.constructor`]]
  ]

  for (const [json, fields] of hostile) {
    it(`rejects ${json}`, () => {
      const before = prototypeSnapshot()
      const body: unknown = JSON.parse(json)
      const issues = expectIssues(decodePatch(body, contextOf(catalog())))
      assert.deepStrictEqual(issues.map((i) => i.field).sort(), [...fields].sort())
      assertPrototypeClean(before)
    })
  }

  it("never touches Object.prototype, even when apply is handed an undecoded patch", () => {
    const before = prototypeSnapshot()
    const patch = JSON.parse(
      `{"channel_types":{"__proto__":{"polluted":true}},"notiflows":{"__proto__":{"enabled":true},"${A}":{"channel_types":{"__proto__":{"polluted":true}}}}}`
    ) as PreferencePatch
    const result = applyPatch(prefSet(), patch)
    assertPrototypeClean(before)
    assert.strictEqual(Object.getPrototypeOf(result.notiflows), Object.prototype)
    assert.strictEqual(Object.getPrototypeOf(result.channel_types), Object.prototype)
  })
})

describe("ids that are Object.prototype member names", () => {
  const names = ["toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "__defineGetter__"]

  it("decode, apply, view and evaluate treat them as ordinary ids", () => {
    const entries = names.map((id) => notiflow(id, { default_enabled: true }))
    const context = contextOf(entries)
    // A notiflow-prototype-name absent from the catalog is unknown, not found through the prototype.
    const onlyFirst = contextOf([notiflow("toString")])
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { valueOf: {} } }, onlyFirst))), [
      "notiflows.valueOf|unknown_notiflow"
    ])

    const empty = prefSet()
    // Nothing stored: views show defaults, not prototype members.
    const v0 = view(empty, entries, { channel_types: {} }, "admin")
    for (const id of names) {
      assert.deepStrictEqual(v0.notiflows[id], { enabled: true, channel_types: {}, name: `Notiflow ${id}` })
      assert.deepStrictEqual(evaluateChannel(empty, notiflow(id), { channel_types: {} }, "email"), {
        deliver: true,
        reason: "allowed",
        source: "default"
      })
    }
    // Removing a choice that does not exist changes nothing.
    assert.strictEqual(applyPatch(empty, expectOk(decodePatch({ notiflows: { toString: null } }, context))), empty)

    const patch = expectOk(
      decodePatch({ notiflows: { toString: { enabled: false }, hasOwnProperty: { channel_types: { sms: false } } } }, context)
    )
    const set = applyPatch(empty, patch)
    assert.deepStrictEqual(set.notiflows, { toString: { enabled: false }, hasOwnProperty: { channel_types: { sms: false } } })
    assert.isTrue(Object.hasOwn(set.notiflows, "toString"))
    const v = view(set, entries, { channel_types: {} }, "admin")
    assert.deepStrictEqual(v.notiflows["toString"], { enabled: false, channel_types: {}, name: "Notiflow toString" })
    assert.deepStrictEqual(v.notiflows["hasOwnProperty"], {
      enabled: true,
      channel_types: { sms: false },
      name: "Notiflow hasOwnProperty"
    })
    assert.strictEqual(evaluateChannel(set, notiflow("toString"), { channel_types: {} }, "email").reason, "notiflow_disabled")
    assert.strictEqual(
      evaluateChannel(set, notiflow("hasOwnProperty"), { channel_types: {} }, "sms").reason,
      "notiflow_channel_opt_out"
    )
    assert.deepStrictEqual(diff(empty, set).map((c) => c.path), [
      "notiflows.hasOwnProperty.channel_types.sms",
      "notiflows.toString.enabled"
    ])
    const cleared = applyPatch(set, expectOk(decodePatch({ notiflows: { toString: null, hasOwnProperty: null } }, context)))
    assert.deepStrictEqual(cleared.notiflows, {})
  })
})

describe("applyPatch", () => {
  const stored = (): PreferenceChoices =>
    deepFreeze(
      choices({
        channel_types: { email: true, sms: false },
        notiflows: { [A]: { enabled: false, channel_types: { email: false, chat: true } }, [B]: { enabled: true } }
      })
    )

  it("absent keys leave stored values; booleans set; null removes", () => {
    const next = applyPatch(stored(), {
      channel_types: { sms: null, chat: false, email: true },
      notiflows: { [A]: { channel_types: { chat: null, web_push: true } } }
    })
    assert.deepStrictEqual(next, {
      channel_types: { chat: false, email: true },
      notiflows: { [A]: { enabled: false, channel_types: { email: false, web_push: true } }, [B]: { enabled: true } }
    })
  })

  it("overwrites true with false and false with true", () => {
    const next = applyPatch(stored(), { channel_types: { email: false, sms: true }, notiflows: { [A]: { enabled: true } } })
    assert.deepStrictEqual(next.channel_types, { email: false, sms: true })
    assert.strictEqual(next.notiflows[A]?.enabled, true)
  })

  it("prunes objects emptied by removals", () => {
    const onlyEnabled = applyPatch(stored(), { notiflows: { [B]: { enabled: null } } })
    assert.isFalse(Object.hasOwn(onlyEnabled.notiflows, B))
    const noChannels = applyPatch(stored(), { notiflows: { [A]: { channel_types: { email: null, chat: null } } } })
    assert.deepStrictEqual(noChannels.notiflows[A], { enabled: false })
    assert.isFalse(Object.hasOwn(noChannels.notiflows[A] ?? {}, "channel_types"))
    const gone = applyPatch(stored(), { notiflows: { [A]: { enabled: null, channel_types: { email: null, chat: null } } } })
    assert.deepStrictEqual(gone.notiflows, { [B]: { enabled: true } })
    const nothingLeft = applyPatch(stored(), {
      channel_types: { email: null, sms: null },
      notiflows: { [A]: null, [B]: { enabled: null } }
    })
    assert.deepStrictEqual(nothingLeft, { channel_types: {}, notiflows: {} })
  })

  it("null for a whole notiflow removes every choice for it and nothing else", () => {
    const next = applyPatch(stored(), { notiflows: { [A]: null } })
    assert.deepStrictEqual(next.notiflows, { [B]: { enabled: true } })
    assert.deepStrictEqual(next.channel_types, { email: true, sms: false })
  })

  it("an empty patch, or one that changes nothing, returns the same reference", () => {
    const set = deepFreeze(prefSet({ channel_types: { sms: false }, notiflows: { [A]: { enabled: true } } }))
    for (const patch of [
      {},
      { channel_types: {} },
      { notiflows: {} },
      { channel_types: { sms: false, email: null } },
      { notiflows: { [A]: { enabled: true }, [B]: null } },
      { notiflows: { [A]: {}, [B]: { enabled: null, channel_types: { email: null } } } }
    ] satisfies ReadonlyArray<PreferencePatch>) {
      assert.strictEqual(applyPatch(set, patch), set)
    }
  })

  it("storing true where the default is true is a change", () => {
    const set = prefSet()
    const next = applyPatch(set, { channel_types: { email: true } })
    assert.notStrictEqual(next, set)
    assert.deepStrictEqual(diff(set, next), [{ path: "channel_types.email", from: null, to: true }])
  })

  it("keeps the version (versioning is the use case's job) and never mutates its inputs", () => {
    const set = deepFreeze(prefSet({ channel_types: { sms: false } }, 7))
    const patch = deepFreeze<PreferencePatch>({ channel_types: { sms: true }, notiflows: { [A]: { enabled: false } } })
    const next = applyPatch(set, patch)
    assert.strictEqual(next.version, 7)
    assert.deepStrictEqual(set, prefSet({ channel_types: { sms: false } }, 7))
    assert.deepStrictEqual(next.channel_types, { sms: true })
  })

  it("is idempotent and its result is a valid PreferenceSet", () => {
    const patches: ReadonlyArray<PreferencePatch> = [
      { channel_types: { sms: null, chat: false } },
      { notiflows: { [A]: null, [B]: { channel_types: { email: true } } } },
      { notiflows: { [A]: { enabled: null, channel_types: { email: null, chat: null } } } }
    ]
    const set = prefSet(stored())
    for (const p of patches) {
      const once = applyPatch(set, p)
      const twice = applyPatch(once, p)
      assert.strictEqual(twice, once)
      assert.deepStrictEqual(Schema.decodeUnknownSync(PreferenceSet)(once), once)
    }
  })

  it("puts channel keys in the canonical order", () => {
    const next = applyPatch(prefSet(), { channel_types: { web_push: false, chat: true, sms: false } })
    assert.deepStrictEqual(Object.keys(next.channel_types), ["chat", "sms", "web_push"])
  })
})

describe("composePatch", () => {
  const sets = (): ReadonlyArray<PreferenceChoices> => [
    choices(),
    choices({ channel_types: { sms: false } }),
    choices({ notiflows: { [A]: { enabled: false, channel_types: { email: false, sms: true } } } }),
    choices({ channel_types: { email: true }, notiflows: { [A]: { channel_types: { chat: false } }, [B]: { enabled: true } } })
  ]

  const assertComposes = (p: PreferencePatch, q: PreferencePatch) => {
    const composed = composePatch(p, q)
    for (const s of sets()) {
      assert.deepStrictEqual(applyPatch(s, composed), applyPatch(applyPatch(s, p), q))
    }
    return composed
  }

  it("a removal followed by new choices becomes a replace step", () => {
    const composed = assertComposes({ notiflows: { [A]: null } }, { notiflows: { [A]: { enabled: true } } })
    assert.deepStrictEqual(composed, { notiflows: { [A]: { replace: true, enabled: true } } })
    const s = choices({ notiflows: { [A]: { enabled: false, channel_types: { email: false } } } })
    assert.deepStrictEqual(applyPatch(s, composed).notiflows, { [A]: { enabled: true } })
  })

  it("a replace step followed by more choices stays a replace step", () => {
    const pq = composePatch({ notiflows: { [A]: null } }, { notiflows: { [A]: { enabled: true } } })
    const r: PreferencePatch = { notiflows: { [A]: { channel_types: { sms: false } } } }
    const composed = composePatch(pq, r)
    assert.deepStrictEqual(composed, { notiflows: { [A]: { replace: true, enabled: true, channel_types: { sms: false } } } })
    for (const s of sets()) {
      assert.deepStrictEqual(
        applyPatch(s, composed),
        applyPatch(applyPatch(applyPatch(s, { notiflows: { [A]: null } }), { notiflows: { [A]: { enabled: true } } }), r)
      )
    }
  })

  it("later values win, nulls included, and untouched keys survive", () => {
    assertComposes({ channel_types: { email: false, sms: true } }, { channel_types: { email: null } })
    assertComposes({ notiflows: { [A]: { enabled: false } } }, { notiflows: { [A]: null } })
    assertComposes({ notiflows: { [A]: { channel_types: { email: false } } } }, { notiflows: { [B]: { enabled: false } } })
    assertComposes({ notiflows: { [A]: null } }, { notiflows: { [A]: {} } })
    assertComposes({ notiflows: { [A]: null } }, { notiflows: { [A]: null } })
    assertComposes({ notiflows: { [A]: { enabled: true } } }, { notiflows: { [A]: { channel_types: { sms: false } } } })
    assertComposes({}, { notiflows: { [A]: null } })
    assertComposes({ notiflows: { [A]: null } }, {})
  })
})

describe("diff, changesToPatch and sameChoices", () => {
  const before = (): PreferenceChoices =>
    choices({
      channel_types: { email: true, sms: false },
      notiflows: { [A]: { enabled: false, channel_types: { chat: true } }, [B]: { enabled: true } }
    })
  const after = (): PreferenceChoices =>
    choices({
      channel_types: { email: false, web_push: true },
      notiflows: { [A]: { channel_types: { chat: true, email: false } }, toString: { enabled: false } }
    })

  it("lists leaf changes sorted by path, null meaning no explicit choice", () => {
    assert.deepStrictEqual(diff(before(), after()), [
      { path: "channel_types.email", from: true, to: false },
      { path: "channel_types.sms", from: false, to: null },
      { path: "channel_types.web_push", from: null, to: true },
      { path: `notiflows.${A}.channel_types.email`, from: null, to: false },
      { path: `notiflows.${A}.enabled`, from: false, to: null },
      { path: `notiflows.${B}.enabled`, from: true, to: null },
      { path: "notiflows.toString.enabled", from: null, to: false }
    ])
  })

  it("is empty for equal choices, whatever the key order", () => {
    assert.deepStrictEqual(diff(before(), before()), [])
    const reordered = choices({
      notiflows: { [B]: { enabled: true }, [A]: { channel_types: { chat: true }, enabled: false } },
      channel_types: { sms: false, email: true }
    })
    assert.deepStrictEqual(diff(before(), reordered), [])
  })

  it("replaying diff(a, b) on a gives b", () => {
    const all: ReadonlyArray<PreferenceChoices> = [choices(), before(), after()]
    for (const a of all) {
      for (const b of all) {
        const replayed = applyPatch(a, changesToPatch(diff(a, b)))
        assert.isTrue(sameChoices(replayed, b))
        assert.deepStrictEqual(replayed, b)
      }
    }
  })

  it("changesToPatch builds a wire-shaped patch", () => {
    assert.deepStrictEqual(changesToPatch(diff(before(), after())), {
      channel_types: { email: false, sms: null, web_push: true },
      notiflows: {
        [A]: { enabled: null, channel_types: { email: false } },
        [B]: { enabled: null },
        toString: { enabled: false }
      }
    })
    assert.deepStrictEqual(changesToPatch([]), {})
  })

  it("sameChoices compares explicit choices only, ignoring version and key order", () => {
    assert.isTrue(sameChoices(prefSet(before(), 1), prefSet(before(), 9)))
    assert.isFalse(sameChoices(before(), after()))
    assert.isFalse(sameChoices(choices({ channel_types: { email: true } }), choices()))
    assert.isFalse(sameChoices(choices({ channel_types: { email: true } }), choices({ channel_types: { email: false } })))
    assert.isFalse(
      sameChoices(choices({ notiflows: { [A]: { enabled: true } } }), choices({ notiflows: { [B]: { enabled: true } } }))
    )
    for (const c of CHANNEL_TYPES) {
      assert.isFalse(
        sameChoices(
          choices({ notiflows: { [A]: { channel_types: { [c]: true } } } }),
          choices({ notiflows: { [A]: { channel_types: { [c]: false } } } })
        )
      )
    }
  })
})

describe("merge laws on generated patches", () => {
  const ids = [A, B, "toString"] as const
  const boolOrNull = fc.constantFrom(true, false, null)
  const channelPatch = fc.record(
    Object.fromEntries(CHANNEL_TYPES.map((c) => [c, boolOrNull])) as Record<(typeof CHANNEL_TYPES)[number], fc.Arbitrary<boolean | null>>,
    { requiredKeys: [] }
  )
  const notiflowPatch = fc.oneof(
    fc.constant(null),
    fc.record({ enabled: boolOrNull, channel_types: channelPatch }, { requiredKeys: [] })
  )
  const wirePatch: fc.Arbitrary<PreferencePatch> = fc.record(
    { channel_types: channelPatch, notiflows: fc.dictionary(fc.constantFrom(...ids), notiflowPatch) },
    { requiredKeys: [] }
  )
  const choicesArb: fc.Arbitrary<PreferenceChoices> = wirePatch.map((p) => applyPatch(choices(), p))
  const context = contextOf(ids.map((id) => notiflow(id)))
  const params = { numRuns: 500 }

  it("every generated wire patch decodes to itself", () => {
    fc.assert(fc.property(wirePatch, (p) => assert.deepStrictEqual(expectOk(decodePatch(p, context)), p)), params)
  })

  it("applying a patch twice equals applying it once (same reference)", () => {
    fc.assert(
      fc.property(choicesArb, wirePatch, (s, p) => {
        const once = applyPatch(s, p)
        assert.strictEqual(applyPatch(once, p), once)
      }),
      params
    )
  })

  it("composition, including composed patches with replace steps", () => {
    fc.assert(
      fc.property(choicesArb, wirePatch, wirePatch, wirePatch, (s, p, q, r) => {
        assert.deepStrictEqual(applyPatch(s, composePatch(p, q)), applyPatch(applyPatch(s, p), q))
        const sequential = applyPatch(applyPatch(applyPatch(s, p), q), r)
        assert.deepStrictEqual(applyPatch(s, composePatch(composePatch(p, q), r)), sequential)
        assert.deepStrictEqual(applyPatch(s, composePatch(p, composePatch(q, r))), sequential)
      }),
      params
    )
  })

  it("the result is always a valid PreferenceSet with no empty objects", () => {
    fc.assert(
      fc.property(choicesArb, wirePatch, (s, p) => {
        const next = applyPatch(prefSet(s), p)
        assert.deepStrictEqual(Schema.decodeUnknownSync(PreferenceSet, { onExcessProperty: "error" })(next), next)
        for (const entry of Object.values(next.notiflows)) {
          assert.isTrue(Object.keys(entry).length > 0)
          if (entry.channel_types !== undefined) assert.isTrue(Object.keys(entry.channel_types).length > 0)
        }
      }),
      params
    )
  })

  it("diff replays, and is empty exactly when sameChoices holds", () => {
    fc.assert(
      fc.property(choicesArb, choicesArb, (a, b) => {
        assert.deepStrictEqual(applyPatch(a, changesToPatch(diff(a, b))), b)
        assert.strictEqual(sameChoices(a, b), diff(a, b).length === 0)
      }),
      params
    )
  })

  it("replace steps never come from the wire", () => {
    assert.deepStrictEqual(summary(expectIssues(decodePatch({ notiflows: { [A]: { replace: true } } }, admin()))), [
      `notiflows.${A}.replace|unknown_field`
    ])
  })
})
