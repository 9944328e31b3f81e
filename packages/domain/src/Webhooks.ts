/**
 * Webhook endpoints (EVENTS.md §4.1): the stored endpoint, its API representation, the request
 * Schemas (create, merge patch, secret rotation), URL rules (§4.4), event type filters and
 * Standard Webhooks secrets.
 */
import * as Schema from "effect/Schema"
import { EVENT_TYPES } from "./Events.js"
import type { FieldIssue } from "./Issues.js"
import { issue, reason, stable } from "./Issues.js"
import type { ProjectId } from "./Preferences.js"
import { Timestamp } from "./Preferences.js"
import { ipFamily, isGlobalAddress } from "./WebhookAddresses.js"

/** At most this many endpoints per project (422 `too_many`). */
export const MAX_WEBHOOKS = 20
export const WEBHOOK_URL_MAX = 2048
export const WEBHOOK_DESCRIPTION_MAX = 255
export const DEFAULT_OVERLAP_SECONDS = 86_400
export const MAX_OVERLAP_SECONDS = 604_800

export const WebhookStatus = Schema.Literal("enabled", "disabled")
export type WebhookStatus = typeof WebhookStatus.Type
export const DisabledReason = Schema.Literal("manual", "gone", "failing")
export type DisabledReason = typeof DisabledReason.Type

/** A stored endpoint, secrets included (in clear for now: EVENTS.md Decisions 4). */
export interface Webhook {
  readonly id: string
  readonly projectId: ProjectId
  readonly url: string
  readonly description: string | null
  readonly eventTypes: ReadonlyArray<string>
  readonly status: WebhookStatus
  readonly disabledReason: DisabledReason | null
  readonly disabledAt: Date | null
  readonly failingSince: Date | null
  readonly secret: string
  readonly previousSecret: string | null
  readonly previousSecretExpiresAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
  /** +1 per change (compare-and-set). */
  readonly revision: number
}

/** The fields a write may change (everything else is the store's). */
export type WebhookFields = Pick<Webhook, "url" | "description" | "eventTypes" | "status" | "disabledReason" | "disabledAt" | "failingSince">

