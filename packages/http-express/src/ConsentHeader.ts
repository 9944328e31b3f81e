/**
 * `x-notiflows-consent-context` (EVENTS.md, Decisions 1): on admin writes, the end user's context
 * a customer's backend relays, as an RFC 8941 Dictionary of sf-strings, e.g.
 * `ip="203.0.113.9", user_agent="Mozilla/5.0 …"`. `ip` must be an IPv4 or IPv6 address; either
 * member may be absent (then `null`); unknown members are ignored; anything else is 400
 * `invalid_header`. Parsed by `structured-headers` (RFC 8941/9651).
 */
import { isIP } from "node:net"
import { parseDictionary } from "structured-headers"
import type { ConsentContext } from "@notiflows/domain"
import type { RequestContext } from "./Http.js"
import { header } from "./Http.js"
import { InvalidHeader } from "./HttpErrors.js"

export const CONSENT_CONTEXT_HEADER = "x-notiflows-consent-context"

/** At most this many code points of `user_agent` are recorded, as for the User API's header. */
const USER_AGENT_CODE_POINTS = 512

const refuse = (message: string): never => {
  throw new InvalidHeader({ header: CONSENT_CONTEXT_HEADER, message })
}

/** The header's consent context; `undefined` when the header is absent. */
export const consentHeaderOf = (ctx: RequestContext): ConsentContext | undefined => {
  const raw = header(ctx.headers, CONSENT_CONTEXT_HEADER)
  if (raw === undefined) return undefined
  let dictionary: ReturnType<typeof parseDictionary>
  try {
    dictionary = parseDictionary(raw)
  } catch {
    return refuse(`${CONSENT_CONTEXT_HEADER} must be an RFC 8941 dictionary, e.g. ip="203.0.113.9", user_agent="Mozilla/5.0"`)
  }
  const member = (name: "ip" | "user_agent"): string | null => {
    const value = dictionary.get(name)
    if (value === undefined) return null
    const bare = value[0]
    return typeof bare === "string" ? bare : refuse(`${CONSENT_CONTEXT_HEADER}: ${name} must be a string ("…")`)
  }
  const ip = member("ip")
  if (ip !== null && isIP(ip) === 0) refuse(`${CONSENT_CONTEXT_HEADER}: ip must be an IPv4 or IPv6 address`)
  const ua = member("user_agent")
  if (ctx.recordConsentContext === false) return { ip: null, user_agent: null }
  return { ip, user_agent: ua === null || ua === "" ? null : Array.from(ua).slice(0, USER_AGENT_CODE_POINTS).join("") }
}
