/**
 * The README walk-through written against a client generated from the service's own
 * `/openapi.json` (openapi-typescript + openapi-fetch). GeneratedClient.test.ts generates
 * `./schema.js` (a `.d.ts`) next to a copy of this file, type-checks both with `tsc --noEmit`
 * (strict), then runs this file against the real standalone service. No casts: every value is
 * read through the generated types.
 */
import createClient from "openapi-fetch"
import type { paths } from "./schema.js"

const NOTIFLOW = "01HQXYZ123456789ABCDEFGHIJ"
const USER = "user_12345"

const check = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(`walk-through: ${what}`)
}

/** The admin API: notiflow, user, the seed's PUT, GET with ETag/304, evaluate, batch, history, defaults. */
export const adminWalk = async (baseUrl: string, secretKey: string): Promise<Array<string>> => {
  const api = createClient<paths>({ baseUrl, headers: { "x-notiflows-secret-key": secretKey } })
  const steps: Array<string> = []

  const notiflow = await api.PUT("/admin/notiflows/{notiflow_id}", { params: { path: { notiflow_id: NOTIFLOW } }, body: { name: "Order Updates" } })
  check(notiflow.response.status === 201 && notiflow.data?.name === "Order Updates", "notiflow created")
  steps.push("notiflow")

  const user = await api.PUT("/admin/users/{user_id}", { params: { path: { user_id: USER } }, body: { email: "ada@example.com", first_name: "Ada" } })
  check(user.response.status === 201 && user.data?.external_id === USER && user.data.email === "ada@example.com", "user created")
  steps.push("user")

  const seed = await api.PUT("/admin/users/{user_id}/preferences", {
    params: { path: { user_id: USER } },
    body: { channel_types: { sms: false }, notiflows: { [NOTIFLOW]: { channel_types: { email: false }, enabled: true } } }
  })
  check(seed.data?.channel_types.sms === false && seed.data.channel_types.email, "seed PUT: global sms off, email on")
  // The view is not a union: a UI reads `name` directly.
  check(seed.data?.notiflows[NOTIFLOW]?.name === "Order Updates" && seed.data.notiflows[NOTIFLOW].channel_types.email === false, "seed PUT: the notiflow entry")
  steps.push("seed")

  const read = await api.GET("/admin/users/{user_id}/preferences", { params: { path: { user_id: USER } } })
  const etag = read.response.headers.get("etag")
  check(read.response.status === 200 && etag !== null && read.data?.notiflows[NOTIFLOW]?.name === "Order Updates", "GET with ETag")
  const notModified = await api.GET("/admin/users/{user_id}/preferences", { params: { path: { user_id: USER }, header: { "If-None-Match": etag ?? "" } } })
  check(notModified.response.status === 304, "If-None-Match answers 304")
  steps.push("read+304")

  const explicit = await api.GET("/admin/users/{user_id}/preferences/explicit", { params: { path: { user_id: USER } } })
  check(explicit.data?.channel_types.sms === false && explicit.data.channel_types.email === undefined, "explicit view")
  check(explicit.data?.notiflows[NOTIFLOW]?.channel_types?.email === false, "explicit view: the notiflow choice")
  steps.push("explicit")

  const one = await api.POST("/admin/users/{user_id}/preferences/evaluate", {
    params: { path: { user_id: USER } },
    body: { notiflow_id: NOTIFLOW, channel_types: ["email", "sms", "in_app"] }
  })
  const decisions = one.data?.channel_types
  check(decisions?.email?.deliver === false && decisions.email.reason === "notiflow_channel_opt_out" && decisions.email.source === "user", "evaluate: email")
  check(decisions?.sms?.reason === "channel_opt_out" && decisions.in_app?.deliver === true && decisions.in_app.source === "default", "evaluate: sms, in_app")
  check(decisions?.chat === undefined, "evaluate: only the requested types")
  steps.push("evaluate")

  const batch = await api.POST("/admin/preferences/evaluate", {
    body: { notiflow_id: NOTIFLOW, user_ids: [USER, "nobody"], channel_types: ["sms"] }
  })
  const [first, second] = batch.data?.results ?? []
  check(first?.user_found === true && first.channel_types.sms?.deliver === false, "batch: the known user")
  check(second?.user_found === false && second.channel_types.sms?.deliver === true, "batch: an unknown user on defaults")
  steps.push("batch")

  const history = await api.GET("/admin/users/{user_id}/preferences/history", { params: { path: { user_id: USER }, query: { limit: 10 } } })
  const entry = history.data?.items[0]
  check(history.data?.items.length === 1 && entry?.version === 1 && entry.actor.type === "secret_key", "history")
  check(entry?.changes.some((c) => c.path === "channel_types.sms" && c.from === null && c.to === false) === true, "history: the sms change")
  steps.push("history")

  const defaults = await api.PUT("/admin/preferences/defaults", { body: { channel_types: { chat: false } } })
  check(defaults.data?.channel_types.chat === false, "defaults PUT")
  const readDefaults = await api.GET("/admin/preferences/defaults")
  check(readDefaults.data?.channel_types.chat === false && readDefaults.data.channel_types.email, "defaults GET")
  steps.push("defaults")

  const unauthenticated = await createClient<paths>({ baseUrl }).GET("/admin/users/{user_id}/preferences", { params: { path: { user_id: USER } } })
  check(unauthenticated.response.status === 401 && unauthenticated.error?.error.details.auth === "secret_key", "401 envelope")
  steps.push("401")
  return steps
}

/** The User API with a public key and a signed user token: own GET and PUT. */
export const userWalk = async (baseUrl: string, publicKey: string, userToken: string): Promise<Array<string>> => {
  const api = createClient<paths>({ baseUrl, headers: { "x-notiflows-api-key": publicKey, "x-notiflows-user-key": userToken } })
  const own = await api.GET("/user/preferences")
  check(own.response.status === 200 && own.data?.notiflows[NOTIFLOW]?.name === "Order Updates", "user GET")
  const put = await api.PUT("/user/preferences", { body: { channel_types: { web_push: false } }, params: { header: { "Idempotency-Key": "walk-1" } } })
  check(put.response.status === 200 && put.data?.channel_types.web_push === false, "user PUT")
  const replay = await api.PUT("/user/preferences", { body: { channel_types: { web_push: false } }, params: { header: { "Idempotency-Key": "walk-1" } } })
  check(replay.response.headers.get("idempotent-replayed") === "true", "user PUT replayed")
  const explicit = await api.GET("/user/preferences/explicit")
  check(explicit.data?.channel_types.web_push === false, "user explicit view")
  const history = await api.GET("/user/v1/preferences/history")
  check(history.data?.items[0]?.actor.type === "user_key", "user history")
  return ["user GET", "user PUT", "user replay", "user explicit", "user history"]
}
