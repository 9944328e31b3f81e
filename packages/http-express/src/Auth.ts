/**
 * Authentication (API.md §2). Admin: `x-notiflows-secret-key` alone identifies the project; an
 * optional `x-notiflows-api-key` must be a live public key of the same project. User API:
 * `x-notiflows-api-key` (public) + `x-notiflows-user-key` (RS256 JWT), or `x-notiflows-user-id`
 * when the project's security mode is off. Failures never say whether a key exists elsewhere.
 */
import type { ApiKey, ApiKeyKind, Project } from "@notiflows/domain"
import { apiKeyKindOf, ExternalUserId } from "@notiflows/domain"
import * as Schema from "effect/Schema"
import type { IncomingHttpHeaders } from "node:http"
import { header } from "./Http.js"
import type { Principal } from "./Http.js"
import type { AuthCredential } from "./HttpErrors.js"
import { Unauthenticated } from "./HttpErrors.js"
import type { CredentialCache } from "./internal/CredentialCache.js"
import { hashPresentedKey, sameKeyHash } from "./internal/KeyHash.js"
import { verifyUserToken } from "./UserToken.js"

const isExternalUserId = Schema.is(ExternalUserId)

export const SECRET_KEY_HEADER = "x-notiflows-secret-key"
export const API_KEY_HEADER = "x-notiflows-api-key"
export const USER_KEY_HEADER = "x-notiflows-user-key"
export const USER_ID_HEADER = "x-notiflows-user-id"

/** What authentication needs from the router. */
export interface AuthDeps {
  readonly cache: CredentialCache
  /** Milliseconds since the epoch (token times). */
  readonly now: () => number
}

const MESSAGES: { readonly [K in AuthCredential]: { readonly missing: string; readonly bad: string } } = {
  secret_key: { missing: "Send your secret key in x-notiflows-secret-key", bad: "Invalid secret key" },
  api_key: { missing: "Send your public key in x-notiflows-api-key", bad: "Invalid public key" },
  user_key: { missing: "Send the user's token in x-notiflows-user-key", bad: "Invalid user token" }
}

const unauthenticated = (auth: AuthCredential, missing: boolean): Unauthenticated =>
  new Unauthenticated({ auth, message: missing ? MESSAGES[auth].missing : MESSAGES[auth].bad })

/**
 * A live key of `kind` with its project, or `Unauthenticated` naming `auth`. The key is only
 * ever compared through its SHA-256 (index lookup, then a constant-time check of the hash).
 */
const resolveKey = async (
  deps: AuthDeps,
  value: string | undefined,
  kind: ApiKeyKind,
  auth: AuthCredential
): Promise<{ readonly key: ApiKey; readonly project: Project }> => {
  if (value === undefined || value === "") throw unauthenticated(auth, true)
  if (apiKeyKindOf(value) !== kind) throw unauthenticated(auth, false)
  const hash = hashPresentedKey(value)
  const record = await deps.cache.keyByHash(hash)
  if (record === undefined || !sameKeyHash(record.hash, hash)) throw unauthenticated(auth, false)
  if (record.key.kind !== kind || record.key.revokedAt !== null) throw unauthenticated(auth, false)
  const project = await deps.cache.project(record.key.projectId)
  if (project === undefined) throw unauthenticated(auth, false)
  return { key: record.key, project }
}

/** Node decodes header bytes as latin1; external ids are UTF-8 text, so re-decode when valid. */
const utf8Header = (value: string | undefined): string | undefined => {
  if (value === undefined || /^[\x00-\x7f]*$/.test(value)) return value
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(value, "latin1"))
  } catch {
    return value
  }
}

/** Admin API credentials → the project and the secret key as actor. */
export const authenticateAdmin = async (deps: AuthDeps, headers: IncomingHttpHeaders): Promise<Principal> => {
  const secret = await resolveKey(deps, header(headers, SECRET_KEY_HEADER), "secret", "secret_key")
  const publicKey = header(headers, API_KEY_HEADER)
  if (publicKey !== undefined) {
    const pub = await resolveKey(deps, publicKey, "public", "api_key")
    // Same message as any bad key: a key of another project must look like no key at all.
    if (pub.project.id !== secret.project.id) throw unauthenticated("api_key", false)
  }
  return { project: secret.project, actor: { type: "secret_key", id: secret.key.id } }
}

/** The project a User API request names by its public key (`api_key` failures). */
export const authenticatePublicKey = async (deps: AuthDeps, headers: IncomingHttpHeaders): Promise<Project> =>
  (await resolveKey(deps, header(headers, API_KEY_HEADER), "public", "api_key")).project

/** User API credentials for a project → the acting user. */
export const authenticateUser = async (deps: AuthDeps, project: Project, headers: IncomingHttpHeaders): Promise<Principal> => {
  const token = header(headers, USER_KEY_HEADER)
  if (token !== undefined && token !== "") {
    const { sub, tenant } = await verifyUserToken(token, project.signingKeys, deps.now())
    return { project, actor: { type: "user_key", id: sub }, externalUserId: sub, ...(tenant !== undefined ? { tenantClaim: tenant } : {}) }
  }
  const devUser = utf8Header(header(headers, USER_ID_HEADER))
  if (devUser !== undefined && project.securityMode === "off") {
    if (!isExternalUserId(devUser)) throw new Unauthenticated({ auth: "user_key", message: "x-notiflows-user-id is not a valid user id" })
    return { project, actor: { type: "dev_user_id", id: devUser }, externalUserId: devUser }
  }
  if (devUser !== undefined) {
    throw new Unauthenticated({ auth: "user_key", message: "This project requires a signed user token (x-notiflows-user-key)" })
  }
  throw unauthenticated("user_key", true)
}