/** `GET /admin/webhooks/{webhook_id}`. */
export const WebhookJson = Schema.Struct({
  id: Schema.String,
  url: Schema.String,
  description: Schema.NullOr(Schema.String),
  event_types: Schema.Array(Schema.String),
  status: WebhookStatus,
  disabled_reason: Schema.NullOr(DisabledReason),
  disabled_at: Schema.NullOr(Timestamp),
  failing_since: Schema.NullOr(Timestamp),
  previous_secret_expires_at: Schema.NullOr(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Webhook" })

/** `POST /admin/webhooks`'s answer: the endpoint and its secret, shown once. */
export const WebhookCreatedJson = Schema.Struct({ ...WebhookJson.fields, secret: Schema.String }).annotations({ identifier: "WebhookCreated" })

/** The answer of `POST …/secret/rotate`. */
export const WebhookSecretJson = Schema.Struct({ secret: Schema.String, previous_secret_expires_at: Schema.NullOr(Timestamp) }).annotations({
  identifier: "WebhookSecret"
})

/** The visible time of a stored one: the previous secret only counts while it is live. */
const liveUntil = (w: Webhook, now: Date): Date | null =>
  w.previousSecret !== null && w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > now ? w.previousSecretExpiresAt : null

/** The API representation (never a secret). */
export const webhookToJson = (w: Webhook, now: Date): typeof WebhookJson.Encoded => ({
  id: w.id,
  url: w.url,
  description: w.description,
  event_types: [...w.eventTypes],
  status: w.status,
  disabled_reason: w.disabledReason,
  disabled_at: w.disabledAt?.toISOString() ?? null,
  failing_since: w.failingSince?.toISOString() ?? null,
  previous_secret_expires_at: liveUntil(w, now)?.toISOString() ?? null,
  created_at: w.createdAt.toISOString(),
  updated_at: w.updatedAt.toISOString()
})

/** The secrets that sign now, newest first (EVENTS.md §4.2: both during an overlap). */
export const liveSecrets = (w: Webhook, now: Date): ReadonlyArray<string> =>
  liveUntil(w, now) !== null && w.previousSecret !== null ? [w.secret, w.previousSecret] : [w.secret]

// ---------------------------------------------------------------------------------------------
// Event type filters

/** Every filter entry there is: `*`, each type, and `prefix.*` of each type's prefix. */
export const EVENT_TYPE_ENTRIES: ReadonlyArray<string> = [
  "*",
  ...new Set(EVENT_TYPES.map((t) => `${t.slice(0, t.indexOf("."))}.*`)),
  ...EVENT_TYPES
]

/** True when an entry is `*`, a known type, or `prefix.*` of a known type. */
export const isEventTypeEntry = (e: string): boolean => EVENT_TYPE_ENTRIES.includes(e)

/** Whether a filter keeps an event type (exact, `prefix.*` or `*`; matched at dispatch). */
export const matchesEventTypes = (filter: ReadonlyArray<string>, type: string): boolean =>
  filter.some((e) => e === "*" || (e.endsWith(".*") ? type.startsWith(e.slice(0, -1)) : e === type))

const EventTypeEntry = Schema.String.pipe(
  Schema.filter(isEventTypeEntry, { ...reason("invalid_format", "an event type, prefix.* or *"), jsonSchema: { enum: [...EVENT_TYPE_ENTRIES] } })
).annotations({ arbitrary: () => (fc) => fc.constantFrom("*", "preferences.updated", "user.*", "webhook.disabled") })

const EventTypeList = Schema.Array(EventTypeEntry).pipe(
  Schema.filter((a) => a.length > 0, { ...reason("invalid_format", "at least one event type"), ...stable, jsonSchema: { minItems: 1 } }),
  Schema.filter((a) => a.length <= 100, { ...reason("too_many", "at most 100 entries"), ...stable, jsonSchema: { maxItems: 100 } })
)

// ---------------------------------------------------------------------------------------------
// URLs (EVENTS.md §4.4)

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f]/

const WebhookUrl = Schema.String.pipe(
  Schema.filter((s) => s.length <= WEBHOOK_URL_MAX, { ...reason("too_long", `at most ${WEBHOOK_URL_MAX} characters`), jsonSchema: { maxLength: WEBHOOK_URL_MAX } })
).annotations({
  jsonSchema: { format: "uri", pattern: "^https://[^\\s/?#@]+([/?][^\\s#]*)?$" },
  arbitrary: () => (fc) => fc.constantFrom("https://example.com/hooks", "https://hooks.example.org/notiflows?x=1")
})

/**
 * The URL rules of §4.4 (a second pass: they depend on `allowPrivate`): absolute `https:` (or
 * `http:` when private addresses are allowed), no user info or fragment, and not `localhost` or an
 * IP literal outside public space, judged after WHATWG normalisation. Answers the normalised URL.
 */
export const checkWebhookUrl = (raw: string, allowPrivate: boolean, field = "url"): { readonly url: string } | { readonly issue: FieldIssue } => {
  const bad = (message: string) => ({ issue: issue(field, "invalid_format", message) })
  if (CONTROL_OR_SPACE.test(raw)) return bad("must not contain spaces or control characters")
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return bad("must be an absolute URL")
  }
  const protocols = allowPrivate ? ["https:", "http:"] : ["https:"]
  if (!protocols.includes(u.protocol)) return bad(allowPrivate ? "must be an http: or https: URL" : "must be an https: URL")
  if (u.username !== "" || u.password !== "") return bad("must not contain user info")
  if (raw.includes("#")) return bad("must not contain a fragment")
  if (u.href.length > WEBHOOK_URL_MAX) return { issue: issue(field, "too_long", `at most ${WEBHOOK_URL_MAX} characters`) }
  if (!allowPrivate) {
    const host = u.hostname.toLowerCase().replace(/\.$/, "")
    if (host === "localhost" || host.endsWith(".localhost")) return bad("must not address localhost")
    const literal = host.startsWith("[") ? host.slice(1, -1) : host
    if (ipFamily(literal) !== undefined && !isGlobalAddress(literal)) return bad("must not address a private, loopback or reserved IP address")
  }
  return { url: u.href }
}

// ---------------------------------------------------------------------------------------------
// Secrets (Standard Webhooks: `whsec_` + base64)

const base64Bytes = (s: string): number | undefined => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) return undefined
  return (s.length / 4) * 3 - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0)
}

/** A supplied secret: `whsec_` + base64 of 24–64 bytes. */
export const WebhookSecretInput = Schema.String.pipe(
  Schema.filter(
    (s) => {
      const n = s.startsWith("whsec_") ? base64Bytes(s.slice(6)) : undefined
      return n !== undefined && n >= 24 && n <= 64
    },
    { ...reason("invalid_format", "must be whsec_ followed by the base64 of 24 to 64 bytes"), jsonSchema: { pattern: "^whsec_[A-Za-z0-9+/]+={0,2}$" } }
  )
).annotations({ arbitrary: () => (fc) => fc.constant(`whsec_${btoa("x".repeat(32))}`) })

