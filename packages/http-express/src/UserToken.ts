/**
 * Verification of user tokens (API.md §2): JWTs signed RS256 with one of the project's signing
 * keys (SPKI PEM, public only), `kid` selecting one; `sub` required; `exp`/`nbf` with 60 s
 * leeway; every other `alg` (`none`, HS256 with the public key as secret, …) rejected.
 */
import type { SigningKey } from "@notiflows/domain"
import { ExternalUserId, TenantId } from "@notiflows/domain"
import * as Schema from "effect/Schema"
import * as jose from "jose"
import { Unauthenticated } from "./HttpErrors.js"

/** Leeway for `exp` and `nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 60

const fail = (message: string): Unauthenticated => new Unauthenticated({ auth: "user_key", message })

// Imported keys by PEM: importing is comparatively slow and PEMs rarely change.
const isExternalUserId = Schema.is(ExternalUserId)
const isTenantId = Schema.is(TenantId)

const imported = new Map<string, Promise<jose.CryptoKey>>()
const importKey = (pem: string): Promise<jose.CryptoKey> => {
  let key = imported.get(pem)
  if (key === undefined) {
    key = jose.importSPKI(pem, "RS256")
    // A bad PEM must not poison the cache for a later fixed one under the same text.
    key.catch(() => imported.delete(pem))
    if (imported.size > 1000) imported.clear()
    imported.set(pem, key)
  }
  return key
}

const describe = (error: unknown): Unauthenticated => {
  if (error instanceof jose.errors.JWTExpired) return fail("The user token has expired")
  if (error instanceof jose.errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return fail("The user token is not valid yet (nbf)")
    if (error.claim === "sub") return fail("The user token has no sub claim")
    return fail(`The user token's ${error.claim} claim is invalid`)
  }
  if (error instanceof jose.errors.JOSEAlgNotAllowed) return fail("User tokens must be signed with RS256")
  return fail("The user token is invalid")
}

/** What a verified token says: the user, and the tenant its `tenant` claim names (MODEL.md §5). */
export interface VerifiedToken {
  readonly sub: ExternalUserId
  readonly tenant?: TenantId
}

/** The `tenant` claim: absent, or a well-formed tenant id (anything else is 401, M§5). */
const tenantClaim = (payload: jose.JWTPayload): TenantId | undefined => {
  if (!Object.hasOwn(payload, "tenant")) return undefined
  const tenant = payload["tenant"]
  if (!isTenantId(tenant)) throw fail("The user token's tenant claim is not a valid tenant id")
  return tenant
}

/**
 * Verifies a token against the project's signing keys at `now` (ms); answers its `sub` and its
 * `tenant` claim.
 * Throws `Unauthenticated` (`user_key`) on any failure.
 */
export const verifyUserToken = async (token: string, keys: ReadonlyArray<SigningKey>, now: number): Promise<VerifiedToken> => {
  let header: jose.ProtectedHeaderParameters
  try {
    header = jose.decodeProtectedHeader(token)
  } catch {
    throw fail("The user token is not a JWT")
  }
  if (header.alg !== "RS256") throw fail("User tokens must be signed with RS256")
  const candidates = header.kid === undefined ? keys : keys.filter((k) => k.kid === header.kid)
  if (candidates.length === 0) {
    throw fail(header.kid === undefined ? "The project has no signing key for user tokens" : "Unknown signing key (kid)")
  }
  let lastError: unknown = undefined
  for (const candidate of candidates) {
    let key: jose.CryptoKey
    try {
      key = await importKey(candidate.publicKeyPem)
    } catch {
      continue
    }
    try {
      const { payload } = await jose.jwtVerify(token, key, {
        algorithms: ["RS256"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(now),
        requiredClaims: ["sub"]
      })
      const sub = payload.sub
      if (typeof sub !== "string" || !isExternalUserId(sub)) throw fail("The user token's sub is not a valid user id")
      const tenant = tenantClaim(payload)
      return tenant === undefined ? { sub } : { sub, tenant }
    } catch (error) {
      if (error instanceof Unauthenticated) throw error
      // Without a kid, a signature mismatch means "try the next key"; anything else is final.
      if (!(error instanceof jose.errors.JWSSignatureVerificationFailed)) throw describe(error)
      lastError = error
    }
  }
  throw describe(lastError)
}
