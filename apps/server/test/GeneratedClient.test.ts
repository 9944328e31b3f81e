/**
 * A client generated from the served `/openapi.json` (openapi-typescript 7 + openapi-fetch)
 * type-checks with `tsc --noEmit` (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess,
 * the generated declarations checked too) and runs the README walk-through on the admin API and
 * the User API (public key + signed user token) against the real standalone service; that
 * service's `/metrics` then passes `promtool check metrics`.
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as jose from "jose"
import openapiTS, { astToString } from "openapi-typescript"
import type { OpenAPI3 } from "openapi-typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Service } from "./support.js"
import { randomKey, startService } from "./support.js"

/** What test/client/walk.ts exports (it is type-checked against the generated types, not here). */
interface Walk {
  readonly adminWalk: (baseUrl: string, secretKey: string) => Promise<Array<string>>
  readonly userWalk: (baseUrl: string, publicKey: string, userToken: string) => Promise<Array<string>>
}

const require = createRequire(import.meta.url)
const dir = fileURLToPath(new URL(`../.tsbuild/generated-client-${process.pid}/`, import.meta.url))
const pk = randomKey("pk")
const sk = randomKey("sk")
let service: Service | undefined
let token = ""

beforeAll(async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair("RS256", { extractable: true })
  token = await new jose.SignJWT({ sub: "user_12345" }).setProtectedHeader({ alg: "RS256" }).setExpirationTime("10m").sign(privateKey)
  service = await startService({
    NOTIFLOWS_DATA_DIR: "memory://",
    NOTIFLOWS_PUBLIC_KEY: pk,
    NOTIFLOWS_SECRET_KEY: sk,
    NOTIFLOWS_USER_SIGNING_PUBLIC_KEY: await jose.exportSPKI(publicKey)
  })
  mkdirSync(dir, { recursive: true })
})

afterAll(async () => {
  await service?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("a client generated from /openapi.json", () => {
  it("type-checks (strict) and runs the README walk-through on the admin and User APIs", async () => {
    const url = service!.url
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenAPI3
    writeFileSync(join(dir, "schema.d.ts"), astToString(await openapiTS(doc)))
    copyFileSync(fileURLToPath(new URL("./client/walk.ts", import.meta.url)), join(dir, "walk.ts"))
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          skipLibCheck: false,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2022", "dom", "dom.iterable"],
          types: []
        },
        files: ["walk.ts", "schema.d.ts"]
      })
    )
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", dir], { encoding: "utf8" })
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("")
    expect(tsc.status).toBe(0)

    const walk = (await import(join(dir, "walk.ts"))) as Walk
    expect(await walk.adminWalk(url, sk)).toEqual(["notiflow", "user", "seed", "read+304", "explicit", "evaluate", "batch", "history", "defaults", "401"])
    expect(await walk.userWalk(url, pk, token)).toEqual(["user GET", "user PUT", "user replay", "user explicit", "user history"])
  })
})

// promtool ships in Debian's prometheus package (.ci/run installs it); outside CI without it: SKIPPED.
const hasPromtool = spawnSync("promtool", ["--version"]).status === 0
const inCi = process.env["CI"] === "true"

describe("/metrics of the standalone service", () => {
  it.skipIf(!hasPromtool && !inCi)("passes `promtool check metrics` after the walk-through's traffic", async () => {
    expect(hasPromtool, "promtool must be installed in CI (.ci/run installs Debian's prometheus)").toBe(true)
    const res = await fetch(`${service!.url}/metrics`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toContain("notiflows_http_request_duration_seconds_bucket")
    const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
    expect(`${result.stdout}${result.stderr}`).toBe("")
    expect(result.status).toBe(0)
  })
})
