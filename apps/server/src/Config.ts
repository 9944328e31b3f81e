/**
 * Configuration from the environment through effect's `Config`: every variable read and validated
 * once at start, every problem reported together, each message naming its variable.
 */
import * as C from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { RateLimitRules } from "@notiflows/http-express"
import type { PublicUrl } from "@notiflows/http-express"
import { defaultPublicUrl, parsePublicUrl, parseRateRule } from "@notiflows/http-express"

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"

export interface DatabaseTimeouts {
  readonly operationMs: number
  readonly connectMs: number
  readonly idleMs: number
  readonly maxLifetimeMs: number
  readonly keepAliveMs: number
  readonly reconnectBackoffMaxMs: number
}

export interface AppConfig {
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
  readonly databaseTimeouts: DatabaseTimeouts
  readonly dataDir: string
  /** PGlite's `shared_buffers` in MiB; 0 = leave the data directory's setting (PGlite's 128 MB unless set before). */
  readonly pgliteSharedBuffersMb: number
  readonly publicKey: string | undefined
  readonly secretKey: string | undefined
  readonly userSigningPublicKey: string | undefined
  readonly securityMode: "on" | "off"
  readonly logLevel: LogLevel
  /** Shared rate-limit counters; in-process counters when absent. */
  readonly redisUrl: string | undefined
  /** Overrides of the default limits (API.md §6). */
  readonly rateLimits: Partial<RateLimitRules>
  /** Worker processes of `serve` (node:cluster); 1 = the single-process service. PostgreSQL only above 1. */
  readonly workers: number
  /** `NOTIFLOWS_PUBLIC_URL` (LINKS.md §2.3), normalized: where links point; default `http://{HOST}:{PORT}`. */
  readonly publicUrl: PublicUrl
  /** `NOTIFLOWS_TRUST_PROXY`: Express's `trust proxy` (unset: the socket address is the client's). */
  readonly trustProxy: boolean | number | string
  /** `NOTIFLOWS_CONSENT_CONTEXT_DAYS` (EVENTS.md §1, default 1095): ledger contexts older than this are nulled; 0 = none kept. */
  readonly consentContextDays: number
  /** `NOTIFLOWS_EVENT_RETENTION_DAYS` (EVENTS.md §3, default 30, 1–365): feed events older than this are removed. */
  readonly eventRetentionDays: number
  /** `NOTIFLOWS_JOB_RETENTION_DAYS` (BULK.md §1.2, default 7, 1–365): bulk jobs are kept this long after they end. */
  readonly jobRetentionDays: number
  /** `NOTIFLOWS_JOB_CLAIM_SECONDS` (default 15, 1–300): a job's claim; a dead instance's job is taken over within twice this. */
  readonly jobClaimSeconds: number
  /** Webhook delivery (EVENTS.md §4.3, §4.4). */
  readonly webhooks: WebhookSettings
}

/** `NOTIFLOWS_WEBHOOK_*`. */
export interface WebhookSettings {
  /** `NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE` (default false): `http:` and any address allowed (development, tests). */
  readonly allowPrivate: boolean
  /** `NOTIFLOWS_WEBHOOK_TIME_SCALE` (default 1, > 0 and ≤ 1): multiplies retry delays, `Retry-After` and the disabling window. */
  readonly timeScale: number
  /** `NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS` (default 10, 1–60): one attempt in all, DNS to last byte. */
  readonly timeoutSeconds: number
  /** `NOTIFLOWS_WEBHOOK_DISABLE_AFTER_DAYS` (default 5, 1–365): all attempts failing this long (from `failing_since`) disables an endpoint. */
  readonly disableAfterDays: number
}

/** The same as {@link AppConfig} (the name the other modules import). */
export type Config = AppConfig

/** The configuration of this process (see {@link layerAppConfig}). */
export class Configuration extends Context.Tag("@notiflows/server/Configuration")<Configuration, AppConfig>() {}

