/**
 * `notiflows-prefs branding show|set` (LINKS.md §2.4) on a file-backed PGlite database, in
 * process: defaults filled, flags and a JSON file as one merge patch (flags win), `--reset` back
 * to a default, the API's 422 error for a refused value (nothing written), usage errors (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CHANNEL_TYPES } from "@notiflows/domain"
import { CommandFailed, runCommand, UsageError } from "../src/Cli.js"
import { loadConfig } from "../src/Config.js"

const dir = mkdtempSync(join(tmpdir(), "notiflows-cli-branding-"))
const config = loadConfig({ NOTIFLOWS_DATA_DIR: join(dir, "data") })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = async (...argv: Array<string>): Promise<any> => {
  const out: Array<string> = []
  await runCommand(argv, config, (s) => out.push(s))
  return JSON.parse(out.join("\n"))
}

/** The §3 envelope a refused `set` carries in its message. */
const refusal = async (...argv: Array<string>): Promise<any> => {
  const error = await runCommand(argv, config, () => {}).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(CommandFailed)
  const message = (error as Error).message
  expect(message.startsWith("branding not changed: ")).toBe(true)
  return JSON.parse(message.slice(message.indexOf("{"))).error
}

describe("notiflows-prefs branding", () => {
  it("show, set by flags and file (flags win), reset, the API's 422, usage errors", async () => {
    await run("project", "create", "--name", "Acme")
    const defaults = { name: "Acme", logo_url: null, accent_color: "#1d4ed8", help_url: null, privacy_url: null, channel_types: [...CHANNEL_TYPES] }
    expect(await run("branding", "show")).toEqual(defaults)

    const flags = await run("branding", "set", "--name", "Acme Mail", "--accent-color", "#0F766E", "--channel-types", "email, sms")
    expect(flags).toEqual({ ...defaults, name: "Acme Mail", accent_color: "#0f766e", channel_types: ["email", "sms"] })
    const file = join(dir, "branding.json")
    writeFileSync(file, JSON.stringify({ name: "From the file", logo_url: "https://cdn.example.com/logo.png", help_url: "https://help.example.com/" }))
    const both = await run("branding", "set", "--file", file, "--name", "The flag wins", "--privacy-url", "http://example.com/privacy")
    expect(both).toEqual({
      ...flags,
      name: "The flag wins",
      logo_url: "https://cdn.example.com/logo.png",
      help_url: "https://help.example.com/",
      privacy_url: "http://example.com/privacy"
    })
    expect(await run("branding", "show")).toEqual(both)
    const reset = await run("branding", "set", "--reset", "name", "--reset", "channel_types")
    expect(reset).toEqual({ ...both, name: "Acme", channel_types: [...CHANNEL_TYPES] })

    // Refused like PUT /admin/branding: every problem listed, nothing written.
    const contrast = await refusal("branding", "set", "--accent-color", "#ffff00", "--logo-url", "http://cdn.example.com/logo.png", "--channel-types", "email,email")
    expect(contrast).toMatchObject({ code: "validation_error", status: 422 })
    expect(contrast.details.fields.map((f: { field: string; reason: string }) => [f.field, f.reason]).sort()).toEqual([
      ["accent_color", "insufficient_contrast"],
      ["channel_types", "invalid_format"],
      ["logo_url", "invalid_format"]
    ])
    writeFileSync(file, JSON.stringify({ colour: "#000000", channel_types: ["email", "fax"] }))
    const unknown = await refusal("branding", "set", "--file", file)
    expect(unknown.details.fields.map((f: { field: string; reason: string }) => [f.field, f.reason]).sort()).toEqual([
      ["channel_types.1", "unknown_channel_type"],
      ["colour", "unknown_field"]
    ])
    expect(await run("branding", "show")).toEqual(reset)

    for (const argv of [
      ["branding", "set"],
      ["branding", "set", "--reset", "colour"],
      ["branding", "set", "--name", "x", "--reset", "name"],
      ["branding", "set", "--file", join(dir, "missing.json")],
      ["branding", "show", "--name", "x"],
      ["branding", "frobnicate"],
      ["branding", "set", "--unknown-flag", "x"]
    ]) {
      await expect(runCommand(argv, config, () => {}), argv.join(" ")).rejects.toBeInstanceOf(UsageError)
    }
    const help: Array<string> = []
    expect(await runCommand(["branding", "--help"], config, (s) => help.push(s))).toBe(0)
    expect(help.join("")).toContain("notiflows-prefs branding set")
  })
})
