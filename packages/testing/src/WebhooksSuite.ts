/**
 * Conformance (EVENTS.md §4.1, §4.4): webhook endpoints — create with defaults and the secret,
 * the project limit, URL rules, merge patch with status transitions, `If-Match`, delete, secret
 * rotation with overlap, and the repository's revision checks.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  liveSecrets,
  listWebhooks,
  MAX_WEBHOOKS,
  PreconditionFailed,
  rotateWebhookSecret,
  updateWebhook,
  ValidationFailed,
  VersionConflict,
  WebhookNotFound,
  WebhookPolicy,
  WebhookRepository
} from "@notiflows/domain"
import { flipFailure, freshProject } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { pid, runModelSuite } from "./internal/modelHarness.js"

const fields = (e: unknown) => (e instanceof ValidationFailed ? e.issues.map((i) => `${i.field}|${i.reason}`).sort() : e)
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/

export const webhooksCases = (it: ModelIt): void => {
  describe("webhook endpoints", () => {
    it.effect("create: defaults, a new secret shown once, the URL normalised; read and list answer it", () =>
      Effect.gen(function* () {
        const id = pid((yield* freshProject).id)
        const { webhook, secret } = yield* createWebhook(id, { url: "https://Hooks.Example.COM:443/a/../in?x=1" })
        assert.match(secret, SECRET)
        assert.strictEqual(webhook.url, "https://hooks.example.com/in?x=1")
        assert.deepStrictEqual(webhook.eventTypes, ["*"])
        assert.strictEqual(webhook.status, "enabled")
        assert.strictEqual(webhook.disabledReason, null)
        assert.strictEqual(webhook.description, null)
        assert.strictEqual(webhook.previousSecretExpiresAt, null)
        assert.deepStrictEqual(yield* getWebhook(id, webhook.id), webhook)
        assert.deepStrictEqual(liveSecrets(webhook, new Date()), [secret])
        const supplied = `whsec_${btoa("k".repeat(24))}`
        const second = yield* createWebhook(id, { url: "https://example.org/h", event_types: ["user.*", "preferences.updated"], description: "CRM", status: "disabled", secret: supplied })
        assert.strictEqual(second.secret, supplied)
        assert.strictEqual(second.webhook.status, "disabled")
        assert.strictEqual(second.webhook.disabledReason, "manual")
        const page = yield* listWebhooks(id, { limit: 1 })
        assert.deepStrictEqual(page.items.map((w) => w.id), [second.webhook.id])
        assert.isTrue(page.page.has_more_after)
        const rest = yield* listWebhooks(id, { limit: 5, after: second.webhook.id })
        assert.deepStrictEqual(rest.items.map((w) => w.id), [webhook.id])
      }))

    it.effect("at most 20 endpoints per project (422 too_many)", () =>
      Effect.gen(function* () {
        const id = pid((yield* freshProject).id)
        yield* Effect.all(Array.from({ length: MAX_WEBHOOKS + 3 }, (_, i) => Effect.either(createWebhook(id, { url: `https://example.com/${i}` }))), {
          concurrency: 8
        })
        const all = yield* listWebhooks(id, { limit: 100 })
        assert.strictEqual(all.items.length, MAX_WEBHOOKS)
        assert.deepStrictEqual(fields(yield* flipFailure(createWebhook(id, { url: "https://example.com/x" }))), ["|too_many"])
      }))

    it.effect("422: URL rules of §4.4, event types, secrets, descriptions; every problem listed", () =>
      Effect.gen(function* () {
        const id = pid((yield* freshProject).id)
        const refused = [
          "http://example.com/h",
          "https://user:pw@example.com/h",
          "https://example.com/h#frag",
          "https://localhost/h",
          "https://api.localhost./h",
          "https://127.0.0.1/h",
          "https://0x7f.1/h",
          "https://2130706433/h",
          "https://10.1.2.3/h",
          "https://169.254.169.254/latest",
          "https://100.64.0.1/",
          "https://[::1]/h",
          "https://[::ffff:127.0.0.1]/h",
          "https://[fd00::1]/h",
          "https://[fe80::1]/h",
          "https://[64:ff9b::a9fe:a9fe]/h",
          "https://[2002:7f00:1::]/h",
          "https://[2001::1]/h",
          "ftp://example.com/h",
          "not a url"
        ]
        for (const url of refused) {
          assert.deepStrictEqual(fields(yield* flipFailure(createWebhook(id, { url }))), ["url|invalid_format"], url)
        }
        assert.deepStrictEqual(fields(yield* flipFailure(createWebhook(id, { url: `https://example.com/${"a".repeat(2048)}` }))), ["url|too_long"])
        const e = yield* flipFailure(
          createWebhook(id, { url: 3, event_types: [], description: "d".repeat(256), status: "paused", secret: "whsec_short", extra: 1 })
        )
        assert.deepStrictEqual(fields(e), ["description|too_long", "event_types|invalid_format", "extra|unknown_field", "secret|invalid_format", "status|invalid_type", "url|invalid_type"])
        assert.deepStrictEqual(fields(yield* flipFailure(createWebhook(id, { url: "https://example.com", event_types: ["nope", "user.*", "foo.*"] }))), [
          "event_types.0|invalid_format",
          "event_types.2|invalid_format"
        ])
        // Public addresses pass; private ones pass when the policy allows them.
        yield* createWebhook(id, { url: "https://93.184.216.34/h" })
        yield* createWebhook(id, { url: "https://[2606:4700::1111]/h" })
        const local = yield* Effect.provideService(createWebhook(id, { url: "http://127.0.0.1:8080/h" }), WebhookPolicy, { allowPrivate: true, timeoutMs: 10_000 })
        assert.strictEqual(local.webhook.url, "http://127.0.0.1:8080/h")
        assert.strictEqual((yield* listWebhooks(id, { limit: 100 })).items.length, 3)
      }))

    it.effect("PATCH: merge patch, read-only fields ignored, status moves reason and times, no-op writes nothing", () =>
      Effect.gen(function* () {
        const id = pid((yield* freshProject).id)
        const { webhook } = yield* createWebhook(id, { url: "https://example.com/h", description: "x" })
        const patched = yield* updateWebhook(id, webhook.id, { description: null, event_types: ["user.*"], id: "ignored", created_at: "never" })
        assert.strictEqual(patched.description, null)
        assert.deepStrictEqual(patched.eventTypes, ["user.*"])
        assert.strictEqual(patched.revision, webhook.revision + 1)
        assert.deepStrictEqual(yield* updateWebhook(id, webhook.id, { description: null }), patched)
        const reset = yield* updateWebhook(id, webhook.id, { event_types: null })
        assert.deepStrictEqual(reset.eventTypes, ["*"])
        const disabled = yield* updateWebhook(id, webhook.id, { status: "disabled" })
        assert.strictEqual(disabled.disabledReason, "manual")
        assert.isNotNull(disabled.disabledAt)
        const enabled = yield* updateWebhook(id, webhook.id, { status: "enabled" })
        assert.strictEqual(enabled.disabledReason, null)
        assert.strictEqual(enabled.disabledAt, null)
        assert.strictEqual(enabled.failingSince, null)
        assert.deepStrictEqual(fields(yield* flipFailure(updateWebhook(id, webhook.id, { url: "http://example.com", secret: "whsec_x" }))), [
          "secret|unknown_field",
          "url|invalid_format"
        ])
        assert.instanceOf(yield* flipFailure(updateWebhook(id, "0190a1f4-0000-7000-8000-000000000000", {})), WebhookNotFound)
        assert.instanceOf(yield* flipFailure(getWebhook(id, "not-a-uuid")), WebhookNotFound)
      }))

    it.effect("If-Match: a failed precondition answers the current tag and writes nothing (PATCH and DELETE)", () =>
      Effect.gen(function* () {
        const id = pid((yield* freshProject).id)
        const { webhook } = yield* createWebhook(id, { url: "https://example.com/h" })
        assert.instanceOf(yield* flipFailure(updateWebhook(id, webhook.id, { description: "n" }, () => "\"current\"")), PreconditionFailed)
        assert.instanceOf(yield* flipFailure(deleteWebhook(id, webhook.id, () => "\"current\"")), PreconditionFailed)
        assert.deepStrictEqual(yield* getWebhook(id, webhook.id), webhook)
        yield* deleteWebhook(id, webhook.id, () => undefined)
        assert.instanceOf(yield* flipFailure(getWebhook(id, webhook.id)), WebhookNotFound)
        assert.instanceOf(yield* flipFailure(deleteWebhook(id, webhook.id)), WebhookNotFound)
      }))

    it.effect("secret rotation: overlap keeps the previous secret signing; rotating again retires the older one; 0 drops it", () =>
      Effect.gen(function* () {
        const id = pid((yield* freshProject).id)
        const { webhook, secret: first } = yield* createWebhook(id, { url: "https://example.com/h" })
        const before = Date.now()
        const r1 = yield* rotateWebhookSecret(id, webhook.id, {})
        assert.match(r1.secret, SECRET)
        assert.notStrictEqual(r1.secret, first)
        const expires = r1.previousSecretExpiresAt?.getTime() ?? 0
        assert.isTrue(expires >= before + 86_400_000 && expires <= Date.now() + 86_400_000)
        const stored = yield* getWebhook(id, webhook.id)
        assert.deepStrictEqual(liveSecrets(stored, new Date()), [r1.secret, first])
        assert.deepStrictEqual(liveSecrets(stored, new Date(expires + 1)), [r1.secret])
        const supplied = `whsec_${btoa("s".repeat(64))}`
        const r2 = yield* rotateWebhookSecret(id, webhook.id, { overlap_seconds: 60, secret: supplied })
        assert.strictEqual(r2.secret, supplied)
        assert.deepStrictEqual(liveSecrets(yield* getWebhook(id, webhook.id), new Date()), [supplied, r1.secret])
        const r3 = yield* rotateWebhookSecret(id, webhook.id, { overlap_seconds: 0 })
        assert.strictEqual(r3.previousSecretExpiresAt, null)
        assert.deepStrictEqual(liveSecrets(yield* getWebhook(id, webhook.id), new Date()), [r3.secret])
        assert.deepStrictEqual(fields(yield* flipFailure(rotateWebhookSecret(id, webhook.id, { overlap_seconds: 604_801, secret: "x" }))), [
          "overlap_seconds|out_of_range",
          "secret|invalid_format"
        ])
        assert.instanceOf(yield* flipFailure(rotateWebhookSecret(id, "0190a1f4-0000-7000-8000-000000000000", {})), WebhookNotFound)
      }))

    it.effect("the repository compares and sets by revision; remove answers whether it removed", () =>
      Effect.gen(function* () {
        const repo = yield* WebhookRepository
        const id = pid((yield* freshProject).id)
        const { webhook } = yield* createWebhook(id, { url: "https://example.com/h" })
        const fieldsOf = { ...webhook, description: "B" }
        const stale = yield* flipFailure(repo.update(id, webhook.id, fieldsOf, webhook.revision + 5, new Date()))
        assert.instanceOf(stale, VersionConflict)
        const saved = yield* repo.update(id, webhook.id, fieldsOf, webhook.revision, new Date())
        assert.strictEqual(saved.description, "B")
        assert.strictEqual(Option.getOrThrow(yield* repo.get(id, webhook.id)).revision, webhook.revision + 1)
        // Another project never sees it.
        const other = pid((yield* freshProject).id)
        assert.isTrue(Option.isNone(yield* repo.get(other, webhook.id)))
        assert.isFalse(yield* repo.remove(other, webhook.id))
        assert.isTrue(yield* repo.remove(id, webhook.id))
        assert.isFalse(yield* repo.remove(id, webhook.id))
      }))
  })
}

export const webhooksSuite = (name: string, layer: ModelLayer): void => runModelSuite(name, layer, webhooksCases)
