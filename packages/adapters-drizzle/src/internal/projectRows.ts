/**
 * Projects and API keys as rows: the project selection (origins and signing keys aggregated in
 * the same query) and the row → domain mappings.
 */
import { sql } from "drizzle-orm"
import type { ApiKey, ApiKeyKind, Project, ProjectDefaults, ProjectId, SecurityMode, SigningKey } from "@notiflows/domain"
import { apiKeys, projectAllowedOrigins, projectSigningKeys, projects } from "../schema.js"
import { fromJson } from "./statements.js"

/** Project columns plus its origins and signing keys, aggregated in the same query. */
export const projectSelection = {
  id: projects.id,
  name: projects.name,
  securityMode: projects.securityMode,
  defaults: projects.defaults,
  defaultsRevision: projects.defaultsRevision,
  createdAt: projects.createdAt,
  allowedOrigins: sql<unknown>`coalesce((select json_agg(o.origin order by o.position) from ${projectAllowedOrigins} o where o.project_id = ${projects.id}), '[]'::json)`,
  signingKeys: sql<unknown>`coalesce((select json_agg(json_build_object('kid', k.kid, 'publicKeyPem', k.public_key_pem) order by k.position) from ${projectSigningKeys} k where k.project_id = ${projects.id}), '[]'::json)`
}

export type ProjectRow = {
  readonly id: ProjectId
  readonly name: string
  readonly securityMode: string
  readonly defaults: unknown
  readonly defaultsRevision: number
  readonly createdAt: Date
  readonly allowedOrigins: unknown
  readonly signingKeys: unknown
}

export const toProject = (r: ProjectRow): Project => {
  const defaults = fromJson<Partial<ProjectDefaults> | null>(r.defaults)
  return {
    id: r.id,
    name: r.name,
    securityMode: r.securityMode as SecurityMode,
    allowedOrigins: fromJson<ReadonlyArray<string>>(r.allowedOrigins),
    signingKeys: fromJson<ReadonlyArray<SigningKey>>(r.signingKeys),
    defaults: { channel_types: defaults?.channel_types ?? {} },
    defaultsRevision: r.defaultsRevision,
    createdAt: r.createdAt
  }
}

export type ApiKeyRow = typeof apiKeys.$inferSelect

export const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  projectId: r.projectId,
  kind: r.kind as ApiKeyKind,
  prefix: r.prefix,
  createdAt: r.createdAt,
  revokedAt: r.revokedAt
})
