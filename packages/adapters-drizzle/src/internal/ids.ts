/**
 * New ids, minted here: UUIDv7 (time-ordered), branded through the domain's Schemas so every id
 * an adapter writes has the shape its port promises.
 */
import { ApiKeyId, ProjectId, UserId } from "@notiflows/domain"
import { v7 as uuidv7 } from "uuid"

export const newProjectId = (): ProjectId => ProjectId.make(uuidv7())
export const newUserId = (): UserId => UserId.make(uuidv7())
export const newApiKeyId = (): ApiKeyId => ApiKeyId.make(uuidv7())
export const newId = (): string => uuidv7()
