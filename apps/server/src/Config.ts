/**
 * Configuration from the environment, validated once at start with a clear message.
 */
import type { RateLimitRules } from "@notiflows/http-express"
import { parseRateRule } from "@notiflows/http-express"

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"

export interface Config {
  readonly port: number
  readonly host: string
  /** PostgreSQL URL; when absent the service runs on embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined
  readonly databasePrepare: boolean
  readonly databasePoolSize: number
  /**
   * PostgreSQL outage handling (ms). `DATABASE_TIMEOUT_MS` (default 4000): bound of every
   * repository operation, past it the request answers 503 `service_unavailable`;
   * `DATABASE_CONNECT_TIMEOUT_MS` (default 3000, at most 3000 so a blackholed server fails a
   * request within 5 s): TCP connect to ready; `DATABASE_IDLE_TIMEOUT_MS` (default 30000, 0
   * never) and `DATABASE_MAX_LIFETIME_MS` (default 900000, 0 never): connections are recycled;
   * `DATABASE_KEEPALIVE_MS` (default 10000, 0 off): TCP keepalive;
   * `DATABASE_RECONNECT_BACKOFF_MAX_MS` (default 1000): longest wait between reconnect attempts,
   * so the service is back within about a second of the database.
   */
  readonly databaseTimeouts: {
    readonly operationMs: number
    readonly connectMs: number
    readonly idleMs: number
    readonly maxLifetimeMs: number
    readonly keepAliveMs: number
    readonly reconnectBackoffMaxMs: number
  }
  readonly dataDir: string
  readonly publicKey: string | undefined
  readonly secretKey: string | undefined
  readonly userSigningPublicKey: string | undefined
  readonly securityMode: "on" | "off"
  readonly logLevel: LogLevel
  /** Shared rate-limit counters; in-process counters when absent. */
  readonly redisUrl: string | undefined
  /** Overrides of the default limits (API.md §6). */
  readonly rateLimits: Partial<RateLimitRules>
}

/** A configuration problem, naming the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyArray<string>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`)
    this.name = "ConfigError"
  }
}

const LOG_LEVELS: ReadonlyArray<LogLevel> = ["fatal", "error", "warn", "info", "debug", "trace", "silent"]
const KEY = (prefix: string) => new RegExp(`^${prefix}_[A-Za-z0-9]{22,128}$`)

/** Reads and validates the configuration; throws {@link ConfigError} listing every problem. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const problems: Array<string> = []
  const text = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === "" ? undefined : v.trim()
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
      return fallback
    }
    return n
  }
  const oneOf = <T extends string>(name: string, values: ReadonlyArray<T>, fallback: T): T => {
    const raw = text(name)
    if (raw === undefined) return fallback
    if (!(values as ReadonlyArray<string>).includes(raw)) {
      problems.push(`${name} must be one of ${values.join(", ")}, got "${raw}"`)
      return fallback
    }
    return raw as T
  }

  const databaseUrl = text("DATABASE_URL")
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL must be a postgres:// or postgresql:// URL")
  }
  const publicKey = text("NOTIFLOWS_PUBLIC_KEY")
  const secretKey = text("NOTIFLOWS_SECRET_KEY")
  if (publicKey !== undefined && !KEY("pk").test(publicKey)) problems.push("NOTIFLOWS_PUBLIC_KEY must look like pk_ followed by 22-128 letters or digits")
  if (secretKey !== undefined && !KEY("sk").test(secretKey)) problems.push("NOTIFLOWS_SECRET_KEY must look like sk_ followed by 22-128 letters or digits")
  if ((publicKey === undefined) !== (secretKey === undefined)) {
    problems.push("NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY must be set together")
  }
  const signingKey = text("NOTIFLOWS_USER_SIGNING_PUBLIC_KEY")?.replace(/\\n/g, "\n")
  if (signingKey !== undefined && !signingKey.includes("-----BEGIN PUBLIC KEY-----")) {
    problems.push("NOTIFLOWS_USER_SIGNING_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
  }
  if (signingKey !== undefined && secretKey === undefined) {
    problems.push("NOTIFLOWS_USER_SIGNING_PUBLIC_KEY needs NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY (it belongs to that project)")
  }
  const prepare = oneOf("DATABASE_PREPARE", ["true", "false"], "true")
  const redisUrl = text("REDIS_URL")
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) problems.push("REDIS_URL must be a redis:// or rediss:// URL")
  const rateLimits: { -readonly [K in keyof RateLimitRules]?: RateLimitRules[K] } = {}
  const RATE_VARIABLES: ReadonlyArray<readonly [string, keyof RateLimitRules]> = [
    ["NOTIFLOWS_RATE_LIMIT_ADMIN", "admin"],
    ["NOTIFLOWS_RATE_LIMIT_USER", "user"],
    ["NOTIFLOWS_RATE_LIMIT_USER_PROJECT", "userProject"],
    ["NOTIFLOWS_RATE_LIMIT_AUTH_FAILURES", "authFailures"]
  ]
  for (const [name, rule] of RATE_VARIABLES) {
    const raw = text(name)
    if (raw === undefined) continue
    try {
      rateLimits[rule] = parseRateRule(raw)
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`)
    }
  }

  const config: Config = {
    port: int("PORT", 3000, 0, 65535),
    host: text("HOST") ?? "127.0.0.1",
    databaseUrl,
    databasePrepare: prepare === "true",
    databasePoolSize: int("DATABASE_POOL_SIZE", 10, 1, 1000),
    databaseTimeouts: {
      operationMs: int("DATABASE_TIMEOUT_MS", 4_000, 50, 60_000),
      connectMs: int("DATABASE_CONNECT_TIMEOUT_MS", 3_000, 50, 3_000),
      idleMs: int("DATABASE_IDLE_TIMEOUT_MS", 30_000, 0, 86_400_000),
      maxLifetimeMs: int("DATABASE_MAX_LIFETIME_MS", 900_000, 0, 86_400_000),
      keepAliveMs: int("DATABASE_KEEPALIVE_MS", 10_000, 0, 3_600_000),
      reconnectBackoffMaxMs: int("DATABASE_RECONNECT_BACKOFF_MAX_MS", 1_000, 0, 60_000)
    },
    dataDir: text("NOTIFLOWS_DATA_DIR") ?? "./.notiflows/data",
    publicKey,
    secretKey,
    userSigningPublicKey: signingKey,
    securityMode: oneOf("NOTIFLOWS_SECURITY_MODE", ["on", "off"], "on"),
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    redisUrl,
    rateLimits
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}
