/**
 * Signing public keys for user tokens: validated as RS256 SPKI PEM, `kid` defaulting to the
 * key's RFC 7638 thumbprint.
 */
import { calculateJwkThumbprint, exportJWK, importSPKI } from "jose"
import type { SigningKey } from "@notiflows/domain"

/** Parses a PEM public key; rejects anything that is not an RSA key usable with RS256. */
export const signingKeyFromPem = async (pem: string, kid?: string): Promise<SigningKey> => {
  const normalized = pem.trim().replace(/\r\n/g, "\n")
  let thumbprint: string
  try {
    const key = await importSPKI(normalized, "RS256", { extractable: true })
    thumbprint = await calculateJwkThumbprint(await exportJWK(key))
  } catch {
    throw new Error("the signing key must be an RSA public key in SPKI PEM form (-----BEGIN PUBLIC KEY-----)")
  }
  return { kid: kid ?? thumbprint, publicKeyPem: `${normalized}\n` }
}
