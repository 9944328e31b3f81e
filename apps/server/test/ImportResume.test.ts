/**
 * `notiflows-prefs import` as a real process (BULK.md §2.2): SIGINT mid-run finishes the lines in
 * flight, keeps the checkpoint and prints the summary (exit 130); `--resume` continues with the
 * same run id and counts and ends with the same database as an uninterrupted run (export bytes,
 * ledger entries, versions, events), on PostgreSQL and on PGlite. A checkpoint without
 * `--resume`, or of another file, is exit 2.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import postgres from "postgres"
import * as Effect from "effect/Effect"
import { afterAll, describe, expect, it } from "vitest"
import { DrizzleDatabase, layerPglite } from "@notiflows/adapters-drizzle"
import { MAIN, postgresAvailable, runCli, throwawayDatabase } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "notiflows-resume-"))
const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const c of cleanups) await c()
  rmSync(dir, { recursive: true, force: true })
})

// Enough lines that the first checkpoint (every 1,000 lines) comes long before the end, so the
// SIGINT lands mid-run on both drivers, with two bad lines (17 and 5,016). 12,000 lines made the
// PGlite case 80 s of CI (2026-12-01).
const LINES = 6_000
const isBad = (i: number) => i % 4999 === 17
const BAD = Array.from({ length: LINES }, (_, i) => i).filter(isBad).length
const file = join(dir, "users.ndjson")
writeFileSync(
  file,
  Array.from({ length: LINES }, (_, i) => {
    if (isBad(i)) return '{"external_id": "broken"' // bad lines: counted once, reported once
    const id = `user_${String(i).padStart(6, "0")}`
    return JSON.stringify({
      external_id: id,
      ...(i % 3 === 0 ? { email: `${id}@example.com` } : {}),
      custom_fields: { n: i, tier: i % 2 === 0 ? "pro" : "free" },
      preferences: { channel_types: { sms: i % 2 === 0 }, notiflows: { [`flow_${i % 7}`]: { enabled: false } } },
      ...(i % 5 === 0 ? { tenants: { acme: { channel_types: { email: false } } } } : {})
    })
  }).join("\n") + "\n"
)

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!)

/** Runs `import` and sends SIGINT once its first checkpoint is on disk. */
const interruptedImport = (args: ReadonlyArray<string>, env: Record<string, string>, checkpoint: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, "import", ...args], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const poll = setInterval(() => {
      if (existsSync(checkpoint)) {
        clearInterval(poll)
        child.kill("SIGINT")
      }
    }, 20)
    child.once("error", reject)
    child.once("exit", (code) => {
      clearInterval(poll)
      resolve({ code, stdout, stderr })
    })
  })

/** The stored state an import leaves, by an independent read path (raw SQL). */
const stateOf = async (query: (text: string) => Promise<ReadonlyArray<Record<string, unknown>>>) => {
  const sets = await query(`select u.external_id, s.version from users u join preference_sets s using (project_id) where s.user_id = u.id order by u.external_id collate "C"`)
  const [ledger] = await query(`select count(*)::int as n, count(distinct request_id)::int as runs from preference_history`)
  const [tenants] = await query(`select count(*)::int as n, sum(version)::int as versions from tenant_preference_history`)
  // The outbox: one user.created per user, one preferences.updated per ledger entry (EVENTS.md Decision 5).
  const events = await query(`select type, count(*)::int as n from events group by type order by type`)
  return {
    sets: sets.map((r) => `${r["external_id"]}:${r["version"]}`),
    ledger: ledger!["n"],
    runs: ledger!["runs"],
    tenants: { n: tenants!["n"], versions: tenants!["versions"] },
    events: events.map((r) => `${r["type"]}:${r["n"]}`)
  }
}

/** Where a run keeps its data: a throwaway PostgreSQL database, or a PGlite data directory. */
interface Target {
  readonly env: Record<string, string>
  readonly state: () => Promise<Awaited<ReturnType<typeof stateOf>>>
}

