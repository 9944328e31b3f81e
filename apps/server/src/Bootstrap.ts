/**
 * Start-up provisioning: the project named by NOTIFLOWS_* keys, or a default project on an
 * empty database (its new keys are printed once).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Project, SigningKey } from "@notiflows/domain"
import { apiKeyPrefix, hashApiKey, mintApiKey, ProjectRepository } from "@notiflows/domain"
import type { Config } from "./Config.js"

export interface BootstrapResult {
  readonly project: Project
  /** Keys created now (shown once), when a default project was made. */
  readonly createdKeys?: { readonly publicKey: string; readonly secretKey: string }
}

/** Creates a project with two freshly generated keys. */
export const createProjectWithKeys = (name: string, securityMode: "on" | "off") =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    const project = yield* projects.create({ name, securityMode })
    const pk = yield* mintApiKey("public")
    const sk = yield* mintApiKey("secret")
    yield* projects.createApiKey({ projectId: project.id, kind: "public", prefix: pk.prefix, hash: pk.hash })
    yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: sk.prefix, hash: sk.hash })
    return { project, publicKey: pk.key, secretKey: sk.key }
  })

/**
 * Ensures the configured project: found by its secret key's hash, else created with exactly
 * the configured keys. Its security mode and signing key follow the environment.
 */
export const bootstrap = (config: Config, signingKey: SigningKey | undefined) =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    if (config.secretKey !== undefined && config.publicKey !== undefined) {
      const secretHash = yield* hashApiKey(config.secretKey)
      const publicHash = yield* hashApiKey(config.publicKey)
      const existing = yield* projects.findApiKeyByHash(secretHash)
      let projectId: string
      if (Option.isSome(existing)) {
        if (existing.value.kind !== "secret") return yield* Effect.fail(new Error("NOTIFLOWS_SECRET_KEY is stored as a public key"))
        projectId = existing.value.projectId
      } else {
        const created = yield* projects.create({ name: "Project from environment", securityMode: config.securityMode })
        projectId = created.id
        yield* projects.createApiKey({ projectId, kind: "secret", prefix: apiKeyPrefix(config.secretKey), hash: secretHash })
      }
      const pub = yield* projects.findApiKeyByHash(publicHash)
      if (Option.isNone(pub)) {
        yield* projects.createApiKey({ projectId, kind: "public", prefix: apiKeyPrefix(config.publicKey), hash: publicHash })
      } else if (pub.value.projectId !== projectId || pub.value.kind !== "public") {
        return yield* Effect.fail(new Error("NOTIFLOWS_PUBLIC_KEY belongs to another project than NOTIFLOWS_SECRET_KEY"))
      }
      const current = yield* projects.get(projectId)
      const keys = Option.match(current, { onNone: () => [], onSome: (p) => p.signingKeys })
      const signingKeys =
        signingKey === undefined ? keys : [...keys.filter((k) => k.kid !== signingKey.kid), signingKey]
      const project = yield* projects.update(projectId, { securityMode: config.securityMode, signingKeys })
      return { project } satisfies BootstrapResult
    }
    const all = yield* projects.list()
    const first = all[0]
    if (first !== undefined) return { project: first } satisfies BootstrapResult
    const created = yield* createProjectWithKeys("Default project", config.securityMode)
    return {
      project: created.project,
      createdKeys: { publicKey: created.publicKey, secretKey: created.secretKey }
    } satisfies BootstrapResult
  })
