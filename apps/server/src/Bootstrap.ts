/**
 * Start-up provisioning: the project named by NOTIFLOWS_* keys, or a default project on an
 * empty database (its new keys are printed once).
 */
import * as Effect from "effect/Effect"
import type { Project, SigningKey } from "@notiflows/domain"
import { ApiKeyConflict, apiKeyPrefix, hashApiKey, mintApiKey, ProjectRepository } from "@notiflows/domain"
import type { Config } from "./Config.js"

export interface BootstrapResult {
  readonly project: Project
  /** Keys created now (shown once), when a default project was made. */
  readonly createdKeys?: { readonly publicKey: string; readonly secretKey: string }
}

/**
 * Creates a project with two freshly generated keys, in one transaction (the adapters'
 * provisioning under their lock): an interrupted or failed run leaves no project without keys.
 * Fresh keys are stored nowhere, so the provisioning always creates; a stored hash (a collision
 * of 190 random bits) is reported as `ApiKeyConflict`.
 */
export const createProjectWithKeys = (name: string, securityMode: "on" | "off") =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    const pk = yield* mintApiKey("public")
    const sk = yield* mintApiKey("secret")
    const ensured = yield* projects.ensureProjectWithKeys({
      name,
      securityMode,
      secretKey: { prefix: sk.prefix, hash: sk.hash },
      publicKey: { prefix: pk.prefix, hash: pk.hash }
    })
    if (!ensured.created) return yield* Effect.fail(new ApiKeyConflict({ kind: "secret", reason: "hash_taken" }))
    return { project: ensured.project, publicKey: pk.key, secretKey: sk.key }
  })

/** What is stored of a configured key. */
const material = (key: string) => Effect.map(hashApiKey(key), (hash) => ({ prefix: apiKeyPrefix(key), hash }))

const variableOf = { secret: "NOTIFLOWS_SECRET_KEY", public: "NOTIFLOWS_PUBLIC_KEY" } as const

/** A start-up message naming the variable; no key material. */
const conflictMessage = (e: ApiKeyConflict): string =>
  e.reason === "kind_mismatch"
    ? `${variableOf[e.kind]} is stored as a ${e.kind === "secret" ? "public" : "secret"} key`
    : e.reason === "other_project"
      ? "NOTIFLOWS_PUBLIC_KEY belongs to another project than NOTIFLOWS_SECRET_KEY"
      : `${variableOf[e.kind]} is already stored as another key`

/**
 * Ensures the configured project: the one holding the secret key, else a new one with exactly
 * the configured keys; its security mode and signing key follow the environment. Without keys,
 * the oldest project, else a new default one whose keys are printed once. Each is one
 * transaction under a lock every instance takes, so instances starting together on an empty
 * database agree on one project.
 */
export const bootstrap = (config: Config, signingKey: SigningKey | undefined) =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    if (config.secretKey !== undefined && config.publicKey !== undefined) {
      const { project } = yield* projects
        .ensureProjectWithKeys({
          name: "Project from environment",
          securityMode: config.securityMode,
          secretKey: yield* material(config.secretKey),
          publicKey: yield* material(config.publicKey),
          ...(signingKey !== undefined ? { signingKey } : {})
        })
        .pipe(Effect.catchTag("ApiKeyConflict", (e) => Effect.fail(new Error(conflictMessage(e)))))
      return { project } satisfies BootstrapResult
    }
    const pk = yield* mintApiKey("public")
    const sk = yield* mintApiKey("secret")
    const { project, created } = yield* projects.ensureFirstProject({
      name: "Default project",
      securityMode: config.securityMode,
      secretKey: { prefix: sk.prefix, hash: sk.hash },
      publicKey: { prefix: pk.prefix, hash: pk.hash }
    })
    return (created ? { project, createdKeys: { publicKey: pk.key, secretKey: sk.key } } : { project }) satisfies BootstrapResult
  })
