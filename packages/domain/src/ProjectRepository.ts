/**
 * Port: projects (tenants), their settings, channel defaults and API keys.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ApiKeyNotFound, ProjectNotFound, RepositoryError, VersionConflict } from "./Errors.js"
import type { EventInput } from "./Events.js"
import type { ApiKeyId, ProjectDefaults, ProjectId } from "./Preferences.js"

export const SecurityMode = Schema.Literal("on", "off")
export type SecurityMode = typeof SecurityMode.Type

/** A public key that verifies users' tokens (RS256). */
export interface SigningKey {
  readonly kid: string
  /** SPKI PEM. Only public keys are ever stored. */
  readonly publicKeyPem: string
}

export interface Project {
  readonly id: ProjectId
  readonly name: string
  readonly securityMode: SecurityMode
  readonly allowedOrigins: ReadonlyArray<string>
  readonly signingKeys: ReadonlyArray<SigningKey>
  readonly defaults: ProjectDefaults
  /** Grows with every change of defaults (optimistic concurrency). */
  readonly defaultsRevision: number
  readonly createdAt: Date
}

/** A new project: no origins, no signing keys, no channel defaults yet. */
export const newProject = (id: ProjectId, input: { readonly name: string; readonly securityMode: SecurityMode }, createdAt: Date): Project => ({
  id,
  name: input.name,
  securityMode: input.securityMode,
  allowedOrigins: [],
  signingKeys: [],
  defaults: { channel_types: {} },
  defaultsRevision: 0,
  createdAt
})

export interface ProjectSettingsChange {
  readonly name?: string
  readonly securityMode?: SecurityMode
  readonly allowedOrigins?: ReadonlyArray<string>
  readonly signingKeys?: ReadonlyArray<SigningKey>
}

export type ApiKeyKind = "public" | "secret"

/** A stored key: never the key itself, only its hash and a short visible prefix. */
export interface ApiKey {
  readonly id: ApiKeyId
  readonly projectId: ProjectId
  readonly kind: ApiKeyKind
  readonly prefix: string
  readonly createdAt: Date
  readonly revokedAt: Date | null
}

/** What is stored of a key: a short visible prefix and the hex SHA-256 of the whole key. */
export interface ApiKeyMaterial {
  readonly prefix: string
  /** Hex SHA-256 of the whole key. */
  readonly hash: string
}

export interface NewApiKey extends ApiKeyMaterial {
  readonly projectId: ProjectId
  readonly kind: ApiKeyKind
}

/**
 * A key could not be stored as asked. A key hash is unique across projects (a key alone
 * identifies its project): `hash_taken` when it is stored already; an ensure also fails when the
 * configured key is stored as the other kind (`kind_mismatch`) or the public key in another
 * project than the secret key (`other_project`). Never carries key material.
 */
export class ApiKeyConflict extends Schema.TaggedError<ApiKeyConflict>()("ApiKeyConflict", {
  /** Which of the given keys. */
  kind: Schema.Literal("public", "secret"),
  reason: Schema.Literal("hash_taken", "kind_mismatch", "other_project")
}) {}

/** A project to ensure: created with these settings and both keys when it does not exist. */
export interface EnsureProject {
  /** Used only when the project is created. */
  readonly name: string
  readonly securityMode: SecurityMode
  readonly secretKey: ApiKeyMaterial
  readonly publicKey: ApiKeyMaterial
}

/** {@link EnsureProject} for configured keys; the security mode and signing key are applied to an existing project too. */
export interface EnsureProjectWithKeys extends EnsureProject {
  /** Added, replacing a stored key with the same `kid`. */
  readonly signingKey?: SigningKey
}

export interface EnsuredProject {
  readonly project: Project
  /** True when this call created the project (and stored the given keys). */
  readonly created: boolean
}

/** What an ensure needs to know of a stored key. */
export interface StoredKeyRef {
  readonly projectId: ProjectId
  readonly kind: string
}

/** What an ensure by keys does, decided from what is stored under the two hashes. */
export type EnsurePlan =
  | { readonly _tag: "Create" }
  | { readonly _tag: "Reuse"; readonly projectId: ProjectId; readonly addPublicKey: boolean }

