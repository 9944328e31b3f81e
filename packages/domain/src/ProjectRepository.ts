/**
 * Port: projects (tenants), their settings, channel defaults and API keys.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ApiKeyNotFound, ProjectNotFound, RepositoryError, VersionConflict } from "./Errors.js"
import type { ProjectDefaults } from "./Preferences.js"

export const SecurityMode = Schema.Literal("on", "off")
export type SecurityMode = typeof SecurityMode.Type

/** A public key that verifies users' tokens (RS256). */
export interface SigningKey {
  readonly kid: string
  /** SPKI PEM. Only public keys are ever stored. */
  readonly publicKeyPem: string
}

export interface Project {
  readonly id: string
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
export const newProject = (id: string, input: { readonly name: string; readonly securityMode: SecurityMode }, createdAt: Date): Project => ({
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
  readonly id: string
  readonly projectId: string
  readonly kind: ApiKeyKind
  readonly prefix: string
  readonly createdAt: Date
  readonly revokedAt: Date | null
}

export interface NewApiKey {
  readonly projectId: string
  readonly kind: ApiKeyKind
  readonly prefix: string
  /** Hex SHA-256 of the whole key. */
  readonly hash: string
}

export class ProjectRepository extends Context.Tag("@notiflows/domain/ProjectRepository")<
  ProjectRepository,
  {
    readonly create: (input: { readonly name: string; readonly securityMode: SecurityMode }) => Effect.Effect<Project, RepositoryError>
    readonly get: (projectId: string) => Effect.Effect<Option.Option<Project>, RepositoryError>
    /** Every project, oldest first. */
    readonly list: () => Effect.Effect<ReadonlyArray<Project>, RepositoryError>
    readonly update: (projectId: string, change: ProjectSettingsChange) => Effect.Effect<Project, ProjectNotFound | RepositoryError>
    readonly saveDefaults: (
      projectId: string,
      defaults: ProjectDefaults,
      expectedRevision: number
    ) => Effect.Effect<Project, VersionConflict | ProjectNotFound | RepositoryError>
    readonly createApiKey: (key: NewApiKey) => Effect.Effect<ApiKey, ProjectNotFound | RepositoryError>
    /** A key by its hash, revoked ones included (the caller decides). */
    readonly findApiKeyByHash: (hash: string) => Effect.Effect<Option.Option<ApiKey>, RepositoryError>
    readonly listApiKeys: (projectId: string) => Effect.Effect<ReadonlyArray<ApiKey>, RepositoryError>
    readonly revokeApiKey: (projectId: string, keyId: string, at: Date) => Effect.Effect<ApiKey, ApiKeyNotFound | RepositoryError>
  }
>() {}
