#!/usr/bin/env node
/**
 * `node bench/linkfloor.mjs` (after `pnpm build`): what LINKS.md §1 makes a signed link cost in
 * CPU before anything else — the token's HMAC-SHA256 (node:crypto, one `createHmac` per token) —
 * and what our batch sealer (`batchSealer` in http-express's LinkToken.ts: kept AES context, pooled
 * randomness, the HMAC, base64url) costs per token, on this machine. A batch evaluation with both
 * links seals two tokens per user; issue 16's "≤ 1.3x the batch without links" leaves the links
 * about 30% of the batch's own per-user CPU (`pnpm bench`'s evaluate case, CPU µs per request /
 * batch size). Prints µs per token and per user (two tokens).
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const { batchSealer } = await import(pathToFileURL(path.join(here, "../../../packages/http-express/dist/links/LinkToken.js")).href)
const N = Number(process.env.LINKFLOOR_TOKENS ?? 200_000)
const time = (f) => {
  for (let i = 0; i < N / 10; i++) f(i)
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) f(i)
  return Number(process.hrtime.bigint() - t) / N / 1000
}
const key = randomBytes(32)
const signed = randomBytes(67)
const hmac = time(() => createHmac("sha256", key).update(signed).digest())
const users = Array.from({ length: 1000 }, () => randomUUID())
const seal = batchSealer(randomUUID(), "0a0b0c0d", key)
const now = Math.floor(Date.now() / 1000)
const sealer = time((i) => seal({ userId: users[(i >> 1) % 1000], purpose: 1 + (i & 1), scope: "0000000000000000", iat: now, exp: now + 86400 * 90 }))
const row = (name, us) => console.log(`${name.padEnd(52)} ${us.toFixed(2).padStart(6)} µs/token  ${(2 * us).toFixed(2).padStart(6)} µs/user (two links)`)
row("HMAC-SHA256 of the 67 signed bytes (createHmac)", hmac)
row("batchSealer: one whole token", sealer)