/**
 * The rule every adapter follows (under its lock, on what it read): the project is the one holding
 * the secret key, which gets the public key if it has none; with neither key stored, a new project.
 */
export const planEnsureWithKeys = (
  secret: Option.Option<StoredKeyRef>,
  pub: Option.Option<StoredKeyRef>
): Either.Either<EnsurePlan, ApiKeyConflict> => {
  if (Option.isSome(secret) && secret.value.kind !== "secret") return Either.left(new ApiKeyConflict({ kind: "secret", reason: "kind_mismatch" }))
  if (Option.isSome(pub) && pub.value.kind !== "public") return Either.left(new ApiKeyConflict({ kind: "public", reason: "kind_mismatch" }))
  if (Option.isNone(secret)) {
    return Option.isNone(pub) ? Either.right({ _tag: "Create" }) : Either.left(new ApiKeyConflict({ kind: "public", reason: "other_project" }))
  }
  const projectId = secret.value.projectId
  if (Option.isSome(pub) && pub.value.projectId !== projectId) return Either.left(new ApiKeyConflict({ kind: "public", reason: "other_project" }))
  return Either.right({ _tag: "Reuse", projectId, addPublicKey: Option.isNone(pub) })
}

/** A project's signing keys with `key` added, replacing one with the same `kid`. */
export const withSigningKey = (keys: ReadonlyArray<SigningKey>, key: SigningKey | undefined): ReadonlyArray<SigningKey> =>
  key === undefined ? keys : [...keys.filter((k) => k.kid !== key.kid), key]

export class ProjectRepository extends Context.Tag("@notiflows/domain/ProjectRepository")<
  ProjectRepository,
  {
    readonly create: (input: { readonly name: string; readonly securityMode: SecurityMode }) => Effect.Effect<Project, RepositoryError>
    readonly get: (projectId: ProjectId) => Effect.Effect<Option.Option<Project>, RepositoryError>
    /** Every project, oldest first. */
    readonly list: () => Effect.Effect<ReadonlyArray<Project>, RepositoryError>
    readonly update: (projectId: ProjectId, change: ProjectSettingsChange) => Effect.Effect<Project, ProjectNotFound | RepositoryError>
    /** Compare-and-set of the channel defaults; `events` are written in the same transaction. */
    readonly saveDefaults: (
      projectId: ProjectId,
      defaults: ProjectDefaults,
      expectedRevision: number,
      events?: ReadonlyArray<EventInput>
    ) => Effect.Effect<Project, VersionConflict | ProjectNotFound | RepositoryError>
    /** Fails with `ApiKeyConflict` (`hash_taken`) when the hash is stored already, in any project. */
    readonly createApiKey: (key: NewApiKey) => Effect.Effect<ApiKey, ProjectNotFound | ApiKeyConflict | RepositoryError>
    /** A key by its hash, revoked ones included (the caller decides). */
    readonly findApiKeyByHash: (hash: string) => Effect.Effect<Option.Option<ApiKey>, RepositoryError>
    readonly listApiKeys: (projectId: ProjectId) => Effect.Effect<ReadonlyArray<ApiKey>, RepositoryError>
    readonly revokeApiKey: (projectId: ProjectId, keyId: ApiKeyId, at: Date) => Effect.Effect<ApiKey, ApiKeyNotFound | RepositoryError>
    /**
     * Start-up provisioning with configured keys, atomic across processes (one transaction under
     * a lock every instance takes): the project holding `secretKey` ({@link planEnsureWithKeys}),
     * else a new one with both keys; then its security mode and signing key are set.
     */
    readonly ensureProjectWithKeys: (input: EnsureProjectWithKeys) => Effect.Effect<EnsuredProject, ApiKeyConflict | RepositoryError>
    /**
     * Start-up provisioning without keys, atomic like {@link ensureProjectWithKeys}: the oldest
     * project, untouched, or a new one with both keys when there is none.
     */
    readonly ensureFirstProject: (input: EnsureProject) => Effect.Effect<EnsuredProject, ApiKeyConflict | RepositoryError>
  }
>() {}
