// Installs nothing itself: run.sh installs the packed packages, then this answers the seed's
// request through the mounted router, called with the packed typed client (@notiflows/client),
// evaluates from the packed replica (@notiflows/client/replica), and checks the computed response;
// then signed links under the prefix: minted URLs start with
// NOTIFLOWS_PUBLIC_URL (prefix included), the confirm page, its stylesheet, one-click and the center answer.
import assert from "node:assert/strict"
import { createHmac, randomBytes } from "node:crypto"
import { createServer } from "node:http"
import * as Effect from "effect/Effect"
import { createAdminClient, isNotiflowsError } from "@notiflows/client"
import { createPreferenceReplica } from "@notiflows/client/replica"
import { verifyWebhook } from "@notiflows/client/webhooks"
import { mintApiKey, ProjectRepository } from "@notiflows/domain"
import { MOUNT, makeApp } from "./app.mjs"

// Listen first, so the router's public URL (NOTIFLOWS_PUBLIC_URL with the prefix) is this address.
const server = createServer()
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const base = `http://127.0.0.1:${server.address().port}`
const publicUrl = `${base}${MOUNT}`
process.env.NOTIFLOWS_PUBLIC_URL = publicUrl
const { app, runtime } = makeApp("memory://")
server.on("request", app)
try {
  const secret = await Effect.runPromise(mintApiKey("secret"))
  await runtime.runPromise(
    Effect.gen(function* () {
      const projects = yield* ProjectRepository
      const project = yield* projects.create({ name: "Host app", securityMode: "on" })
      yield* projects.createApiKey({ projectId: project.id, kind: "secret", prefix: secret.prefix, hash: secret.hash })
    })
  )
  const notiflows = createAdminClient({ baseUrl: publicUrl, secretKey: secret.key })
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
  // Signed links under the prefix (LINKS.md): minted through the packed client, answered by the
  // mounted router (their own user, so the replica's checks below see the seed's choices).
  assert.equal((await notiflows.users.upsert("user_links", {})).status, 201)
  const minted = await notiflows.request("post", "/admin/v1/users/{user_id}/links", {
    path: { user_id: "user_links" },
    body: { purpose: "unsubscribe", scope: { notiflow_id: "01HQXYZ123456789ABCDEFGHIJ" } }
  })
  assert.equal(minted.status, 200)
  const unsubscribe = minted.data
  assert.equal(unsubscribe.url, `${publicUrl}/l/unsubscribe/${unsubscribe.token}`)
  assert.deepEqual(unsubscribe.headers, { "List-Unsubscribe": `<${unsubscribe.url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" })
  const confirm = await fetch(unsubscribe.url)
  assert.equal(confirm.status, 200)
  assert.equal(confirm.headers.get("content-type"), "text/html; charset=utf-8")
  const confirmHtml = await confirm.text()
  assert.match(confirmHtml, /name="action" value="unsubscribe"/)
  // The page's stylesheet is served under the prefix too.
  const stylesheet = /href="([^"]*\/l\/assets\/[^"]+\.css)"/.exec(confirmHtml)?.[1]
  assert.ok(stylesheet?.startsWith(`${MOUNT}/l/assets/`), stylesheet)
  assert.equal((await fetch(`${base}${stylesheet}`)).status, 200)
  const oneClick = await fetch(unsubscribe.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click"
  })
  assert.equal(oneClick.status, 200)
  assert.equal(await oneClick.text(), "")
  const explicit = await notiflows.preferences.explicit("user_links")
  assert.deepEqual(explicit.data.notiflows, { "01HQXYZ123456789ABCDEFGHIJ": { enabled: false } })
  assert.deepEqual(explicit.data.channel_types, {})
  const center = await notiflows.request("post", "/admin/v1/users/{user_id}/links", { path: { user_id: "user_links" }, body: { purpose: "preference_center" } })
  assert.equal(center.status, 200)
  assert.ok(center.data.url.startsWith(`${publicUrl}/l/preferences/`))
  const centerPage = await fetch(center.data.url)
  assert.equal(centerPage.status, 200)
  assert.match(centerPage.headers.get("etag") ?? "", /^"/)
  assert.match(await centerPage.text(), /Order Updates/)
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
    // sms back on (the notiflow stays enabled: the links section above used its own user).
    await notiflows.preferences.update("user_12345", { channel_types: { sms: true }, notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { enabled: true } } })
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
