import { assert, describe, it } from "@effect/vitest"
import type { Decision } from "../src/Evaluation.js"
import { evaluate, evaluateBatch, evaluateChannel } from "../src/Evaluation.js"
import { CHANNEL_TYPES } from "../src/Preferences.js"
import type { NotiflowCatalogEntry, PreferenceChoices, ProjectDefaults } from "../src/Preferences.js"
import { choices, notiflow } from "./fixtures.js"

const N = "01HQNNNNNNNNNNNNNNNNNNNNNN"
const noDefaults = (): ProjectDefaults => ({ channel_types: {} })
const d = (deliver: boolean, reason: Decision["reason"], source: Decision["source"]): Decision => ({ deliver, reason, source })

const decide = (
  c: PreferenceChoices | undefined,
  entry: NotiflowCatalogEntry,
  defaults: ProjectDefaults = noDefaults()
): Decision => ({ ...evaluateChannel(c, entry, defaults, "email") })

describe("evaluate: 1. required notiflow", () => {
  it("delivers from the catalog, bypassing every user choice and default", () => {
    const entry = notiflow(N, { required: true, default_enabled: false, default_channel_types: { email: false } })
    const hostile = choices({
      channel_types: { email: false },
      notiflows: { [N]: { enabled: false, channel_types: { email: false } } }
    })
    assert.deepStrictEqual(decide(hostile, entry, { channel_types: { email: false } }), d(true, "required_notiflow", "catalog"))
    assert.deepStrictEqual(decide(undefined, entry), d(true, "required_notiflow", "catalog"))
  })
})

describe("evaluate: 2. global channel opt-out", () => {
  it("a user's global false: channel_opt_out from user", () => {
    assert.deepStrictEqual(decide(choices({ channel_types: { email: false } }), notiflow(N)), d(false, "channel_opt_out", "user"))
  })

  it("a project default false: channel_opt_out from project_default", () => {
    assert.deepStrictEqual(
      decide(choices(), notiflow(N), { channel_types: { email: false } }),
      d(false, "channel_opt_out", "project_default")
    )
  })

  it("is absolute for non-required notiflows: notiflow-level trues do not override it", () => {
    const entry = notiflow(N, { default_enabled: true, default_channel_types: { email: true } })
    const c = choices({ channel_types: { email: false }, notiflows: { [N]: { enabled: true, channel_types: { email: true } } } })
    assert.deepStrictEqual(decide(c, entry), d(false, "channel_opt_out", "user"))
    const byProject = choices({ notiflows: { [N]: { enabled: true, channel_types: { email: true } } } })
    assert.deepStrictEqual(decide(byProject, entry, { channel_types: { email: false } }), d(false, "channel_opt_out", "project_default"))
  })

  it("comes before the notiflow checks", () => {
    const entry = notiflow(N, { default_enabled: false })
    assert.strictEqual(decide(choices({ channel_types: { email: false } }), entry).reason, "channel_opt_out")
  })

  it("a user's global true overrides a project default false", () => {
    assert.deepStrictEqual(
      decide(choices({ channel_types: { email: true } }), notiflow(N), { channel_types: { email: false } }),
      d(true, "allowed", "user")
    )
  })
})

describe("evaluate: 3. notiflow disabled", () => {
  it("a user's enabled false: notiflow_disabled from user", () => {
    assert.deepStrictEqual(
      decide(choices({ notiflows: { [N]: { enabled: false } } }), notiflow(N)),
      d(false, "notiflow_disabled", "user")
    )
  })

  it("default_enabled false without a choice: notiflow_disabled from notiflow_default", () => {
    assert.deepStrictEqual(decide(choices(), notiflow(N, { default_enabled: false })), d(false, "notiflow_disabled", "notiflow_default"))
    assert.deepStrictEqual(decide(undefined, notiflow(N, { default_enabled: false })), d(false, "notiflow_disabled", "notiflow_default"))
  })

  it("a user's enabled true overrides default_enabled false", () => {
    assert.deepStrictEqual(
      decide(choices({ notiflows: { [N]: { enabled: true } } }), notiflow(N, { default_enabled: false })),
      d(true, "allowed", "default")
    )
  })

  it("comes before the notiflow channel check", () => {
    const c = choices({ notiflows: { [N]: { enabled: false, channel_types: { email: false } } } })
    assert.strictEqual(decide(c, notiflow(N)).reason, "notiflow_disabled")
  })
})

describe("evaluate: 4. notiflow channel opt-out", () => {
  it("a user's notiflow-level false: notiflow_channel_opt_out from user", () => {
    assert.deepStrictEqual(
      decide(choices({ notiflows: { [N]: { channel_types: { email: false } } } }), notiflow(N)),
      d(false, "notiflow_channel_opt_out", "user")
    )
  })

  it("default_channel_types false without a choice: notiflow_channel_opt_out from notiflow_default", () => {
    const entry = notiflow(N, { default_channel_types: { email: false } })
    assert.deepStrictEqual(decide(choices(), entry), d(false, "notiflow_channel_opt_out", "notiflow_default"))
  })

  it("a notiflow-level true matters where the notiflow's default for that channel is false", () => {
    const entry = notiflow(N, { default_channel_types: { email: false } })
    assert.deepStrictEqual(
      decide(choices({ notiflows: { [N]: { channel_types: { email: true } } } }), entry),
      d(true, "allowed", "default")
    )
  })

  it("other channels are not affected", () => {
    const entry = notiflow(N, { default_channel_types: { email: false } })
    const c = choices({ notiflows: { [N]: { channel_types: { sms: false } } } })
    const all = evaluate(c, entry, noDefaults(), CHANNEL_TYPES)
    for (const ch of CHANNEL_TYPES) {
      const expected =
        ch === "email"
          ? d(false, "notiflow_channel_opt_out", "notiflow_default")
          : ch === "sms"
            ? d(false, "notiflow_channel_opt_out", "user")
            : d(true, "allowed", "default")
      assert.deepStrictEqual({ ...all[ch] }, expected)
    }
  })
})

