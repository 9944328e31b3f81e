/**
 * `notiflows-prefs links keys|rotate|revoke|revoke-all` (LINKS.md §2.3) on a file-backed PGlite
 * database, in process: kids and times only (never a secret), the active key refused (exit 2).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCommand, UsageError } from "../src/Cli.js"
import { loadConfig } from "../src/Config.js"

const dir = mkdtempSync(join(tmpdir(), "notiflows-cli-links-"))
const config = loadConfig({ NOTIFLOWS_DATA_DIR: join(dir, "data") })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = async (...argv: Array<string>): Promise<any> => {
  const out: Array<string> = []
  await runCommand(argv, config, (s) => out.push(s))
  return JSON.parse(out.join("\n"))
}

describe("notiflows-prefs links", () => {
  it("keys, rotate, revoke (refusing the active key), revoke-all", async () => {
    await run("project", "create", "--name", "Links")
    const [first] = await run("links", "keys")
    expect(first).toEqual({ kid: expect.stringMatching(/^[0-9a-f]{8}$/), active: true, created_at: expect.any(String), revoked_at: null })
    const rotated = await run("links", "rotate")
    expect(rotated).toMatchObject({ active: true, revoked_at: null })
    expect(rotated.kid).not.toBe(first.kid)
    expect(Object.keys(rotated)).toEqual(["kid", "active", "created_at", "revoked_at", "note"])
    await expect(runCommand(["links", "revoke", rotated.kid], config, () => {})).rejects.toBeInstanceOf(UsageError)
    await expect(runCommand(["links", "revoke", "nothex"], config, () => {})).rejects.toBeInstanceOf(UsageError)
    const revoked = await run("links", "revoke", first.kid)
    expect(revoked).toMatchObject({ kid: first.kid, active: false, revoked_at: expect.any(String) })
    const keys = await run("links", "keys")
    expect(keys.map((k: { kid: string }) => k.kid)).toEqual([first.kid, rotated.kid])
    // Only kids and times: no secret is ever printed.
    expect(keys.every((k: object) => Object.keys(k).join() === "kid,active,created_at,revoked_at")).toBe(true)
    const all = await run("links", "revoke-all")
    expect(all).toEqual({ kid: expect.stringMatching(/^[0-9a-f]{8}$/), revoked: 1 })
    const after = await run("links", "keys")
    expect(after.filter((k: { active: boolean }) => k.active).map((k: { kid: string }) => k.kid)).toEqual([all.kid])
    expect(after.filter((k: { kid: string }) => k.kid !== all.kid).every((k: { revoked_at: string | null }) => k.revoked_at !== null)).toBe(true)
  })
})
