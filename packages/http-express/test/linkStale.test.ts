/**
 * A link's first read comes with its verification (the token's user and the snapshot in one
 * statement, `VerifiedLink.snapshot`); decisions after a lost write must read afresh. Here the
 * snapshot goes stale between verification and the one-click write: the notiflow becomes
 * required and another writer commits the user's set. The write loses its compare-and-set, the
 * retry sees the required notiflow and writes nothing, and the answer is the fresh state's.
 */
import * as Effect from "effect/Effect"
import request from "supertest"
import { describe, expect, it } from "vitest"
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { getScopedPreferences, globalScope } from "@notiflows/domain"
import { unsubscribe } from "../src/links/Unsubscribe.js"
import { verifyLink } from "../src/links/Verify.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

describe("a link's snapshot read with its user", () => {
  it("is taken once the caches are warm, and a one-click decided on it after the state moved writes nothing and answers the fresh state", async () => {
    const p = await h.project()
    const userId = freshId("u")
    const put = (path: string, body: object) => request(h.app).put(`/api${path}`).set(p.admin).send(body)
    await put("/admin/notiflows/newsletter", { name: "Newsletter" }).expect(201)
    await put(`/admin/users/${userId}`, {}).expect(201)
    const minted = await request(h.app).post(`/api/admin/users/${userId}/links`).set(p.admin).send({ purpose: "unsubscribe", scope: { notiflow_id: "newsletter" } }).expect(200)
    const token = minted.body.token as string
    // Warm the caches the fiberless read needs (a confirm page reads them).
    await request(h.app).get(`/api/l/unsubscribe/${token}`).expect(200)
    const verified = await verifyLink(h.runtime, token, "unsubscribe", h.clock.now)
    if (!verified.ok) throw new Error(`not verified: ${verified.status}`)
    const link = verified.link
    expect(link.snapshot, "the user's snapshot comes with the verification").toBeDefined()
    const before = link.snapshot!.global.version

    // The state moves on: the notiflow becomes required, and another writer commits the set.
    await put("/admin/notiflows/newsletter", { name: "Newsletter", required: true }).expect(200)
    await put(`/admin/users/${userId}/preferences`, { channel_types: { sms: false } }).expect(200)

    const env = { runtime: h.runtime, now: () => h.clock.now, requestId: "req_stale", consent: { ip: null, user_agent: null } }
    const page = await unsubscribe(env, link, "one_click")
    expect(page.kind).toBe("confirm")
    expect(page.kind === "confirm" ? page.state : undefined).toBe("required")
    const after = await h.runtime.runPromise(getScopedPreferences(p.project.id as ProjectId, userId as ExternalUserId, globalScope).pipe(Effect.orDie))
    // Only the other writer's commit: the one-click wrote nothing.
    expect(after.global.version).toBe(before + 1)
    expect(after.global.notiflows["newsletter"]).toBeUndefined()
  })
})
