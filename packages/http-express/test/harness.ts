/**
 * Test harness: the router mounted under `/api` in a host app with Express's default settings,
 * on the in-memory adapters, with an injected clock and captured logs. Every call to
 * {@link makeHarness} gets its own store; {@link Harness.project} seeds a fresh project with keys.
 */
import { Writable } from "node:stream"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import express from "express"
import * as jose from "jose"
import pino from "pino"
import type { ApiKeyId, EventRepository, IdempotencyRepository, Project, ProjectId, ProjectSettingsChange } from "@notiflows/domain"
import { layerLinkCache, layerModelCache, layerProjectViewCache, mintApiKey, ProjectRepository } from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"
import type { RouterOptions } from "../src/index.js"
import { makeIdempotencyHook, makeMetrics, makeRouter } from "../src/index.js"
import type { Metrics } from "../src/index.js"
import { recordResponses } from "./contract.js"

/** What the harness's runtime provides: the adapters and the idempotency store. */
export type HarnessServices = InMemory.AdapterServices | InMemory.ModelServices | IdempotencyRepository | EventRepository

export interface SeededProject {
  readonly project: Project
  readonly publicKey: string
  readonly secretKey: string
  readonly publicKeyId: string
  readonly secretKeyId: string
  /** Admin headers (secret key only, like the official SDK). */
  readonly admin: Record<string, string>
}

export interface Harness {
  readonly app: express.Express
  readonly runtime: ManagedRuntime.ManagedRuntime<HarnessServices, never>
  readonly metrics: Metrics
  readonly logs: Array<string>
  readonly clock: { now: number }
  readonly project: (settings?: ProjectSettingsChange) => Promise<SeededProject>
  readonly addKey: (projectId: ProjectId, kind: "public" | "secret") => Promise<{ readonly key: string; readonly id: ApiKeyId }>
  readonly revoke: (projectId: ProjectId, keyId: ApiKeyId) => Promise<void>
  readonly update: (projectId: ProjectId, change: ProjectSettingsChange) => Promise<void>
}

/** The public URL every harness router is configured with (LINKS.md §2.3). */
export const PUBLIC_URL = "https://prefs.example.com/api"

/**
 * The in-memory adapters with the service's caches in front (apps/server's composition): reads
 * and writes whose parts are cached, and link verifications, take the fiberless paths.
 */
export const cachedInMemory: Layer.Layer<HarnessServices> = Layer.provideMerge(
  layerLinkCache(),
  Layer.provideMerge(layerModelCache(), Layer.provideMerge(layerProjectViewCache(), InMemory.layer))
)

export const makeHarness = (options: Partial<RouterOptions> = {}, layer: Layer.Layer<HarnessServices> = cachedInMemory): Harness => {
  const runtime = ManagedRuntime.make(layer)
  const logs: Array<string> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString("utf8"))
      cb()
    }
  })
  const clock = { now: Date.now() }
  const app = express()
  app.get("/host-route", (_req, res) => {
    res.send("host")
  })
  // The production wiring (apps/server): idempotency around handlers, metrics on responses.
  const metrics = makeMetrics({ processMetrics: false })
  const hooks = {
    aroundHandler: makeIdempotencyHook({ runtime, now: () => clock.now, onReplay: metrics.idempotentReplay }),
    onResponse: metrics.observeRequest,
    ...options.hooks
  }
  // The document and the service agree: every response under /api is checked (test/setup.ts).
  app.use(recordResponses)
  app.use(
    "/api",
    makeRouter(runtime, { logger: pino({ level: "info" }, sink), now: () => clock.now, metrics: metrics.render, publicUrl: PUBLIC_URL, ...options, hooks })
  )
  const run = <A, E>(effect: Effect.Effect<A, E, ProjectRepository>) => runtime.runPromise(effect)
  const addKey = async (projectId: ProjectId, kind: "public" | "secret") => {
    const generated = await Effect.runPromise(mintApiKey(kind))
    const key = await run(
      Effect.flatMap(ProjectRepository, (p) => p.createApiKey({ projectId, kind, prefix: generated.prefix, hash: generated.hash }))
    )
    return { key: generated.key, id: key.id }
  }
  const update = async (projectId: ProjectId, change: ProjectSettingsChange) => {
    await run(Effect.flatMap(ProjectRepository, (p) => p.update(projectId, change)))
  }
  return {
    app,
    runtime,
    metrics,
    logs,
    clock,
    addKey,
    update,
    revoke: async (projectId, keyId) => {
      await run(Effect.flatMap(ProjectRepository, (p) => p.revokeApiKey(projectId, keyId, new Date())))
    },
    project: async (settings = {}) => {
      let project = await run(Effect.flatMap(ProjectRepository, (p) => p.create({ name: "Test project", securityMode: "on" })))
      if (Object.keys(settings).length > 0) {
        project = await run(Effect.flatMap(ProjectRepository, (p) => p.update(project.id, settings)))
      }
      const pub = await addKey(project.id, "public")
      const sec = await addKey(project.id, "secret")
      return {
        project,
        publicKey: pub.key,
        secretKey: sec.key,
        publicKeyId: pub.id,
        secretKeyId: sec.id,
        admin: { "x-notiflows-secret-key": sec.key }
      }
    }
  }
}

/** An RS256 key pair for user tokens, with its SPKI PEM. */
export const makeSigningKey = async (kid: string) => {
  const { publicKey, privateKey } = await jose.generateKeyPair("RS256", { extractable: true })
  return { kid, publicKeyPem: await jose.exportSPKI(publicKey), privateKey, publicKey }
}

/** Signs a user token. */
export const signToken = (
  privateKey: jose.CryptoKey,
  claims: jose.JWTPayload,
  header: jose.JWTHeaderParameters = { alg: "RS256" }
): Promise<string> => new jose.SignJWT(claims).setProtectedHeader(header).sign(privateKey)

/** A fresh id for isolation between cases. */
export const freshId = (prefix: string): string => `${prefix}_${Math.random().toString(36).slice(2, 10)}`