interface WebCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T
}

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => {
  const bytes = (globalThis as unknown as { readonly crypto: WebCrypto }).crypto.getRandomValues(new Uint8Array(32))
  return `whsec_${btoa(String.fromCharCode(...bytes))}`
}

// ---------------------------------------------------------------------------------------------
// Requests

const Description = Schema.String.pipe(
  Schema.filter((s) => [...s].length <= WEBHOOK_DESCRIPTION_MAX, {
    ...reason("too_long", `at most ${WEBHOOK_DESCRIPTION_MAX} characters`),
    jsonSchema: { maxLength: WEBHOOK_DESCRIPTION_MAX }
  })
).annotations({ arbitrary: () => (fc) => fc.constantFrom("CRM sync", "") })

/** `POST /admin/webhooks`. */
export const WebhookCreateSchema = Schema.Struct({
  url: WebhookUrl,
  event_types: Schema.optional(EventTypeList),
  description: Schema.optional(Schema.NullOr(Description)),
  status: Schema.optional(WebhookStatus),
  secret: Schema.optional(WebhookSecretInput)
}).annotations({ identifier: "WebhookCreate" })
export type WebhookCreate = typeof WebhookCreateSchema.Type

const ReadOnly = Schema.optional(Schema.Unknown)

/** `PATCH /admin/webhooks/{webhook_id}`: a merge patch; read-only fields are ignored. */
export const WebhookPatchSchema = Schema.Struct({
  url: Schema.optional(WebhookUrl),
  event_types: Schema.optional(Schema.NullOr(EventTypeList)),
  description: Schema.optional(Schema.NullOr(Description)),
  status: Schema.optional(WebhookStatus),
  id: ReadOnly,
  disabled_reason: ReadOnly,
  disabled_at: ReadOnly,
  failing_since: ReadOnly,
  previous_secret_expires_at: ReadOnly,
  created_at: ReadOnly,
  updated_at: ReadOnly
}).annotations({ identifier: "WebhookPatch" })
export type WebhookPatch = typeof WebhookPatchSchema.Type

/** `POST /admin/webhooks/{webhook_id}/secret/rotate`. */
export const WebhookRotateSchema = Schema.Struct({
  overlap_seconds: Schema.optional(
    Schema.Int.pipe(Schema.between(0, MAX_OVERLAP_SECONDS, { ...reason("out_of_range", `an integer from 0 to ${MAX_OVERLAP_SECONDS}`) }))
  ),
  secret: Schema.optional(WebhookSecretInput)
}).annotations({ identifier: "WebhookSecretRotate" })
export type WebhookRotate = typeof WebhookRotateSchema.Type

/** The endpoint after a patch (pure; `url` already checked and normalised): `status` moves `disabled_reason`, `disabled_at`, `failing_since`. */
export const applyWebhookPatch = (w: Webhook, patch: WebhookPatch, url: string | undefined, now: Date): WebhookFields => {
  const base: WebhookFields = {
    url: url ?? w.url,
    description: patch.description === undefined ? w.description : patch.description,
    eventTypes: patch.event_types === undefined ? w.eventTypes : (patch.event_types ?? ["*"]),
    status: w.status,
    disabledReason: w.disabledReason,
    disabledAt: w.disabledAt,
    failingSince: w.failingSince
  }
  if (patch.status === "disabled" && w.status === "enabled") return { ...base, status: "disabled", disabledReason: "manual", disabledAt: now }
  if (patch.status === "enabled" && w.status === "disabled") return { ...base, status: "enabled", disabledReason: null, disabledAt: null, failingSince: null }
  return base
}

/** True when two field sets are equal (a no-op patch writes nothing). */
export const sameWebhookFields = (a: WebhookFields, b: WebhookFields): boolean =>
  a.url === b.url &&
  a.description === b.description &&
  JSON.stringify(a.eventTypes) === JSON.stringify(b.eventTypes) &&
  a.status === b.status &&
  a.disabledReason === b.disabledReason &&
  a.disabledAt?.getTime() === b.disabledAt?.getTime() &&
  a.failingSince?.getTime() === b.failingSince?.getTime()
