/**
 * The data-subject export over HTTP (EVENTS.md §1.2) on the in-memory adapters: the headers as
 * written, chunked; the document (profile, global then tenant sets in code point order with
 * explicit and effective views, the ledger oldest first across pages); 404; and a failure after
 * the first byte aborting the connection.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import request from "supertest"
import { afterAll, describe, expect, it } from "vitest"
import type { ExternalUserId, ProjectId } from "@notiflows/domain"
import { beginUserExport, RepositoryError, ScopedPreferenceRepository, USER_EXPORT_PAGE } from "@notiflows/domain"
import { InMemory } from "@notiflows/testing"
import { writeUserExport } from "../src/routes/UserExport.js"
import { freshId, makeHarness } from "./harness.js"

const h = makeHarness()

const write = (p: { admin: Record<string, string> }, userId: string, tenant: string | null, body: object) =>
  request(h.app)
    .put(`/api/admin/users/${userId}/preferences${tenant === null ? "" : `?tenant_id=${tenant}`}`)
    .set(p.admin)
    .send(body)
    .expect(200)

describe("GET /admin/users/{user_id}/export", () => {
  it("streams the whole document with the headers of §1.2", async () => {
    const p = await h.project({ securityMode: "off" })
    const userId = freshId("u")
    const created = await request(h.app)
      .put(`/api/admin/users/${userId}`)
      .set(p.admin)
      .send({ email: "a@example.com", custom_fields: { plan: "pro" } })
      .expect(201)
    // More entries than one page, spread over the global set and three tenants.
    const n = USER_EXPORT_PAGE + 40
    for (let i = 0; i < n; i++) {
      const tenant = [null, "zeta", "acme", "Beta"][i % 4] ?? null
      await write(p, userId, tenant, { channel_types: { sms: i % 8 < 4 } })
    }
    const res = await request(h.app).get(`/api/admin/users/${userId}/export`).set(p.admin).expect(200)
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8")
    expect(res.headers["cache-control"]).toBe("no-store")
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="user-${created.body.id}.json"`)
    expect(res.headers["transfer-encoding"]).toBe("chunked")
    expect(res.headers["content-length"]).toBeUndefined()
    const doc = JSON.parse(res.text) as Record<string, unknown>
    expect(Object.keys(doc)).toEqual(["export_version", "generated_at", "project_id", "user", "preference_sets", "ledger"])
    expect(doc["export_version"]).toBe(1)
    expect(doc["project_id"]).toBe(p.project.id)
    const user = await request(h.app).get(`/api/admin/users/${userId}`).set(p.admin).expect(200)
    expect(doc["user"]).toEqual(user.body)
    const sets = doc["preference_sets"] as ReadonlyArray<{ tenant_id: string | null; version: number; explicit: unknown; effective: unknown }>
    // Global first, then tenants in code point order ("Beta" < "acme" < "zeta").
    expect(sets.map((s) => s.tenant_id)).toEqual([null, "Beta", "acme", "zeta"])
    for (const s of sets) {
      const q = s.tenant_id === null ? "" : `?tenant_id=${s.tenant_id}`
      const view = await request(h.app).get(`/api/admin/users/${userId}/preferences${q}`).set(p.admin).expect(200)
      expect(s.effective).toEqual(view.body)
      expect(Object.keys(s.explicit as object)).toEqual(["channel_types", "categories", "notiflows"])
    }
    const ledger = doc["ledger"] as ReadonlyArray<{ changed_at: string; tenant_id: string | null; version: number }>
    // Every write changed its set (sms flips every 4 writes of the same set): one entry each.
    expect(ledger.length).toBe(sets.reduce((a, s) => a + s.version, 0))
    const key = (e: (typeof ledger)[number]) => [e.changed_at, e.tenant_id === null ? "" : `~${e.tenant_id}`, String(e.version).padStart(8, "0")].join("|")
    const sorted = [...ledger].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    expect(ledger.map(key)).toEqual(sorted.map(key))
  })

  it("answers 404 for an unknown user", async () => {
    const p = await h.project()
    const res = await request(h.app).get(`/api/admin/users/${freshId("nobody")}/export`).set(p.admin).expect(404)
    expect(res.body.error.details).toMatchObject({ resource: "user" })
  })
})

describe("a failure after the first byte", () => {
  // The ledger's second page fails: the client must see an aborted connection, not valid JSON.
  let calls = 0
  const failing = Layer.effectContext(
    Effect.map(InMemory.make, (context) => {
      const repo = Context.get(context, ScopedPreferenceRepository)
      const ledgerPage: ScopedPreferenceRepository["Type"]["ledgerPage"] = (...args) =>
        ++calls >= 2 ? Effect.fail(new RepositoryError({ operation: "preferences.ledgerPage", unavailable: true, cause: new Error("down") })) : repo.ledgerPage(...args)
      return Context.add(context, ScopedPreferenceRepository, { ...repo, ledgerPage })
    })
  )
  const broken = makeHarness({}, failing)
  const server = http.createServer(broken.app)
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it("aborts the connection", async () => {
    const p = await broken.project()
    const userId = freshId("u")
    await request(broken.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    for (let i = 0; i < USER_EXPORT_PAGE + 1; i++) {
      await request(broken.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: i % 2 === 0 } }).expect(200)
    }
    calls = 0
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    const outcome = await new Promise<{ status: number; body: string; aborted: boolean }>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: `/api/admin/users/${userId}/export`, headers: p.admin }, (res) => {
        let body = ""
        let aborted = false
        res.setEncoding("utf8")
        res.on("data", (c: string) => (body += c))
        res.on("aborted", () => (aborted = true))
        res.on("error", () => (aborted = true))
        res.on("close", () => resolve({ status: res.statusCode ?? 0, body, aborted: aborted || !res.complete }))
      })
      req.on("error", () => resolve({ status: 0, body: "", aborted: true }))
    })
    expect(outcome.status).toBe(200)
    expect(outcome.aborted).toBe(true)
    expect(outcome.body.startsWith('{"export_version":1')).toBe(true)
    expect(() => JSON.parse(outcome.body)).toThrow()
    expect(broken.logs.join("")).toContain("streamed response aborted")
  })
})

describe("backpressure", () => {
  // Counts the ledger reads, to see when they happen relative to the client taking the bytes.
  let reads = 0
  const counting = Layer.effectContext(
    Effect.map(InMemory.make, (context) => {
      const repo = Context.get(context, ScopedPreferenceRepository)
      const ledgerPage: ScopedPreferenceRepository["Type"]["ledgerPage"] = (...args) => Effect.zipRight(Effect.sync(() => reads++), repo.ledgerPage(...args))
      return Context.add(context, ScopedPreferenceRepository, { ...repo, ledgerPage })
    })
  )
  const c = makeHarness({}, counting)

  it("reads the next ledger page only once the previous one was written: one page held at most", async () => {
    const p = await c.project()
    const userId = freshId("u")
    await request(c.app).put(`/api/admin/users/${userId}`).set(p.admin).send({}).expect(201)
    for (let i = 0; i < 2 * USER_EXPORT_PAGE + 7; i++) {
      await request(c.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: i % 2 === 0 } }).expect(200)
    }
    const projectId = p.project.id as ProjectId
    const plan = await c.runtime.runPromise(beginUserExport(projectId, userId as ExternalUserId))
    reads = 0
    const readsAtWrite: Array<number> = []
    const chunks: Array<string> = []
    await writeUserExport(c.runtime, projectId, plan, async (chunk) => {
      readsAtWrite.push(reads)
      chunks.push(chunk)
      // A slow client: the next read must wait for this.
      await new Promise((resolve) => setImmediate(resolve))
    })
    // head (no read yet), page 1 after read 1, page 2 after read 2, page 3 after read 3, the tail.
    expect(readsAtWrite).toEqual([0, 1, 2, 3, 3])
    const doc = JSON.parse(chunks.join("")) as { ledger: ReadonlyArray<unknown> }
    expect(doc.ledger).toHaveLength(2 * USER_EXPORT_PAGE + 7)
  })
})

describe("an erasure during the stream", () => {
  // The user is erased right before the ledger's second page is read (as a concurrent DELETE would).
  let erase: (() => Effect.Effect<unknown>) | undefined
  let pagesRead = 0
  const erasing = Layer.effectContext(
    Effect.map(InMemory.make, (context) => {
      const repo = Context.get(context, ScopedPreferenceRepository)
      const ledgerPage: ScopedPreferenceRepository["Type"]["ledgerPage"] = (...args) =>
        Effect.suspend(() => (++pagesRead === 2 && erase !== undefined ? Effect.zipRight(erase(), repo.ledgerPage(...args)) : repo.ledgerPage(...args)))
      return Context.add(context, ScopedPreferenceRepository, { ...repo, ledgerPage })
    })
  )
  const e = makeHarness({}, erasing)
  const server = http.createServer(e.app)
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it("aborts the connection (the document never looks complete)", async () => {
    const p = await e.project()
    const userId = freshId("u")
    await request(e.app).put(`/api/admin/users/${userId}`).set(p.admin).send({ email: "gone@example.com" }).expect(201)
    for (let i = 0; i < USER_EXPORT_PAGE + 1; i++) {
      await request(e.app).put(`/api/admin/users/${userId}/preferences`).set(p.admin).send({ channel_types: { sms: i % 2 === 0 } }).expect(200)
    }
    const { deleteUser } = await import("@notiflows/domain")
    erase = () => Effect.provide(deleteUser(p.project.id as ProjectId, userId as ExternalUserId), e.runtime) as Effect.Effect<unknown>
    pagesRead = 0
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    const outcome = await new Promise<{ status: number; body: string; complete: boolean }>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: `/api/admin/users/${userId}/export`, headers: p.admin }, (res) => {
        let body = ""
        res.setEncoding("utf8")
        res.on("data", (c: string) => (body += c))
        res.on("error", () => {})
        res.on("close", () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }))
      })
      req.on("error", () => resolve({ status: 0, body: "", complete: false }))
    })
    expect(outcome.status).toBe(200)
    expect(outcome.complete).toBe(false)
    expect(() => JSON.parse(outcome.body)).toThrow()
    await request(e.app).get(`/api/admin/users/${userId}`).set(p.admin).expect(404)
  })
})
