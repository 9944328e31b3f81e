/**
 * The real service for the client's tests: the published router (`@notiflows/http-express`) on
 * embedded PGlite (`@notiflows/adapters-drizzle`) with the idempotency hook, listening on a free
 * port, as a host app or the standalone server wires it. One per test file (PGlite is heavy);
 * cases isolate themselves with fresh ids.
 */
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import express from "express"
import * as jose from "jose"
import { pino } from "pino"
import { layerPglite } from "@notiflows/adapters-drizzle"
import { layerProjectViewCache, mintApiKey, ProjectRepository } from "@notiflows/domain"
import { makeIdempotencyHook, makeRouter } from "@notiflows/http-express"

export interface TestService {
  readonly url: string
  readonly secretKey: string
  readonly publicKey: string
  /** Signs a user token (RS256, the project's signing key) for `sub`. */
  readonly token: (sub: string) => Promise<string>
  readonly close: () => Promise<void>
}

/** `allowedOrigins`: origins whose browsers may call the User API (CORS). */
export const startService = async (options: { readonly allowedOrigins?: ReadonlyArray<string> } = {}): Promise<TestService> => {
  const runtime = ManagedRuntime.make(Layer.orDie(Layer.provideMerge(layerProjectViewCache(), layerPglite("memory://"))))
  const app = express()
  app.use(makeRouter(runtime, { logger: pino({ level: "silent" }), hooks: { aroundHandler: makeIdempotencyHook({ runtime }) } }))
  const { publicKey: spki, privateKey } = await jose.generateKeyPair("RS256", { extractable: true })
  const secret = await Effect.runPromise(mintApiKey("secret"))
  const pub = await Effect.runPromise(mintApiKey("public"))
  await runtime.runPromise(
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const project = yield* projects.create({ name: "Client tests", securityMode: "on" })
      const publicKeyPem = yield* Effect.promise(() => jose.exportSPKI(spki))
      yield* projects.update(project.id, { signingKeys: [{ kid: "client-test", publicKeyPem }], allowedOrigins: options.allowedOrigins ?? [] })
      yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: secret.prefix, hash: secret.hash })
      yield* projects.createApiKey({ projectId: project.id, kind: "public", prefix: pub.prefix, hash: pub.hash })
    })
  )
  const server = await new Promise<import("node:http").Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secretKey: secret.key,
    publicKey: pub.key,
    token: (sub) => new jose.SignJWT({ sub }).setProtectedHeader({ alg: "RS256", kid: "client-test" }).setExpirationTime("10m").sign(privateKey),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await runtime.dispose()
    }
  }
}

/** A fresh id for isolation between cases. */
export const freshId = (prefix: string): string => `${prefix}_${Math.random().toString(36).slice(2, 10)}`
