/**
 * The configuration through effect's `Config`: the same variables, defaults and messages as
 * before, every problem reported at once, and the `Configuration` layer reading the provider.
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { describe, expect, it } from "vitest"
import { Configuration, InvalidConfig, layerAppConfig, loadConfig } from "../src/Config.js"

const PK = "pk_" + "a".repeat(24)
const SK = "sk_" + "b".repeat(24)

const problemsOf = (env: Record<string, string>): ReadonlyArray<string> => {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfig)
    return (error as InvalidConfig).problems
  }
  throw new Error("expected an invalid configuration")
}

describe("configuration", () => {
  it("defaults", () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      databasePrepare: true,
      databasePoolSize: 10,
      databaseTimeouts: { operationMs: 4000, connectMs: 3000, idleMs: 30000, maxLifetimeMs: 900000, keepAliveMs: 10000, reconnectBackoffMaxMs: 1000 },
      dataDir: "./.notiflows/data",
      publicKey: undefined,
      secretKey: undefined,
      userSigningPublicKey: undefined,
      securityMode: "on",
      logLevel: "info",
      redisUrl: undefined,
      rateLimits: {},
      workers: 1,
      pgliteSharedBuffersMb: 16,
      publicUrl: { base: "http://127.0.0.1:3000", origin: "http://127.0.0.1:3000", https: false, loopback: true },
      trustProxy: false,
      consentContextDays: 1095,
      eventRetentionDays: 30,
      jobRetentionDays: 7,
      jobClaimSeconds: 15,
      webhooks: { allowPrivate: false, timeScale: 1, timeoutSeconds: 10, disableAfterDays: 5 }
    })
  })

  it("NOTIFLOWS_WEBHOOK_* (EVENTS.md §4.3, §4.4): validated, each problem naming its variable", () => {
    expect(
      loadConfig({
        NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE: "true",
        NOTIFLOWS_WEBHOOK_TIME_SCALE: "0.0001",
        NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS: "2",
        NOTIFLOWS_WEBHOOK_DISABLE_AFTER_DAYS: "1"
      }).webhooks
    ).toEqual({ allowPrivate: true, timeScale: 0.0001, timeoutSeconds: 2, disableAfterDays: 1 })
    expect(problemsOf({ NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE: "yes" })[0]).toMatch(/^NOTIFLOWS_WEBHOOK_ALLOW_PRIVATE must be one of true, false/)
    expect(problemsOf({ NOTIFLOWS_WEBHOOK_TIME_SCALE: "0" })[0]).toMatch(/^NOTIFLOWS_WEBHOOK_TIME_SCALE must be a number above 0/)
    expect(problemsOf({ NOTIFLOWS_WEBHOOK_TIME_SCALE: "2" })[0]).toMatch(/^NOTIFLOWS_WEBHOOK_TIME_SCALE must be/)
    expect(problemsOf({ NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS: "0" })[0]).toMatch(/^NOTIFLOWS_WEBHOOK_TIMEOUT_SECONDS must be a whole number from 1 to 60/)
    expect(problemsOf({ NOTIFLOWS_WEBHOOK_DISABLE_AFTER_DAYS: "x" })[0]).toMatch(/^NOTIFLOWS_WEBHOOK_DISABLE_AFTER_DAYS must be/)
  })

  it("NOTIFLOWS_CONSENT_CONTEXT_DAYS (0–36500, 0 = none kept) and NOTIFLOWS_EVENT_RETENTION_DAYS (1–365) are whole numbers; anything else stops the start naming it", () => {
    expect(loadConfig({ NOTIFLOWS_CONSENT_CONTEXT_DAYS: "0", NOTIFLOWS_EVENT_RETENTION_DAYS: "365" })).toMatchObject({ consentContextDays: 0, eventRetentionDays: 365 })
    expect(problemsOf({ NOTIFLOWS_CONSENT_CONTEXT_DAYS: "-1" })[0]).toMatch(/^NOTIFLOWS_CONSENT_CONTEXT_DAYS must be a whole number from 0 to 36500/)
    expect(problemsOf({ NOTIFLOWS_EVENT_RETENTION_DAYS: "0" })[0]).toMatch(/^NOTIFLOWS_EVENT_RETENTION_DAYS must be a whole number from 1 to 365/)
    expect(problemsOf({ NOTIFLOWS_EVENT_RETENTION_DAYS: "1.5" })[0]).toMatch(/^NOTIFLOWS_EVENT_RETENTION_DAYS must be/)
  })

  it("NOTIFLOWS_PUBLIC_URL (LINKS.md §2.3): normalized, path allowed; its default follows HOST and PORT; invalid stops the start naming it", () => {
    expect(loadConfig({ NOTIFLOWS_PUBLIC_URL: "https://x.com/prefs/" }).publicUrl).toEqual({ base: "https://x.com/prefs", origin: "https://x.com", https: true, loopback: false })
    expect(loadConfig({ HOST: "0.0.0.0", PORT: "8080" }).publicUrl.base).toBe("http://127.0.0.1:8080")
    expect(loadConfig({ HOST: "::", PORT: "8080" }).publicUrl.base).toBe("http://[::1]:8080")
    expect(loadConfig({ HOST: "fd00::5" }).publicUrl.base).toBe("http://[fd00::5]:3000")
    for (const bad of ["ftp://x.com", "https://u:p@x.com", "https://x.com/?a=1", "https://x.com/#top", "/relative"]) {
      expect(problemsOf({ NOTIFLOWS_PUBLIC_URL: bad }).some((p) => p.startsWith("NOTIFLOWS_PUBLIC_URL "))).toBe(true)
    }
  })

  it("NOTIFLOWS_TRUST_PROXY: Express trust proxy values; anything else stops the start naming it", () => {
    expect(loadConfig({ NOTIFLOWS_TRUST_PROXY: "true" }).trustProxy).toBe(true)
    expect(loadConfig({ NOTIFLOWS_TRUST_PROXY: "2" }).trustProxy).toBe(2)
    expect(loadConfig({ NOTIFLOWS_TRUST_PROXY: "loopback, 10.0.0.0/8" }).trustProxy).toBe("loopback,10.0.0.0/8")
    expect(problemsOf({ NOTIFLOWS_TRUST_PROXY: "everyone" })[0]).toMatch(/^NOTIFLOWS_TRUST_PROXY must be/)
  })

  it("trims values, treats blank as unset, reads every variable", () => {
    const c = loadConfig({
      PORT: " 8080 ",
      HOST: "",
      DATABASE_URL: "postgres://u@db:5432/x",
      DATABASE_PREPARE: "false",
      DATABASE_TIMEOUT_MS: "600",
      NOTIFLOWS_PUBLIC_KEY: PK,
      NOTIFLOWS_SECRET_KEY: SK,
      NOTIFLOWS_USER_SIGNING_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----",
      NOTIFLOWS_SECURITY_MODE: "off",
      LOG_LEVEL: "warn",
      REDIS_URL: "redis://r:6379",
      NOTIFLOWS_RATE_LIMIT_USER: "50/1s"
    })
    expect(c).toMatchObject({ port: 8080, host: "127.0.0.1", databaseUrl: "postgres://u@db:5432/x", databasePrepare: false, securityMode: "off", logLevel: "warn" })
    expect(c.databaseTimeouts.operationMs).toBe(600)
    expect(c.userSigningPublicKey).toBe("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
    expect(Object.keys(c.rateLimits)).toEqual(["user"])
  })

  it("reports every problem at once, each naming its variable", () => {
    const problems = problemsOf({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      DATABASE_CONNECT_TIMEOUT_MS: "10000",
      NOTIFLOWS_SECURITY_MODE: "maybe",
      NOTIFLOWS_PUBLIC_KEY: "pk_short",
      REDIS_URL: "http://r",
      LOG_LEVEL: "loud",
      NOTIFLOWS_RATE_LIMIT_ADMIN: "lots"
    })
    for (const variable of ["PORT", "DATABASE_URL", "DATABASE_CONNECT_TIMEOUT_MS", "NOTIFLOWS_SECURITY_MODE", "NOTIFLOWS_PUBLIC_KEY", "REDIS_URL", "LOG_LEVEL", "NOTIFLOWS_RATE_LIMIT_ADMIN"]) {
      expect(problems.some((p) => p.startsWith(variable)), `${variable} in ${JSON.stringify(problems)}`).toBe(true)
    }
    expect(problems).toContain('PORT must be a whole number from 0 to 65535, got "eighty"')
    expect(problems).toContain('DATABASE_CONNECT_TIMEOUT_MS must be a whole number from 50 to 3000, got "10000"')
    expect(problems).toContain('NOTIFLOWS_SECURITY_MODE must be one of on, off, got "maybe"')
  })

  it("rules across variables", () => {
    expect(problemsOf({ NOTIFLOWS_PUBLIC_KEY: PK })).toEqual(["NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY must be set together"])
    expect(problemsOf({ NOTIFLOWS_USER_SIGNING_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----x" })).toEqual([
      "NOTIFLOWS_USER_SIGNING_PUBLIC_KEY needs NOTIFLOWS_PUBLIC_KEY and NOTIFLOWS_SECRET_KEY (it belongs to that project)"
    ])
  })

  it("the Configuration layer reads the current ConfigProvider", async () => {
    const provider = ConfigProvider.fromMap(new Map([["PORT", "1234"]]))
    const port = await Effect.runPromise(
      Effect.map(Configuration, (c) => c.port).pipe(Effect.provide(layerAppConfig), Effect.withConfigProvider(provider))
    )
    expect(port).toBe(1234)
    const failed = await Effect.runPromise(
      Effect.flip(Layer.build(layerAppConfig).pipe(Effect.scoped, Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["PORT", "-1"]])))))
    )
    expect(failed.message).toContain("PORT must be a whole number")
  })
})
