/**
 * The replica's copy without a service: sets applied by version in any order and any number of
 * times end in the same state; the stored project defaults decide as the domain does; unknown
 * notiflows and channel types are refused as the API refuses them.
 */
import { describe, expect, it } from "vitest"
import type { ReplicaUser } from "../src/replica/Model.js"
import { emptyChoicesV2 } from "@notiflows/domain"
import { addUser, applySet, evaluateIn, modelOf, UNWRITTEN } from "../src/replica/Model.js"

const choices = (sms: boolean) => ({ channel_types: { sms }, categories: {}, notiflows: {} })

const model = modelOf({
  notiflows: [{ id: "nf", name: "N", include_in_preferences: true, required: false, default_enabled: true, default_channel_types: {}, categories: [] }],
  categories: [],
  defaults: { channel_types: { email: false, chat: true } },
  tenants: new Map()
})

describe("replica model", () => {
  it("keeps the highest version whatever the order and repetitions of the sets applied", () => {
    const sets = [1, 2, 3, 4, 5].map((version) => ({ version, preferences: choices(version % 2 === 0) }))
    for (const order of [sets, [...sets].reverse(), [sets[2]!, sets[4]!, sets[0]!, sets[4]!, sets[1]!]]) {
      const users = new Map<string, ReplicaUser>()
      for (const s of order) {
        applySet(users, "u", null, s)
        applySet(users, "u", "acme", s)
      }
      expect(users.get("u")).toMatchObject({ version: 5, global: sets[4]!.preferences })
      expect(users.get("u")!.tenants?.get("acme")).toEqual(sets[4])
    }
  })

  it("makes a created user known without touching an existing copy", () => {
    const users = new Map<string, ReplicaUser>()
    applySet(users, "u", null, { version: 3, preferences: choices(false) })
    addUser(users, "u")
    addUser(users, "v")
    expect(users.get("u")!.version).toBe(3)
    expect(users.get("v")).toBe(UNWRITTEN)
  })

  it("shares one object for users and sets without choices, and answers them as the domain answers empty sets", () => {
    const users = new Map<string, ReplicaUser>()
    applySet(users, "a", null, { version: 0, preferences: { channel_types: {}, categories: {}, notiflows: {} } })
    expect(users.get("a")).toBe(UNWRITTEN)
    // A reset: version 2, no choice left; its choices are the shared empty object.
    applySet(users, "b", null, { version: 1, preferences: choices(true) })
    applySet(users, "b", null, { version: 2, preferences: { channel_types: {}, categories: {}, notiflows: {} } })
    expect(users.get("b")).toMatchObject({ version: 2, global: emptyChoicesV2 })
    applySet(users, "b", "acme", { version: 1, preferences: { channel_types: {}, categories: {}, notiflows: {} } })
    expect(users.get("b")!.tenants?.get("acme")?.preferences).toBe(emptyChoicesV2)
    expect(UNWRITTEN.tenants).toBeUndefined()
    // Only channel choices: the two empty maps are the shared ones.
    applySet(users, "c", null, { version: 1, preferences: choices(false) })
    expect(users.get("c")!.global).toEqual(choices(false))
    expect(users.get("c")!.global.categories).toBe(emptyChoicesV2.categories)
    expect(users.get("c")!.global.notiflows).toBe(emptyChoicesV2.notiflows)
    const onDefaults = { email: { deliver: false, reason: "channel_opt_out", source: "project_default" }, sms: { deliver: true, reason: "allowed", source: "default" } }
    for (const [user, found] of [["a", true], ["b", true], ["nobody", false]] as const) {
      expect(evaluateIn(model, users, user, "nf", ["email", "sms"], undefined)).toEqual({ user_id: user, user_found: found, channel_types: onDefaults })
      expect(evaluateIn(model, users, user, "nf", ["email", "sms"], "acme")).toEqual({ user_id: user, user_found: found, channel_types: onDefaults })
    }
    // The shared answer cannot be changed by a caller.
    expect(Object.isFrozen(evaluateIn(model, users, "a", "nf", ["email"], undefined)!.channel_types)).toBe(true)
  })

  it("decides on the stored project defaults: a stored true is the project's, an absent type the built-in true", () => {
    expect(model.defaults).toEqual({ channel_types: { email: false, chat: true } })
    const users = new Map<string, ReplicaUser>()
    expect(evaluateIn(model, users, "x", "nf", ["email", "sms", "chat"], undefined)).toEqual({
      user_id: "x",
      user_found: false,
      channel_types: {
        email: { deliver: false, reason: "channel_opt_out", source: "project_default" },
        sms: { deliver: true, reason: "allowed", source: "default" },
        chat: { deliver: true, reason: "allowed", source: "project_default" }
      }
    })
    applySet(users, "x", null, { version: 1, preferences: choices(false) })
    expect(evaluateIn(model, users, "x", "nf", ["sms"], undefined)?.channel_types.sms).toEqual({ deliver: false, reason: "channel_opt_out", source: "user" })
  })

  it("follows a caller's channel array that changes between calls", () => {
    const users = new Map<string, ReplicaUser>()
    const channels: Array<"email" | "sms" | "chat"> = ["email", "sms"]
    expect(Object.keys(evaluateIn(model, users, "x", "nf", channels, undefined)!.channel_types)).toEqual(["email", "sms"])
    channels[1] = "chat"
    expect(evaluateIn(model, users, "x", "nf", channels, undefined)!.channel_types).toEqual({
      email: { deliver: false, reason: "channel_opt_out", source: "project_default" },
      chat: { deliver: true, reason: "allowed", source: "project_default" }
    })
    channels.push("sms")
    expect(Object.keys(evaluateIn(model, users, "x", "nf", channels, undefined)!.channel_types)).toEqual(["email", "chat", "sms"])
    channels[2] = "fax" as "sms"
    expect(() => evaluateIn(model, users, "x", "nf", channels, undefined)).toThrow(TypeError)
    // A single string that reads like a cached list is not a channel type.
    expect(() => evaluateIn(model, users, "x", "nf", ["email,chat" as "email"], undefined)).toThrow(TypeError)
  })

  it("answers undefined for an unknown notiflow and throws on an unknown channel type", () => {
    expect(evaluateIn(model, new Map(), "x", "nope", ["email"], undefined)).toBeUndefined()
    expect(() => evaluateIn(model, new Map(), "x", "nf", ["fax" as "email"], undefined)).toThrow(TypeError)
  })
})