const postgresTarget = async (): Promise<Target> => {
  const db = await throwawayDatabase()
  cleanups.push(db.drop)
  return {
    env: { DATABASE_URL: db.url },
    state: async () => {
      const sql = postgres(db.url, { max: 1, onnotice: () => {} })
      try {
        return await stateOf((text) => sql.unsafe(text))
      } finally {
        await sql.end({ timeout: 1 })
      }
    }
  }
}

const pgliteTarget = async (): Promise<Target> => {
  const data = mkdtempSync(join(dir, "pglite-"))
  return {
    env: { NOTIFLOWS_DATA_DIR: data },
    // Opened only after the CLI exited (a data directory belongs to one process).
    state: () => Effect.runPromise(Effect.scoped(Effect.flatMap(DrizzleDatabase, (d) => Effect.promise(() => stateOf((text) => d.query(text)))).pipe(Effect.provide(layerPglite(data)))))
  }
}

const available = await postgresAvailable()

const cases = [
  { name: "PostgreSQL", skip: !available, open: postgresTarget },
  { name: "PGlite", skip: false, open: pgliteTarget }
] as const

describe.each(cases)("import interrupted and resumed ($name, real processes)", ({ skip, open }) => {
  it.skipIf(skip)("ends with the same database as an uninterrupted run", { timeout: 600_000 }, async () => {
    const straight = await open()
    const resumed = await open()
    for (const t of [straight, resumed]) expect((await runCli(["project", "create", "--name", "Import"], t.env)).code).toBe(0)

    const reference = await runCli(["import", "--checkpoint", join(dir, `straight-${Math.random().toString(36).slice(2)}.checkpoint`), file], straight.env)
    expect(reference.code).toBe(3)
    const expected = summaryOf(reference.stdout)
    expect(expected).toMatchObject({ lines: LINES, created: LINES - BAD, skipped: BAD, interrupted: false })

    const checkpoint = join(dir, `resumed-${Math.random().toString(36).slice(2)}.checkpoint`)
    const env = resumed.env
    const first = await interruptedImport(["--checkpoint", checkpoint, file], env, checkpoint)
    expect(first.code, first.stderr).toBe(130)
    const partial = summaryOf(first.stdout)
    expect(partial.interrupted).toBe(true)
    expect(partial.lines).toBeLessThan(LINES)
    const saved = JSON.parse(readFileSync(checkpoint, "utf8"))
    expect(saved).toMatchObject({ run_id: partial.run_id, counts: { lines: partial.lines } })

    // A checkpoint is never ignored: without --resume, or for another file, the run is refused.
    const refused = await runCli(["import", "--checkpoint", checkpoint, file], env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("--resume")
    const other = join(dir, "other.ndjson")
    writeFileSync(other, '{"external_id":"x"}\n')
    expect((await runCli(["import", "--resume", "--checkpoint", checkpoint, other], env)).code).toBe(2)

    const rest = await runCli(["import", "--resume", "--checkpoint", checkpoint, file], env)
    expect(rest.code, rest.stderr).toBe(3)
    const final = summaryOf(rest.stdout)
    const { seconds: _a, run_id: _b, ...counts } = expected
    expect(final).toMatchObject({ ...counts, run_id: partial.run_id })
    expect(existsSync(checkpoint)).toBe(false)
    // Bad lines reported once over both runs.
    expect(`${first.stderr}${rest.stderr}`.match(/^line \d+: /gm)).toHaveLength(BAD)

    const a = await runCli(["export"], straight.env)
    const b = await runCli(["export"], env)
    expect(a.stdout.split("\n")).toHaveLength(LINES - BAD + 1)
    expect(b.stdout).toBe(a.stdout)
    const [sa, sb] = [await straight.state(), await resumed.state()]
    expect(sb).toEqual({ ...sa, runs: 1 })
    expect(sa.runs).toBe(1)
    expect(sa.events).toContain(`user.created:${LINES - BAD}`)
  })
})