describe("evaluate: 5. allowed", () => {
  it("source is where the global value came from", () => {
    assert.deepStrictEqual(decide(choices(), notiflow(N)), d(true, "allowed", "default"))
    assert.deepStrictEqual(decide(undefined, notiflow(N)), d(true, "allowed", "default"))
    assert.deepStrictEqual(decide(choices(), notiflow(N), { channel_types: { email: true } }), d(true, "allowed", "project_default"))
    assert.deepStrictEqual(decide(choices({ channel_types: { email: true } }), notiflow(N)), d(true, "allowed", "user"))
    const everythingOn = choices({ channel_types: { email: true }, notiflows: { [N]: { enabled: true, channel_types: { email: true } } } })
    assert.deepStrictEqual(decide(everythingOn, notiflow(N)), d(true, "allowed", "user"))
  })

  it("choices for other notiflows do not matter", () => {
    const c = choices({ notiflows: { other: { enabled: false, channel_types: { email: false } } } })
    assert.deepStrictEqual(decide(c, notiflow(N)), d(true, "allowed", "default"))
  })
})

describe("evaluate: shape", () => {
  it("answers exactly the channel types asked for, in that order", () => {
    const out = evaluate(choices(), notiflow(N), noDefaults(), ["sms", "chat"])
    assert.deepStrictEqual(Object.keys(out), ["sms", "chat"])
    assert.deepStrictEqual(Object.keys(evaluate(undefined, notiflow(N), noDefaults(), CHANNEL_TYPES)), [...CHANNEL_TYPES])
  })

  it("turning any choice to false never turns a no into a yes (non-required)", () => {
    const entries = [notiflow(N), notiflow(N, { default_enabled: false }), notiflow(N, { default_channel_types: { email: false } })]
    const bases: ReadonlyArray<PreferenceChoices> = [
      choices(),
      choices({ channel_types: { email: true } }),
      choices({ notiflows: { [N]: { enabled: true, channel_types: { email: true } } } })
    ]
    const restrictions: ReadonlyArray<(c: PreferenceChoices) => PreferenceChoices> = [
      (c) => ({ ...c, channel_types: { ...c.channel_types, email: false } }),
      (c) => ({ ...c, notiflows: { [N]: { ...c.notiflows[N], enabled: false } } }),
      (c) => ({ ...c, notiflows: { [N]: { ...c.notiflows[N], channel_types: { email: false } } } })
    ]
    for (const entry of entries) {
      for (const base of bases) {
        for (const restrict of restrictions) {
          const before = decide(base, entry).deliver
          const after = decide(restrict(base), entry).deliver
          assert.isTrue(!after || before)
          assert.isFalse(after)
        }
      }
    }
  })
})

describe("evaluateBatch", () => {
  it("keeps input order, marks unknown users and decides them on defaults", () => {
    const stored = new Map<string, PreferenceChoices>([
      ["alice", choices({ channel_types: { email: false } })],
      ["bob", choices()]
    ])
    const results = evaluateBatch(["carol", "alice", "bob", "alice"], (id) => stored.get(id), notiflow(N), { channel_types: { sms: false } }, [
      "email",
      "sms"
    ])
    assert.deepStrictEqual(
      results.map((r) => ({ user_id: r.user_id, user_found: r.user_found, channel_types: r.channel_types })),
      [
        {
          user_id: "carol",
          user_found: false,
          channel_types: { email: d(true, "allowed", "default"), sms: d(false, "channel_opt_out", "project_default") }
        },
        {
          user_id: "alice",
          user_found: true,
          channel_types: { email: d(false, "channel_opt_out", "user"), sms: d(false, "channel_opt_out", "project_default") }
        },
        {
          user_id: "bob",
          user_found: true,
          channel_types: { email: d(true, "allowed", "default"), sms: d(false, "channel_opt_out", "project_default") }
        },
        {
          user_id: "alice",
          user_found: true,
          channel_types: { email: d(false, "channel_opt_out", "user"), sms: d(false, "channel_opt_out", "project_default") }
        }
      ]
    )
  })

  it("a required notiflow delivers to every user, found or not", () => {
    const results = evaluateBatch(["x", "y"], (id) => (id === "x" ? choices({ channel_types: { chat: false } }) : undefined), notiflow(N, { required: true }), noDefaults(), ["chat"])
    for (const r of results) assert.deepStrictEqual({ ...r.channel_types.chat }, d(true, "required_notiflow", "catalog"))
  })
})
