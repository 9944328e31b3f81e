/**
 * Runs the built service as a real process for end-to-end tests.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import postgres from "postgres"

export const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url))

export const randomKey = (prefix: "pk" | "sk"): string =>
  `${prefix}_${randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 30)}`

export interface Service {
  readonly url: string
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Sends a signal and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Starts `notiflows-prefs serve` on a free port and waits until it listens. */
export const startService = (env: Record<string, string>, timeoutMs = 60_000): Promise<Service> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, "serve"], {
      env: { PATH: process.env["PATH"] ?? "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    let listening = false
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`service did not start in time:\n${out}\n${err}`))
    }, timeoutMs)
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (match?.[1] !== undefined && !listening) {
        listening = true
        clearTimeout(timer)
        resolve({
          url: match[1],
          child,
          stdout: () => out,
          stderr: () => err,
          stop: (signal = "SIGTERM") => {
            child.kill(signal)
            return exited
          }
        })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      if (!listening) reject(new Error(`service exited with ${code} before listening:\n${out}\n${err}`))
    })
  })

/** Runs the CLI to completion. */
export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
  })

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"

const databaseUrl = (): string => process.env["DATABASE_URL"] ?? DEFAULT_DATABASE_URL

/**
 * Whether the PostgreSQL server answers. Probe once per file at the top level and pass the
 * answer to `it.skipIf`/`describe.skipIf`: outside CI an unreachable server reports those cases
 * as skipped; in CI (`CI=true`) it rejects, so the file fails.
 */
export const postgresAvailable = async (): Promise<boolean> => {
  const base = databaseUrl()
  const admin = postgres(base, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await admin`select 1`
    return true
  } catch (error) {
    if (process.env["CI"] === "true") throw new Error(`PostgreSQL at ${base} is unreachable in CI (CI=true): ${String(error)}`)
    return false
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {})
  }
}

/** A throwaway PostgreSQL database for this run (check {@link postgresAvailable} first). */
export const throwawayDatabase = async (): Promise<{ url: string; drop: () => Promise<void> }> => {
  const base = databaseUrl()
  const admin = postgres(base, { max: 1, connect_timeout: 5, onnotice: () => {} })
  const name = `notiflows_e2e_${randomBytes(6).toString("hex")}`
  try {
    await admin.unsafe(`create database ${name}`)
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => {})
    throw error
  }
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end({ timeout: 5 })
    }
  }
}

export interface JsonResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

export interface JsonClient {
  readonly get: (path: string, extra?: Record<string, string>) => Promise<JsonResponse>
  readonly put: (path: string, body: unknown, extra?: Record<string, string>) => Promise<JsonResponse>
  readonly post: (path: string, body: unknown, extra?: Record<string, string>) => Promise<JsonResponse>
  readonly del: (path: string, extra?: Record<string, string>) => Promise<JsonResponse>
}

/** A small JSON HTTP client. */
export const client = (base: string, headers: Record<string, string>): JsonClient => {
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<JsonResponse> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...extra },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined }
  }
  return {
    get: (path: string, extra?: Record<string, string>) => call("GET", path, undefined, extra),
    put: (path: string, body: unknown, extra?: Record<string, string>) => call("PUT", path, body, extra),
    post: (path: string, body: unknown, extra?: Record<string, string>) => call("POST", path, body, extra),
    del: (path: string, extra?: Record<string, string>) => call("DELETE", path, undefined, extra)
  }
}

/** A key in every form a log could carry it: itself and its SHA-256 (hex as stored, base64, base64url). */
export const keyForms = (key: string): ReadonlyArray<string> => {
  const digest = createHash("sha256").update(key, "utf8").digest()
  return [key, digest.toString("hex"), digest.toString("base64"), digest.toString("base64url")]
}

/**
 * Fails when the process' output (logs on stdout, messages on stderr) carries any of `secrets`
 * (keys in every form, request values sent), SQL or a stack trace of an unavailable database.
 */
export const expectCleanLogs = (output: string, secrets: ReadonlyArray<string>, what: string): void => {
  for (const s of secrets) {
    if (output.includes(s)) throw new Error(`${what}: the logs carry ${JSON.stringify(s.slice(0, 40))}:\n${output.split("\n").find((l) => l.includes(s))?.slice(0, 600)}`)
  }
  const sql = /\b(select|insert into|update \S+ set|delete from)\b|params:/i.exec(output)
  if (sql !== null) throw new Error(`${what}: the logs carry SQL: ${output.slice(Math.max(0, sql.index - 200), sql.index + 200)}`)
}