/** A configuration problem, naming the variable. */
export class InvalidConfig extends Error {
  readonly _tag = "InvalidConfig"
  constructor(readonly problems: ReadonlyArray<string>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`)
    this.name = "InvalidConfig"
  }
}

const LOG_LEVELS: ReadonlyArray<LogLevel> = ["fatal", "error", "warn", "info", "debug", "trace", "silent"]
const KEY = (prefix: string) => new RegExp(`^${prefix}_[A-Za-z0-9]{22,128}$`)
const invalid = (message: string) => Either.left(ConfigError.InvalidData([], message))

/** A variable, trimmed; unset and blank are both absent. */
const text = (name: string): C.Config<string | undefined> =>
  C.string(name).pipe(
    C.option,
    C.map((v) => Option.getOrUndefined(Option.filter(Option.map(v, (s) => s.trim()), (s) => s !== "")))
  )

/** A variable that must satisfy `ok` when set. */
const checked = (name: string, ok: (v: string) => boolean, message: string): C.Config<string | undefined> =>
  C.mapOrFail(text(name), (v) => (v === undefined || ok(v) ? Either.right(v) : invalid(message)))

const int = (name: string, fallback: number, min: number, max: number): C.Config<number> =>
  C.mapOrFail(text(name), (raw) => {
    if (raw === undefined) return Either.right(fallback)
    const n = Number(raw)
    return Number.isInteger(n) && n >= min && n <= max ? Either.right(n) : invalid(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`)
  })

const oneOf = <T extends string>(name: string, values: ReadonlyArray<T>, fallback: T): C.Config<T> =>
  C.mapOrFail(text(name), (raw) => {
    if (raw === undefined) return Either.right(fallback)
    return (values as ReadonlyArray<string>).includes(raw) ? Either.right(raw as T) : invalid(`${name} must be one of ${values.join(", ")}, got "${raw}"`)
  })

const rateRule = <K extends keyof RateLimitRules>(name: string): C.Config<RateLimitRules[K] | undefined> =>
  C.mapOrFail(text(name), (raw) => {
    if (raw === undefined) return Either.right(undefined)
    try {
      return Either.right(parseRateRule(raw) as RateLimitRules[K])
    } catch (error) {
      return invalid(`${name}: ${(error as Error).message}`)
    }
  })

const rateLimits: C.Config<Partial<RateLimitRules>> = C.map(
  C.all({
    admin: rateRule<"admin">("NOTIFLOWS_RATE_LIMIT_ADMIN"),
    user: rateRule<"user">("NOTIFLOWS_RATE_LIMIT_USER"),
    userProject: rateRule<"userProject">("NOTIFLOWS_RATE_LIMIT_USER_PROJECT"),
    authFailures: rateRule<"authFailures">("NOTIFLOWS_RATE_LIMIT_AUTH_FAILURES"),
    linkToken: rateRule<"linkToken">("NOTIFLOWS_RATE_LIMIT_LINK_TOKEN"),
    linkProject: rateRule<"linkProject">("NOTIFLOWS_RATE_LIMIT_LINK_PROJECT"),
    linkFailures: rateRule<"linkFailures">("NOTIFLOWS_RATE_LIMIT_LINK_FAILURES")
  }),
  (rules) => Object.fromEntries(Object.entries(rules).filter(([, v]) => v !== undefined)) as Partial<RateLimitRules>
)

const databaseTimeouts: C.Config<DatabaseTimeouts> = C.all({
  operationMs: int("DATABASE_TIMEOUT_MS", 4_000, 50, 60_000),
  connectMs: int("DATABASE_CONNECT_TIMEOUT_MS", 3_000, 50, 3_000),
  idleMs: int("DATABASE_IDLE_TIMEOUT_MS", 30_000, 0, 86_400_000),
  maxLifetimeMs: int("DATABASE_MAX_LIFETIME_MS", 900_000, 0, 86_400_000),
  keepAliveMs: int("DATABASE_KEEPALIVE_MS", 10_000, 0, 3_600_000),
  reconnectBackoffMaxMs: int("DATABASE_RECONNECT_BACKOFF_MAX_MS", 1_000, 0, 60_000)
})

