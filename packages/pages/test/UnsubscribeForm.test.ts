import { describe, expect, it } from "vitest"
import { classifyUnsubscribeForm } from "../src/index.js"

describe("classifyUnsubscribeForm (LINKS.md §3)", () => {
  it("recognizes RFC 8058's body, value ASCII case-insensitive, other fields ignored", () => {
    expect(classifyUnsubscribeForm([["List-Unsubscribe", "One-Click"]])).toEqual({ kind: "one_click" })
    expect(classifyUnsubscribeForm([["x", "1"], ["List-Unsubscribe", "ONE-click"], ["action", "undo"]])).toEqual({ kind: "one_click" })
    expect(classifyUnsubscribeForm([["List-Unsubscribe", "ONE-CLİCK"]]).kind).toBe("invalid") // dotted capital I is not ASCII
    expect(classifyUnsubscribeForm([["List-Unsubscribe", "One-Click "]]).kind).toBe("invalid")
  })

  it("reads the three page forms with their hidden lang", () => {
    expect(classifyUnsubscribeForm([["action", "unsubscribe"], ["lang", "de"]])).toEqual({ kind: "unsubscribe", lang: "de" })
    expect(classifyUnsubscribeForm([["action", "resubscribe"], ["lang", "xx"]])).toEqual({ kind: "resubscribe", lang: null })
    expect(classifyUnsubscribeForm([["action", "undo"], ["undo", "T"], ["lang", "fr"]])).toEqual({ kind: "undo", ticket: "T", lang: "fr" })
  })

  it("answers anything else as invalid (400, nothing written)", () => {
    expect(classifyUnsubscribeForm([]).kind).toBe("invalid")
    expect(classifyUnsubscribeForm([["action", "undo"]]).kind).toBe("invalid")
    expect(classifyUnsubscribeForm([["action", "undo"], ["undo", ""]]).kind).toBe("invalid")
    expect(classifyUnsubscribeForm([["action", "delete"]]).kind).toBe("invalid")
    expect(classifyUnsubscribeForm([["action", "unsubscribe"], ["action", "nope"]]).kind).toBe("invalid")
  })
})
