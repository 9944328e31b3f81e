#!/usr/bin/env node
/**
 * `pnpm --filter @notiflows/server bench:import` (after `pnpm build`): `notiflows-prefs import` and
 * `export` on PostgreSQL, as real processes, at 100,000 lines and at BENCH_IMPORT_LINES (default
 * 1,000,000) generated lines (profiles, custom fields, global sets, a tenant set on every fifth
 * user). Reports lines/s and the peak RSS of the import (VmHWM of the process), export lines/s,
 * and checks export → import → export on the large run (identical bytes).
 *
 *   BENCH_IMPORT_LINES   lines of the large run (default 1000000; 0 runs only 100,000)
 *   DATABASE_URL         the server to create throwaway databases on (default postgres://postgres@127.0.0.1:5432/test)
 *
 * Targets (issue 14): import ≥ 5,000 lines/s, peak RSS < 256 MiB and the same at 100,000 lines;
 * export ≥ 20,000 lines/s. Run on a quiet machine: the figures are meaningless under load (the
 * load average is printed with them).
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import postgres from "postgres"

const here = path.dirname(fileURLToPath(import.meta.url))
const mainJs = path.join(here, "../dist/main.js")
const baseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const large = Number(process.env.BENCH_IMPORT_LINES ?? 1_000_000)
const sizes = [...new Set([100_000, ...(large > 0 ? [large] : [])])]
const work = fs.mkdtempSync(path.join(os.tmpdir(), "notiflows-bench-import-"))

/** Writes `n` lines, streamed (the generator holds one line at a time). */
const generate = async (file, n) => {
  const out = fs.createWriteStream(file)
  for (let i = 0; i < n; i++) {
    const id = `user_${String(i).padStart(8, "0")}`
    const line = JSON.stringify({
      external_id: id,
      ...(i % 2 === 0 ? { email: `${id}@example.com`, first_name: "Ada", last_name: "Lovelace" } : {}),
      ...(i % 3 === 0 ? { locale: "fr-FR", timezone: "Europe/Paris" } : {}),
      custom_fields: { plan: i % 4 === 0 ? "pro" : "free", seats: i % 50 },
      preferences: { channel_types: { sms: i % 2 === 0 }, notiflows: { [`flow_${i % 20}`]: { enabled: false, channel_types: { email: i % 3 === 0 } } } },
      ...(i % 5 === 0 ? { tenants: { [`tenant_${i % 7}`]: { channel_types: { chat: false } } } } : {})
    })
    if (!out.write(`${line}\n`)) await once(out, "drain")
  }
  out.end()
  await once(out, "finish")
}

/** Runs the CLI; answers its exit code, output, wall seconds and peak RSS (MiB, VmHWM polled). */
const run = (args, env, stdoutFile) =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, [mainJs, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", stdoutFile === undefined ? "pipe" : fs.openSync(stdoutFile, "w"), "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    let peakKb = 0
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
    }, 100)
    child.once("error", reject)
    child.once("exit", (code) => {
      clearInterval(poll)
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakMiB: Math.round(peakKb / 1024) })
    })
  })

const admin = postgres(baseUrl, { max: 1, onnotice: () => {} })
const databases = []
const newDatabase = async () => {
  const name = `notiflows_bench_import_${randomBytes(5).toString("hex")}`
  await admin.unsafe(`create database ${name}`)
  databases.push(name)
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

const results = []
try {
  for (const n of sizes) {
    const file = path.join(work, `users-${n}.ndjson`)
    await generate(file, n)
    const url = await newDatabase()
    const env = { DATABASE_URL: url }
    const created = await run(["project", "create", "--name", "Bench"], env)
    if (created.code !== 0) throw new Error(`project create failed: ${created.stderr}`)
    const load = os.loadavg()[0].toFixed(1)
    const imported = await run(["import", "--quiet", file], env)
    if (imported.code !== 0) throw new Error(`import exited ${imported.code}: ${imported.stderr.slice(0, 2000)}`)
    const exportFile = path.join(work, `export-${n}.ndjson`)
    const exported = await run(["export", "--quiet", "--out", exportFile], env)
    if (exported.code !== 0) throw new Error(`export exited ${exported.code}: ${exported.stderr.slice(0, 2000)}`)
    const row = {
      lines: n,
      load_average_at_start: Number(load),
      import_seconds: Number(imported.seconds.toFixed(1)),
      import_lines_per_s: Math.round(n / imported.seconds),
      import_peak_rss_mib: imported.peakMiB,
      export_seconds: Number(exported.seconds.toFixed(1)),
      export_lines_per_s: Math.round(n / exported.seconds),
      export_peak_rss_mib: exported.peakMiB
    }
    if (n === sizes.at(-1)) {
      // The round trip at full size: the export imported into an empty database exports the same bytes.
      const url2 = await newDatabase()
      await run(["project", "create", "--name", "Bench"], { DATABASE_URL: url2 })
      const again = await run(["import", "--quiet", exportFile], { DATABASE_URL: url2 })
      const second = path.join(work, `export-${n}-b.ndjson`)
      await run(["export", "--quiet", "--out", second], { DATABASE_URL: url2 })
      row.round_trip_identical = again.code === 0 && fs.readFileSync(exportFile).equals(fs.readFileSync(second))
    }
    results.push(row)
    console.log(JSON.stringify(row))
    fs.rmSync(file, { force: true })
  }
} finally {
  for (const name of databases) await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {})
  await admin.end({ timeout: 5 })
  fs.rmSync(work, { recursive: true, force: true })
}

const stamp = new Date().toISOString().replace(/:/g, "-").replace(/\.\d+Z$/, "Z")
const md = [
  `# Import/export benchmark ${stamp}`,
  "",
  `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, PostgreSQL at ${new URL(baseUrl).host}. Targets: import ≥ 5,000 lines/s and peak RSS < 256 MiB (same at 100,000), export ≥ 20,000 lines/s.`,
  "",
  "| lines | load avg at start | import lines/s | import peak RSS | export lines/s | export peak RSS | round trip |",
  "|---|---|---|---|---|---|---|",
  ...results.map(
    (r) =>
      `| ${r.lines.toLocaleString("en-US")} | ${r.load_average_at_start} | ${r.import_lines_per_s.toLocaleString("en-US")} (${r.import_seconds} s) | ${r.import_peak_rss_mib} MiB | ${r.export_lines_per_s.toLocaleString("en-US")} (${r.export_seconds} s) | ${r.export_peak_rss_mib} MiB | ${r.round_trip_identical === undefined ? "" : r.round_trip_identical ? "identical" : "DIFFERENT"} |`
  ),
  ""
].join("\n")
fs.mkdirSync(path.join(here, "results"), { recursive: true })
fs.writeFileSync(path.join(here, "results", `import-${stamp}.md`), md)
console.log(md)