const keys = C.all({
  publicKey: checked("NOTIFLOWS_PUBLIC_KEY", (v) => KEY("pk").test(v), "NOTIFLOWS_PUBLIC_KEY must look like pk_ followed by 22-128 letters or digits"),
  secretKey: checked("NOTIFLOWS_SECRET_KEY", (v) => KEY("sk").test(v), "NOTIFLOWS_SECRET_KEY must look like sk_ followed by 22-128 letters or digits"),
  userSigningPublicKey: C.map(
    checked("NOTIFLOWS_USER_SIGNING_PUBLIC_KEY", (v) => v.replace(/\\n/g, "\n").includes("-----BEGIN PUBLIC KEY-----"), "NOTIFLOWS_USER_SIGNING_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)"),
    (v) => v?.replace(/\\n/g, "\n")
  )
})

const PROXY_TOKEN = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/

/** `NOTIFLOWS_TRUST_PROXY`: `true`/`false`, a number of hops, or a comma-separated list of addresses, subnets or `loopback`/`linklocal`/`uniquelocal`. */
const trustProxy: C.Config<boolean | number | string> = C.mapOrFail(text("NOTIFLOWS_TRUST_PROXY"), (raw): Either.Either<boolean | number | string, ConfigError.ConfigError> => {
  if (raw === undefined || raw === "false") return Either.right(false)
  if (raw === "true") return Either.right(true)
  if (/^\d{1,2}$/.test(raw)) return Either.right(Number(raw))
  const tokens = raw.split(",").map((t) => t.trim())
  return tokens.every((t) => PROXY_TOKEN.test(t))
    ? Either.right(tokens.join(","))
    : invalid(`NOTIFLOWS_TRUST_PROXY must be true, false, a number of hops, or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal, got "${raw}"`)
})

const timeScale: C.Config<number> = C.mapOrFail(text("NOTIFLOWS_WEBHOOK_TIME_SCALE"), (raw) => {
  if (raw === undefined) return Either.right(1)
  const n = Number(raw)
  return /^[0-9.eE+-]+$/.test(raw) && Number.isFinite(n) && n > 0 && n <= 1
    ? Either.right(n)
    : invalid(`NOTIFLOWS_WEBHOOK_TIME_SCALE must be a number above 0 and at most 1, got "${raw}"`)
})

const webhookSettings: C.Config<WebhookSettings> = C.all({
  allowPrivate: C.map(oneOf("NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE", ["true", "false"], "false"), (v) => v === "true"),
  timeScale,
  timeoutSeconds: int("NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS", 10, 1, 60),
  disableAfterDays: int("NOTIFLOWS_WEBHOOK_DISABLE_AFTER_DAYS", 5, 1, 365)
})

/** Rules across variables (checked once each variable is valid on its own). */
const crossProblems = (c: C.Config.Success<typeof keys>): ReadonlyArray<string> => [
  ...((c.publicKey === undefined) !== (c.secretKey === undefined) ? ["NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY must be set together"] : []),
  ...(c.userSigningPublicKey !== undefined && c.secretKey === undefined
    ? ["NOTIFLOWS_USER_SIGNING_PUBLIC_KEY needs NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY (it belongs to that project)"]
    : [])
]

/** The most worker processes `serve --workers` starts. */
export const MAX_WORKERS = 64

/** Embedded PGlite has one connection, owned by the process that opened its data directory. */
const workerProblems = (workers: number, databaseUrl: string | undefined): ReadonlyArray<string> =>
  workers > 1 && databaseUrl === undefined
    ? [
        `NOTIFLOWS_WORKERS (--workers) is ${workers}, but several workers need PostgreSQL (DATABASE_URL): embedded PGlite has one connection, ` +
          "owned by the one process that opens its data directory. Set DATABASE_URL, or run one worker."
      ]
    : []

