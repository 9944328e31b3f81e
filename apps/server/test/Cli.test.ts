/**
 * The `notiflows-prefs` CLI against a file-backed PGlite database, then the service reading
 * what it wrote.
 */
import { generateKeyPairSync } from "node:crypto"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { client, MAIN, runCli, startService } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "notiflows-cli-"))
const env = { NOTIFLOWS_DATA_DIR: join(dir, "data") }
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const json = (stdout: string): any => JSON.parse(stdout)

// Each case runs the built CLI as separate processes, one PGlite open each (~0.5-1 s on a quiet
// machine, 4-15 s while other suites load both cores): the bound only stops a hang.
describe("notiflows-prefs CLI", { timeout: 300_000 }, () => {
  it("prints help for every command", async () => {
    const top = await runCli(["--help"], env)
    expect(top.code).toBe(0)
    expect(top.stdout).toContain("notiflows-prefs project create")
    for (const command of ["serve", "migrate", "project", "keys", "notiflows", "categories", "links", "branding"]) {
      const help = await runCli([command, "--help"], env)
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`notiflows-prefs ${command}`)
    }
    const unknown = await runCli(["frobnicate"], env)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown command")
  })

  it("administers projects, keys and the catalog, and the service honours it", async () => {
    expect((await runCli(["migrate"], env)).code).toBe(0)
    const created = await runCli(["project", "create", "--name", "Acme"], env)
    expect(created.code).toBe(0)
    const project = json(created.stdout)
    expect(project.secret_key).toMatch(/^sk_[A-Za-z0-9]{22,}$/)
    expect(project.public_key).toMatch(/^pk_[A-Za-z0-9]{22,}$/)

    const extra = json((await runCli(["keys", "create", "--kind", "secret"], env)).stdout)
    expect(extra.key).toMatch(/^sk_/)
    const listed = json((await runCli(["keys", "list"], env)).stdout)
    expect(listed).toHaveLength(3)
    expect(JSON.stringify(listed)).not.toContain(extra.key)

    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    writeFileSync(join(dir, "signing.pem"), publicKey.export({ type: "spki", format: "pem" }))
    const set = await runCli(
      ["project", "set", "--security-mode", "off", "--allowed-origin", "https://app.example.com", "--signing-key", join(dir, "signing.pem")],
      env
    )
    expect(set.code).toBe(0)
    expect(json(set.stdout)).toMatchObject({ security_mode: "off", allowed_origins: ["https://app.example.com"] })
    expect(json(set.stdout).signing_key_ids[0]).toMatch(/^[A-Za-z0-9_-]{43}$/)

    writeFileSync(
      join(dir, "notiflows.json"),
      JSON.stringify([
        { id: "order-updates", name: "Order Updates" },
        { id: "security-alerts", name: "Security alerts", required: true }
      ])
    )
    const imported = await runCli(["notiflows", "import", join(dir, "notiflows.json")], env)
    expect(imported.code).toBe(0)
    expect(json(imported.stdout)).toEqual({ imported: 2, created: 2, updated: 0 })
    const bad = await runCli(["project", "set", "--allowed-origin", "https://x.example.com/path"], env)
    expect(bad.code).toBe(2)

    const revoked = await runCli(["keys", "revoke", extra.id], env)
    expect(revoked.code).toBe(0)

    const service = await startService(env)
    try {
      const api = client(service.url, { "x-notiflows-secret-key": project.secret_key })
      const notiflows = await api.get("/admin/notiflows")
      expect(notiflows.status).toBe(200)
      expect(notiflows.body.items.map((n: { id: string }) => n.id)).toEqual(["order-updates", "security-alerts"])
      expect((await client(service.url, { "x-notiflows-secret-key": extra.key }).get("/admin/notiflows")).status).toBe(401)
      // Security mode off: the development header may stand in for a user token.
      expect((await api.put("/admin/users/dev-user", {})).status).toBe(201)
      const mine = await client(service.url, { "x-notiflows-api-key": project.public_key, "x-notiflows-user-id": "dev-user" }).get(
        "/user/preferences"
      )
      expect(mine.status).toBe(200)
      expect(Object.keys(mine.body.notiflows)).toEqual(["order-updates"])
    } finally {
      expect(await service.stop()).toBe(0)
    }
  })

  it("refuses malformed ids where they enter, with a usage message (never a query, SQL or stack)", async () => {
    expect((await runCli(["migrate"], env)).code).toBe(0)
    const badProject = await runCli(["keys", "list", "--project", "not-a-uuid"], env)
    expect(badProject.code).toBe(2)
    expect(badProject.stderr).toContain("--project must be a project id (a UUID)")
    const badKey = await runCli(["keys", "revoke", "--project", "00000000-0000-4000-8000-000000000000", "key'; drop"], env)
    expect(badKey.code).toBe(2)
    expect(badKey.stderr).toContain("the key id must be a UUID")
    for (const r of [badProject, badKey]) {
      expect(r.stderr).not.toMatch(/select|invalid input syntax|\n\s+at /i)
    }
  })

  it("Ctrl-C during a command exits 130 after closing the database, which stays usable", async () => {
    const interruptedEnv = { NOTIFLOWS_DATA_DIR: join(dir, "interrupted") }
    const child = spawn(process.execPath, [MAIN, "project", "create", "--name", "Interrupted"], {
      env: { PATH: process.env["PATH"] ?? "", ...interruptedEnv },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    // The signal handlers are installed before the storage layer opens, and the layer takes the
    // directory's lock file before opening and migrating PGlite (seconds): signalling once the
    // lock file exists lands mid-command on a busy machine and on an idle one alike.
    const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))
    const lock = join(dir, "interrupted", ".notiflows.lock")
    let running = true
    void exited.then(() => (running = false))
    while (running && !existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 10))
    child.kill("SIGINT")
    const code = await exited
    expect(code, stderr).toBe(130)
    const listed = await runCli(["project", "list"], interruptedEnv)
    expect(listed.code, listed.stderr).toBe(0)
    // Whether it landed before or after the write, the project is whole: never one without keys.
    for (const p of json(listed.stdout) as Array<{ id: string }>) {
      const keys = await runCli(["keys", "list", "--project", p.id], interruptedEnv)
      expect(json(keys.stdout)).toHaveLength(2)
    }
  })

  it("imports categories and memberships (MODEL.md §1), refuses bad entries with exit code 2, and the service shows them", async () => {
    writeFileSync(join(dir, "categories.json"), JSON.stringify([{ id: "marketing", name: "Marketing", default_channel_types: { sms: false } }]))
    const cats = await runCli(["categories", "import", join(dir, "categories.json")], env)
    expect(cats.code).toBe(0)
    expect(json(cats.stdout)).toEqual({ imported: 1, created: 1, updated: 0 })
    writeFileSync(
      join(dir, "catalog.json"),
      JSON.stringify({
        categories: [{ id: "product", name: "Product news" }],
        notiflows: [{ id: "newsletter", name: "Newsletter", categories: ["product", "marketing"] }]
      })
    )
    const both = await runCli(["notiflows", "import", join(dir, "catalog.json")], env)
    expect(both.code).toBe(0)
    expect(json(both.stdout)).toEqual({ imported: 1, created: 1, updated: 0, categories: { imported: 1, created: 1, updated: 0 } })

    writeFileSync(join(dir, "unknown.json"), JSON.stringify([{ id: "digest", name: "Digest", categories: ["nope"] }]))
    const unknown = await runCli(["notiflows", "import", join(dir, "unknown.json")], env)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("categories.0")
    writeFileSync(join(dir, "badid.json"), JSON.stringify({ categories: [{ id: "__proto__", name: "x" }] }))
    const badId = await runCli(["categories", "import", join(dir, "badid.json")], env)
    expect(badId.code).toBe(2)
    expect(badId.stderr).toContain("valid category id")
    writeFileSync(join(dir, "required.json"), JSON.stringify([{ id: "ops", name: "Ops", required: true }]))
    const required = await runCli(["categories", "import", join(dir, "required.json")], env)
    expect(required.code).toBe(2)
    expect(required.stderr).toContain("required")

    const project = json((await runCli(["keys", "create", "--kind", "secret"], env)).stdout)
    const service = await startService(env)
    try {
      const api = client(service.url, { "x-notiflows-secret-key": project.key })
      expect((await api.get("/admin/categories")).body.items.map((c: { id: string }) => c.id)).toEqual(["marketing", "product"])
      expect((await api.get("/admin/notiflows/newsletter")).body.categories).toEqual(["product", "marketing"])
      expect((await api.get("/admin/notiflows/digest")).status).toBe(404)
    } finally {
      expect(await service.stop()).toBe(0)
    }
  })
})
