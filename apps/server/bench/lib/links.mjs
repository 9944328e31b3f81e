/**
 * Signed links in the benchmark (issue 16's rows for LINKS.md): the tokens of the one-click case
 * and its request template. Tokens are minted through the service's own batch evaluate with
 * `links: ["unsubscribe"]` (the call a sender makes), one per user, each scoped to a notiflow's
 * email channel; the load then POSTs RFC 8058's body to each token in turn, so most POSTs change
 * a leaf (a token is reused only after every other one was).
 */
import fs from "node:fs"
import path from "node:path"
import { notiflowId, userId } from "./ids.mjs"

const BATCH = 1000

/** Mints one unsubscribe token per user (users 1..n), writes them one per line, answers the file. */
export const mintUnsubscribeTokens = async (target, { users, notiflows }, dir) => {
  const file = path.join(dir, `tokens-${target.proc.pid}.txt`)
  const out = fs.openSync(file, "w")
  try {
    for (let first = 1; first <= users; first += BATCH) {
      const ids = []
      for (let i = first; i < Math.min(first + BATCH, users + 1); i++) ids.push(userId(i))
      const notiflow = notiflowId(1 + ((first - 1) / BATCH * 7) % notiflows)
      const res = await fetch(`${target.url}/admin/preferences/evaluate`, {
        method: "POST",
        headers: { ...target.headers, "content-type": "application/json" },
        body: JSON.stringify({ notiflow_id: notiflow, user_ids: ids, channel_types: ["email"], links: ["unsubscribe"] })
      })
      if (res.status !== 200) throw new Error(`minting links answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
      const { results } = await res.json()
      const tokens = results.map((r) => r.links?.unsubscribe?.token).filter((t) => typeof t === "string")
      if (tokens.length !== ids.length) throw new Error(`minting links: ${ids.length - tokens.length} users got no token`)
      fs.writeSync(out, `${tokens.join("\n")}\n`)
    }
  } finally {
    fs.closeSync(out)
  }
  return file
}

/** Prepares a target for the one-click case once: its tokens and the position of the next unused one. */
export const ensureTokens = async (target, config, dir) => {
  if (target.tokensFile === undefined) {
    target.tokensFile = await mintUnsubscribeTokens(target, config, dir)
    target.tokenCursor = 0
  }
  return target
}

/** The load generator's template for `POST /l/unsubscribe/{token}` (no key: the token is the credential). */
export const oneClickRequest = (spec, onSent) => {
  const tokens = fs.readFileSync(spec.tokensFile, "utf8").split("\n").filter((t) => t.length > 0)
  let next = spec.tokenCursor ?? 0
  return {
    method: "POST",
    path: "/",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
    setupRequest: (req) => {
      req.path = `/l/unsubscribe/${tokens[next++ % tokens.length]}`
      onSent()
      return req
    }
  }
}
