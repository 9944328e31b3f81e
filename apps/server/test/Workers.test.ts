/**
 * `serve --workers N` (issue 16) as real processes on PostgreSQL: the primary migrates and
 * ensures the project once (one banner, one project), every worker answers on the one port, a
 * worker killed with SIGKILL is replaced while the others keep serving, `/metrics` sums every
 * worker (and passes `promtool check metrics`), SIGTERM drains a request in flight and stops all
 * workers with exit 0. PGlite refuses more than one worker, naming the variables.
 */
import { spawnSync } from "node:child_process"
import * as net from "node:net"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Service } from "./support.js"
import { client, postgresAvailable, randomKey, runCli, startService, throwawayDatabase } from "./support.js"

const available = await postgresAvailable()
const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0
const inCi = process.env["CI"] === "true"

/** Worker pids from the workers' "worker listening" lines. */
const workerPids = (service: Service): Array<number> =>
  [...service.stdout().matchAll(/"pid":(\d+)[^\n]*"msg":"worker listening"/g)].map((m) => Number(m[1]))

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** GET on a fresh connection each time (the primary hands connections to workers round-robin). */
const getFresh = (url: string, sk: string) => fetch(url, { headers: { "x-notiflows-secret-key": sk, connection: "close" } })

/** The sum of a metric's samples whose labels contain `labels`. */
const sample = (text: string, name: string, labels = ""): number =>
  text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0)

describe.skipIf(!available)("serve --workers 2 on PostgreSQL", () => {
  let db: { url: string; drop: () => Promise<void> }
  let service: Service
  let sk: string

  beforeAll(async () => {
    db = await throwawayDatabase()
    // No keys in the environment: the primary creates the default project and prints its keys once.
    service = await startService({ DATABASE_URL: db.url, NOTIFLOWS_WORKERS: "2", DATABASE_POOL_SIZE: "3" }, 120_000)
    sk = /secret key: (sk_[A-Za-z0-9]+)/.exec(service.stdout())?.[1] ?? ""
  }, 180_000)

  afterAll(async () => {
    if (service !== undefined && service.child.exitCode === null) await service.stop("SIGKILL")
    await db?.drop()
  })

  it("bootstraps once: one banner, one project, both workers listening", async () => {
    expect(sk).toMatch(/^sk_/)
    expect(service.stdout().match(/Its keys are shown only now/g)).toHaveLength(1)
    await until("two workers", () => workerPids(service).length === 2)
    const sql = postgres(db.url, { max: 1, onnotice: () => {} })
    try {
      expect((await sql`select count(*)::int as n from projects`)[0]!.n).toBe(1)
    } finally {
      await sql.end({ timeout: 5 })
    }
  })

  it("both workers answer, and /metrics sums them (and passes promtool)", async () => {
    const api = client(service.url, { "x-notiflows-secret-key": sk })
    expect((await api.put("/admin/users/w-user", {})).status).toBe(201)
    const before = await (await fetch(`${service.url}/metrics`)).text()
    const count = (text: string) => sample(text, "notiflows_http_request_duration_seconds_count", 'method="GET",route="/admin/users/{user_id}"')
    const n = 24
    for (let i = 0; i < n; i++) expect((await getFresh(`${service.url}/admin/users/w-user`, sk)).status).toBe(200)
    await until("request lines of both workers", () => {
      const workers = new Set([...service.stdout().matchAll(/"worker":(\d+)[^\n]*"route":"GET \/admin\/users\/\{user_id\}"/g)].map((m) => m[1]))
      return workers.size === 2
    })
    const text = await (await fetch(`${service.url}/metrics`)).text()
    expect(count(text) - count(before)).toBe(n)
    expect(sample(text, "notiflows_db_pool_max_connections")).toBe(6)
    expect(sample(text, "notiflows_cluster_workers")).toBe(2)
    if (promtool || inCi) {
      const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
      expect(`${result.stdout}${result.stderr}`).toBe("")
      expect(result.status).toBe(0)
    }
  })

  it("a worker killed with SIGKILL is replaced; the service keeps answering", async () => {
    const [victim] = workerPids(service)
    expect(victim).toBeDefined()
    process.kill(victim!, "SIGKILL")
    await until("the replacement", () => /"msg":"replacement worker listening"/.test(service.stdout()))
    await until("a third worker pid", () => workerPids(service).length === 3)
    expect(alive(victim!)).toBe(false)
    for (let i = 0; i < 8; i++) expect((await getFresh(`${service.url}/admin/users/w-user`, sk)).status).toBe(200)
    const text = await (await fetch(`${service.url}/metrics`)).text()
    expect(sample(text, "notiflows_cluster_worker_restarts_total")).toBe(1)
    expect(sample(text, "notiflows_cluster_workers")).toBe(2)
  })

  it("SIGTERM drains a request in flight on a worker, stops every worker and exits 0", async () => {
    const port = Number(new URL(service.url).port)
    const body = JSON.stringify({ channel_types: { sms: false } })
    const socket = net.connect(port, "127.0.0.1")
    let answer = ""
    socket.on("data", (d: Buffer) => (answer += d.toString("utf8")))
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()))
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
    socket.write(
      `PUT /admin/users/w-user/preferences HTTP/1.1\r\nHost: x\r\nx-notiflows-secret-key: ${sk}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`
    )
    await new Promise((r) => setTimeout(r, 500)) // a worker has read the head
    const pids = workerPids(service).filter(alive)
    const exited = service.stop("SIGTERM")
    await until("the shutdown to reach the workers", () => (service.stdout().match(/"msg":"shutting down"/g) ?? []).length >= 2)
    socket.write(body.slice(5))
    await closed
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    expect(await exited).toBe(0)
    for (const pid of pids) expect(alive(pid)).toBe(false)
  })
})

describe("serve --workers on PGlite", () => {
  it("refuses more than one worker, naming NOTIFLOWS_WORKERS and DATABASE_URL (exit 2)", async () => {
    const refused = await runCli(["serve", "--workers", "2"], { NOTIFLOWS_DATA_DIR: "memory://", PORT: "0" })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("NOTIFLOWS_WORKERS (--workers) is 2")
    expect(refused.stderr).toContain("DATABASE_URL")
    const bad = await runCli(["serve", "--workers=many"], { NOTIFLOWS_DATA_DIR: "memory://", PORT: "0", NOTIFLOWS_SECRET_KEY: randomKey("sk") })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('NOTIFLOWS_WORKERS must be a whole number from 1 to 64, got "many"')
  })
})
