/**
 * The batch evaluation's response written as text (routes/EvaluateJson.ts, links/Mint.ts): the
 * same bytes as `JSON.stringify` of the response object, for any decisions, ids and links, and
 * the batch sealer's tokens are exactly the tokens `seal` gives for the same fields.
 */
import { randomUUID } from "node:crypto"
import type { BatchGrants, DecisionV2, LinkGrant, LinkKey, ProjectId, UserId } from "@notiflows/domain"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { batchLinksTexts, LINK_ROUTES } from "../src/links/Mint.js"
import { batchSealer, macValid, parse, seal, userIdOf } from "../src/links/LinkToken.js"
import { batchResponseBytes } from "../src/routes/EvaluateJson.js"

const batchResponseText = (...args: Parameters<typeof batchResponseBytes>) => batchResponseBytes(...args).toString("utf8")

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString("hex"))
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const text = fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom('a"b', "c\\d", "\u2028", "\ud800", "é"))

const decision: fc.Arbitrary<DecisionV2> = fc
  .record({
    deliver: fc.boolean(),
    reason: fc.constantFrom("allowed", "channel_opt_out", "category_disabled", "required_notiflow"),
    source: fc.constantFrom("user", "tenant_lock", "default", "catalog"),
    category_id: fc.option(text, { nil: undefined }),
    frozen: fc.boolean()
  })
  .map(({ category_id, frozen, ...d }) => {
    const out = (category_id === undefined ? d : { ...d, category_id }) as DecisionV2
    return frozen ? Object.freeze(out) : out
  })

const channels = fc.uniqueArray(fc.constantFrom("email", "sms", "push", "in_app", "chat", "webhook"), { minLength: 1, maxLength: 6 })

const response = channels.chain((chs) =>
  fc.record({
    notiflow_id: text,
    tenant_id: fc.option(text, { nil: undefined }),
    results: fc.array(
      fc.record({
        user_id: text,
        user_found: fc.boolean(),
        channel_types: fc.tuple(...chs.map(() => decision)).map((ds) => Object.fromEntries(chs.map((c, i) => [c, ds[i]])))
      }),
      { maxLength: 20 }
    )
  })
)

describe("batch evaluation response bytes", () => {
  it("are the UTF-8 bytes of JSON.stringify of the response, with and without links", () => {
    fc.assert(
      fc.property(response, fc.boolean(), (r0, withLinks) => {
        const r = r0.tenant_id === undefined ? { notiflow_id: r0.notiflow_id, results: r0.results } : r0
        // Twice: the second pass reads the kept texts of frozen decisions.
        for (let pass = 0; pass < 2; pass++) {
          if (!withLinks) expect(batchResponseText(r as never)).toBe(JSON.stringify(r))
          else {
            const links = (id: string) => (id.length % 2 === 0 ? "null" : JSON.stringify({ id }))
            const expected = { ...r, results: r.results.map((x) => ({ ...x, links: x.user_id.length % 2 === 0 ? null : { id: x.user_id } })) }
            expect(batchResponseText(r as never, links)).toBe(JSON.stringify(expected))
          }
        }
      }),
      { numRuns: 300 }
    )
  })
})

const sealInput = fc.record({
  project: fc.uuid(),
  kid: hex(4),
  secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  tokens: fc.array(fc.record({ userId: fc.uuid(), purpose: fc.constantFrom(1, 2), scope: hex(8), iat: u32, exp: u32 }), { minLength: 1, maxLength: 6 })
})

describe("batch sealer", () => {
  it("seals exactly what seal() seals for the same fields and jti, token after token", () => {
    fc.assert(
      fc.property(sealInput, ({ project, kid, secret, tokens }) => {
        const sealBatch = batchSealer(project, kid, secret)
        for (const t of [...tokens, ...tokens]) {
          const got = sealBatch(t)
          expect(got).toEqual(seal({ ...t, project, kid, secret, prev: 0, jti: got.jti }))
          expect(parse(got.token)?.jti).toBe(got.jti)
        }
      }),
      { numRuns: 200 }
    )
  })
})

describe("batch links text", () => {
  const key: LinkKey = {
    projectId: randomUUID() as ProjectId,
    kid: "0a1b2c3d",
    secret: new Uint8Array(32).fill(7),
    active: true,
    createdAt: new Date(0),
    revokedAt: null
  }
  const grant = (purpose: LinkGrant["purpose"], userId: string, exp: number): LinkGrant => ({
    key,
    userId: userId as UserId,
    purpose,
    scopeRecordId: purpose === "unsubscribe" ? "00000000000000ab" : "0000000000000000",
    scope: null,
    tenantId: null,
    iat: exp - 100,
    exp
  })

  it("writes the requested links, headers with unsubscribe, tokens that verify for their user", () => {
    const base = 'https://ex.test/a"b'
    const texts = batchLinksTexts(base)
    const user = randomUUID()
    const both: BatchGrants = { unsubscribe: grant("unsubscribe", user, 2_000_000_000), preference_center: grant("preference_center", user, 2_000_000_100) }
    const parsed = JSON.parse(texts(both)) as Record<string, { id: string; url: string; token: string; expires_at: string } | null | Record<string, string>>
    expect(Object.keys(parsed)).toEqual(["unsubscribe", "preference_center", "headers"])
    for (const [purpose, route, exp] of [
      ["unsubscribe", LINK_ROUTES.unsubscribe, 2_000_000_000],
      ["preference_center", LINK_ROUTES.preference_center, 2_000_000_100]
    ] as const) {
      const link = parsed[purpose] as { id: string; url: string; token: string; expires_at: string }
      expect(Object.keys(link)).toEqual(["id", "url", "token", "expires_at"])
      expect(link.url).toBe(`${base}/l/${route}/${link.token}`)
      expect(link.expires_at).toBe(new Date(exp * 1000).toISOString())
      const t = parse(link.token)!
      expect(t.jti).toBe(link.id)
      expect(macValid(t, key.secret)).toBe(true)
      expect(userIdOf(t, key.secret)).toBe(user)
    }
    const unsubscribeUrl = (parsed["unsubscribe"] as { url: string }).url
    expect(parsed["headers"]).toEqual({ "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" })
    expect(texts({ unsubscribe: null, preference_center: grant("preference_center", user, 1_000_000) })).toMatch(/^\{"unsubscribe":null,"preference_center":\{.*\},"headers":null\}$/)
    expect(JSON.parse(texts({ preference_center: grant("preference_center", user, 1_000_000) }))).not.toHaveProperty("headers")
    expect(texts({})).toBe("{}")
    expect(texts(undefined)).toBe("null")
  })
})