/** Every variable of the service, validated. */
export const appConfig: C.Config<AppConfig> = C.mapOrFail(
  C.all({
    port: int("PORT", 3000, 0, 65535),
    host: C.map(text("HOST"), (v) => v ?? "127.0.0.1"),
    databaseUrl: checked("DATABASE_URL", (v) => /^postgres(ql)?:\/\//.test(v), "DATABASE_URL must be a postgres:// or postgresql:// URL"),
    databasePrepare: C.map(oneOf("DATABASE_PREPARE", ["true", "false"], "true"), (v) => v === "true"),
    databasePoolSize: int("DATABASE_POOL_SIZE", 10, 1, 1000),
    databaseTimeouts,
    dataDir: C.map(text("NOTIFLOWS_DATA_DIR"), (v) => v ?? "./.notiflows/data"),
    pgliteSharedBuffersMb: int("NOTIFLOWS_PGLITE_SHARED_BUFFERS_MB", 16, 0, 4096),
    keys,
    securityMode: oneOf<"on" | "off">("NOTIFLOWS_SECURITY_MODE", ["on", "off"], "on"),
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    redisUrl: checked("REDIS_URL", (v) => /^rediss?:\/\//.test(v), "REDIS_URL must be a redis:// or rediss:// URL"),
    rateLimits,
    workers: int("NOTIFLOWS_WORKERS", 1, 1, MAX_WORKERS),
    publicUrl: text("NOTIFLOWS_PUBLIC_URL"),
    trustProxy,
    consentContextDays: int("NOTIFLOWS_CONSENT_CONTEXT_DAYS", 1095, 0, 36_500),
    eventRetentionDays: int("NOTIFLOWS_EVENT_RETENTION_DAYS", 30, 1, 365),
    jobRetentionDays: int("NOTIFLOWS_JOB_RETENTION_DAYS", 7, 1, 365),
    jobClaimSeconds: int("NOTIFLOWS_JOB_CLAIM_SECONDS", 15, 1, 300),
    webhooks: webhookSettings
  }),
  ({ keys: k, publicUrl: rawUrl, ...rest }) => {
    const url = parsePublicUrl(rawUrl ?? defaultPublicUrl(rest.host, rest.port))
    const problems = [
      ...crossProblems(k),
      ...workerProblems(rest.workers, rest.databaseUrl),
      ...(url.ok ? [] : [`NOTIFLOWS_PUBLIC_URL ${url.problem}${rawUrl === undefined ? " (the default built from HOST and PORT)" : ""}`])
    ]
    const [first, ...more] = problems.map((p) => ConfigError.InvalidData([], p))
    if (first !== undefined) return Either.left(more.reduce((all, e) => ConfigError.And(all, e), first))
    if (!url.ok) throw new Error("unreachable: an invalid URL is a problem above")
    return Either.right({ ...rest, ...k, publicUrl: url.value })
  }
)

/** Every message of a `ConfigError` (missing or invalid data, in the order read). */
const problemsOf = (error: ConfigError.ConfigError): ReadonlyArray<string> =>
  ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, l: ReadonlyArray<string>, r: ReadonlyArray<string>) => [...l, ...r],
    orCase: (_, l: ReadonlyArray<string>, r: ReadonlyArray<string>) => [...l, ...r],
    invalidDataCase: (_, __, message) => [message],
    missingDataCase: (_, path, message) => [path.length > 0 ? `${path.join("_")}: ${message}` : message],
    sourceUnavailableCase: (_, __, message) => [message],
    unsupportedCase: (_, __, message) => [message]
  })

/** Reads the configuration from the current `ConfigProvider` (the environment by default). */
export const readAppConfig: Effect.Effect<AppConfig, InvalidConfig> = Effect.mapError(appConfig, (e) => new InvalidConfig(problemsOf(e)))

/** {@link Configuration} from the current `ConfigProvider`. */
export const layerAppConfig: Layer.Layer<Configuration, InvalidConfig> = Layer.effect(Configuration, readAppConfig)

/** Reads and validates a configuration synchronously (CLI, tests); throws {@link InvalidConfig} listing every problem. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): AppConfig =>
  Effect.runSync(
    Effect.either(Effect.withConfigProvider(readAppConfig, ConfigProvider.fromMap(new Map(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)))))
  ).pipe(
    Either.getOrThrowWith((e) => e)
  )
