// Installs nothing itself: run.sh installs the packed packages, then this answers the seed's
// request through the mounted router, called with the packed typed client (@notiflows/client),
// evaluates from the packed replica (@notiflows/client/replica),
// and checks the computed response.
import assert from "node:assert/strict"
import { createHmac, randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import { createAdminClient, isNotiflowsError } from "@notiflows/client"
import { createPreferenceReplica } from "@notiflows/client/replica"
import { verifyWebhook } from "@notiflows/client/webhooks"
import { mintApiKey, ProjectRepository } from "@notiflows/domain"
import { makeApp } from "./app.mjs"

const { app, runtime } = makeApp("memory://")
const server = await new Promise((resolve) => {
  const s = app.listen(0, "127.0.0.1", () => resolve(s))
})
const base = `http://127.0.0.1:${server.address().port}`
try {
  const secret = await Effect.runPromise(mintApiKey("secret"))
  await runtime.runPromise(
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const project = yield* projects.create({ name: "Host app", securityMode: "on" })
      yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: secret.prefix, hash: secret.hash })
    })
  )
  const notiflows = createAdminClient({ baseUrl: `${base}/notifications`, secretKey: secret.key })
  assert.equal((await fetch(`${base}/`)).status, 200)
  assert.equal((await notiflows.notiflows.upsert("01HQXYZ123456789ABCDEFGHIJ", { name: "Order Updates" })).status, 201)
  assert.equal((await notiflows.users.upsert("user_12345", {})).status, 201)
  const seed = await notiflows.preferences.update("user_12345", {
    channel_types: { sms: false },
    notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { channel_types: { email: false }, enabled: true } }
  })
  assert.equal(seed.status, 200)
  assert.deepEqual(seed.data, {
    channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: false, web_push: true },
    notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { enabled: true, channel_types: { email: false }, name: "Order Updates" } }
  })
  const read = await notiflows.preferences.get("user_12345")
  assert.match(read.etag, /^"/)
  const unknown = await notiflows.preferences.get("nobody").catch((error) => error)
  assert.ok(isNotiflowsError(unknown, "not_found"))
  assert.equal(unknown.status, 404)
  assert.equal(unknown.details.resource, "user")
  // A webhook request signed as EVENTS.md §4.2 says, verified with the packed client's helper.
  const hookSecret = `whsec_${randomBytes(32).toString("base64")}`
  const hookBody = JSON.stringify({ id: "evt_1", type: "preferences.updated" })
  const ts = Math.floor(Date.now() / 1000)
  const signature = createHmac("sha256", Buffer.from(hookSecret.slice(6), "base64")).update(`evt_1.${ts}.${hookBody}`).digest("base64")
  const hookHeaders = { "webhook-id": "evt_1", "webhook-timestamp": String(ts), "webhook-signature": `v1,${signature}` }
  assert.deepEqual(verifyWebhook({ secret: hookSecret, body: hookBody, headers: hookHeaders }), { id: "evt_1", type: "preferences.updated" })
  // The packed replica (@notiflows/client/replica): a copy in this process answers what the
  // mounted service's evaluation answers, and follows a later write through the event feed.
  const replica = createPreferenceReplica({ client: notiflows, pollMs: 3_600_000 })
  try {
    await replica.ready
    const channels = ["email", "sms", "in_app"]
    const evaluateBoth = async () => {
      const answer = await notiflows.preferences.evaluateMany({ notiflow_id: "01HQXYZ123456789ABCDEFGHIJ", user_ids: ["user_12345"], channel_types: channels })
      return [replica.evaluate("user_12345", "01HQXYZ123456789ABCDEFGHIJ", channels), answer.data.results[0]]
    }
    const [mine, theirs] = await evaluateBoth()
    assert.deepEqual(mine, theirs)
    assert.equal(mine.channel_types.sms.deliver, false)
    await notiflows.preferences.update("user_12345", { channel_types: { sms: true } })
    await replica.catchUp()
    const [after, theirsAfter] = await evaluateBoth()
    assert.deepEqual(after, theirsAfter)
    assert.equal(after.channel_types.sms.deliver, true)
  } finally {
    replica.close()
  }
  console.log("host app example: 1 passed, 0 failed")
} finally {
  server.close()
  await runtime.dispose()
}
