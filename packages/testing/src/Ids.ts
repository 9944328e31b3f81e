/**
 * Branded ids for tests and fixtures, made through the domain's Schemas (`make` validates, so a
 * malformed fixture fails loudly instead of reaching a port). Use these, not casts.
 */
import { ApiKeyId, ExternalUserId, NotiflowId, ProjectId, UserId } from "@notiflows/domain"
import { uuidv4, uuidv7 } from "./internal/ids.js"

export const projectId = (s: string): ProjectId => ProjectId.make(s)
export const userId = (s: string): UserId => UserId.make(s)
export const apiKeyId = (s: string): ApiKeyId => ApiKeyId.make(s)
export const externalUserId = (s: string): ExternalUserId => ExternalUserId.make(s)
export const notiflowId = (s: string): NotiflowId => NotiflowId.make(s)

/** Fresh random ids of each kind (UUIDv4 for projects and keys, UUIDv7 for users). */
export const randomProjectId = (): ProjectId => ProjectId.make(uuidv4())
export const randomUserId = (): UserId => UserId.make(uuidv7())
export const randomApiKeyId = (): ApiKeyId => ApiKeyId.make(uuidv4())
