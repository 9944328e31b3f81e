/**
 * Rolling upgrade of idempotency records (PGlite): a completed record written by the previous
 * code (status and headers in their own columns, the body text in `response_body`) replays as
 * the payload the HTTP transport writes today, instead of an unreadable one (a 500).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { IdempotencyRepository } from "@notiflows/domain"
import { Ids } from "@notiflows/testing"
import { DrizzleDatabase, layerPglite } from "../src/index.js"

const HOUR = 3_600_000

describe("idempotency records of the previous code (PGlite)", () => {
  it.effect("a completed old-shape record replays its status, headers and body; a new claim clears the old columns", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { query } = yield* DrizzleDatabase
        const repo = yield* IdempotencyRepository
        const projectId = Ids.randomProjectId()
        const now = Date.now()
        const headers = { etag: '"v3"', "x-request-id": "req_old" }
        const body = '{"name":"Zoë"}'
        // Exactly what the previous adapter's `complete` wrote, an hour ago.
        yield* Effect.promise(() =>
          query(
            `insert into idempotency_records (project_id, scope, key, fingerprint, state, response_status, response_headers, response_body, request_id, created_at, expires_at, locked_until)
             values ($1, 'admin', 'k1', 'fp', 'completed', 201, $2::jsonb, $3, 'req_old', $4, $5, $6)`,
            [projectId, JSON.stringify(headers), body, new Date(now - HOUR).toISOString(), new Date(now + 23 * HOUR).toISOString(), new Date(now - HOUR + 60_000).toISOString()]
          )
        )
        const input = { projectId, scope: "admin", key: "k1", fingerprint: "fp", now: new Date(now), expiresAt: new Date(now + 24 * HOUR), lockedUntil: new Date(now + 60_000) }
        const replay = yield* repo.claim(input)
        assert.strictEqual(replay._tag, "Completed")
        if (replay._tag !== "Completed") return
        assert.strictEqual(replay.outcome.requestId, "req_old")
        // The transport's payload: {"status", "headers", "body"} as JSON.
        assert.deepStrictEqual(JSON.parse(replay.outcome.payload), { status: 201, headers, body })
        // Another request under the key is still a mismatch.
        assert.strictEqual((yield* repo.claim({ ...input, fingerprint: "other" }))._tag, "Mismatch")

        // An old record with no body (a 204) replays an empty body.
        yield* Effect.promise(() =>
          query(
            `insert into idempotency_records (project_id, scope, key, fingerprint, state, response_status, response_headers, response_body, request_id, created_at, expires_at, locked_until)
             values ($1, 'admin', 'k2', 'fp', 'completed', 204, null, null, null, $2, $3, $2)`,
            [projectId, new Date(now - HOUR).toISOString(), new Date(now + 23 * HOUR).toISOString()]
          )
        )
        const empty = yield* repo.claim({ ...input, key: "k2" })
        assert.deepStrictEqual(empty._tag === "Completed" ? JSON.parse(empty.outcome.payload) : empty, { status: 204, headers: {}, body: "" })

        // Once expired, the key is claimed afresh: the old columns are cleared, and the new outcome is what replays.
        const later = now + 25 * HOUR
        const fresh = { ...input, now: new Date(later), expiresAt: new Date(later + 24 * HOUR), lockedUntil: new Date(later + 60_000) }
        assert.strictEqual((yield* repo.claim(fresh))._tag, "Claimed")
        yield* repo.complete(fresh, "fp", { requestId: "req_new", payload: '{"status":200,"headers":{},"body":"{}"}' })
        const again = yield* repo.claim({ ...fresh, now: new Date(later + 1000) })
        assert.deepStrictEqual(again, { _tag: "Completed", outcome: { requestId: "req_new", payload: '{"status":200,"headers":{},"body":"{}"}' } })
      }).pipe(Effect.provide(layerPglite("memory://")))
    ), 120_000)
})
