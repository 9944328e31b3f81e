/**
 * `/openapi.json` checked by tools nobody here wrote (issue 9): the official OpenAPI schema
 * validator, Redocly's `lint` (recommended rules, 0 errors) and Spectral's `spectral:oas`
 * ruleset (no errors). Both CLIs run offline from node_modules; Redocly's telemetry and update
 * check are off.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Validator } from "@seriousme/openapi-schema-validator"
import request from "supertest"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeHarness } from "./harness.js"

const run = promisify(execFile)
const bin = (name: string) => resolve(dirname(fileURLToPath(import.meta.url)), "../node_modules/.bin", name)

let dir = ""
let file = ""
let doc: Record<string, unknown> = {}

beforeAll(async () => {
  const res = await request(makeHarness().app).get("/api/openapi.json")
  expect(res.status).toBe(200)
  doc = res.body as Record<string, unknown>
  dir = mkdtempSync(join(tmpdir(), "notiflows-openapi-"))
  file = join(dir, "openapi.json")
  writeFileSync(file, JSON.stringify(doc, null, 2))
  writeFileSync(join(dir, ".spectral.yaml"), 'extends: ["spectral:oas"]\n')
})

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true })
})

/** Runs a CLI; answers its exit code and output (a non-zero exit is a result, not a throw). */
const cli = async (name: string, args: ReadonlyArray<string>) => {
  const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" }
  try {
    const { stdout, stderr } = await run(bin(name), [...args], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: err.code ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" }
  }
}

describe("/openapi.json under outside tools", () => {
  it("is valid for the official OpenAPI 3.1 schema (@seriousme/openapi-schema-validator)", async () => {
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  it("has no $id twice (Ajv-based tools refuse duplicate ids)", () => {
    const ids = [...JSON.stringify(doc).matchAll(/"\$id":"([^"]*)"/g)].map((m) => m[1])
    expect(ids.length).toBe(new Set(ids).size)
  })

  it("passes `redocly lint` (recommended rules) with 0 errors", async () => {
    const { code, stdout, stderr } = await cli("redocly", ["lint", file, "--format=json"])
    const report = JSON.parse(stdout) as { problems: Array<{ severity: string; ruleId: string; message: string }> }
    const errors = report.problems.filter((p) => p.severity === "error").map((p) => `${p.ruleId}: ${p.message}`)
    expect(errors, stderr).toEqual([])
    expect(code).toBe(0)
  }, 120_000)

  it("passes Spectral's spectral:oas ruleset with no errors", async () => {
    const { code, stdout, stderr } = await cli("spectral", ["lint", file, "--ruleset", join(dir, ".spectral.yaml"), "--format", "json", "--fail-severity", "error"])
    const results = JSON.parse(stdout.slice(stdout.indexOf("["))) as Array<{ severity: number; code: string; message: string; path: Array<string> }>
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code}: ${r.message} at ${r.path.join("/")}`)
    expect(errors, stderr).toEqual([])
    expect(code).toBe(0)
  }, 120_000)
})
