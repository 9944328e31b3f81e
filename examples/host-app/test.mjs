// Installs nothing itself: run.sh installs the packed packages, then this answers the seed's
// request through the mounted router and checks the computed response.
import assert from "node:assert/strict"
import * as Effect from "effect/Effect"
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
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { "x-notiflows-secret-key": secret.key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    return { status: res.status, body: await res.json() }
  }
  assert.equal((await fetch(`${base}/`)).status, 200)
  assert.equal((await call("PUT", "/notifications/admin/notiflows/01HQXYZ123456789ABCDEFGHIJ", { name: "Order Updates" })).status, 201)
  assert.equal((await call("PUT", "/notifications/admin/users/user_12345", {})).status, 201)
  const seed = await call("PUT", "/notifications/admin/users/user_12345/preferences", {
    channel_types: { sms: false },
    notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { channel_types: { email: false }, enabled: true } }
  })
  assert.equal(seed.status, 200)
  assert.deepEqual(seed.body, {
    channel_types: { chat: true, email: true, in_app: true, mobile_push: true, sms: false, web_push: true },
    notiflows: { "01HQXYZ123456789ABCDEFGHIJ": { enabled: true, channel_types: { email: false }, name: "Order Updates" } }
  })
  const unknown = await call("GET", "/notifications/admin/users/nobody/preferences")
  assert.equal(unknown.status, 404)
  assert.equal(unknown.body.error.code, "not_found")
  console.log("host app example: 1 passed, 0 failed")
} finally {
  server.close()
  await runtime.dispose()
}
