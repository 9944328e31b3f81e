/**
 * The document and the service agree: every response the tests receive through `fetch` from a
 * local service (the standalone server, directly or through test/proxy.ts) is recorded, and
 * after each test file all of them are checked against `/openapi.json` with Ajv
 * (OpenApiContract in @notiflows/testing). Raw-socket requests (Hostile.test.ts) are not seen.
 */
import { OpenApiContract } from "@notiflows/testing"
import { makeOpenApiDocument, ROUTES } from "@notiflows/http-express"
import { afterAll } from "vitest"

export const recorder = OpenApiContract.makeContractRecorder(() => makeOpenApiDocument(ROUTES, ""))

const LOCAL = new Set(["127.0.0.1", "localhost", "[::1]"])
const original = globalThis.fetch

globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const res = await original(input, init)
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url)
  // `?explicit=true` on a view's URL is kept for early clients but deliberately undocumented
  // (API.md §4.1); `GET …/preferences/explicit` is checked.
  if (LOCAL.has(url.hostname) && !url.searchParams.has("explicit")) {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase()
    recorder.recordLater(
      res
        .clone()
        .text()
        .then((body) => ({ method, path: url.pathname, status: res.status, headers: Object.fromEntries(res.headers), body }))
    )
  }
  return res
}

afterAll(async () => {
  await recorder.verify()
})
