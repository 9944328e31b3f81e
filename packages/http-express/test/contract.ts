/**
 * Every response the harness's app sends under `/api` is recorded; `test/setup.ts` checks them
 * all against `/openapi.json` after each test file (OpenApiContract in @notiflows/testing).
 */
import type express from "express"
import { OpenApiContract } from "@notiflows/testing"
import { makeOpenApiDocument, ROUTES } from "../src/index.js"

export const MOUNT = "/api"

export const recorder = OpenApiContract.makeContractRecorder(() => makeOpenApiDocument(ROUTES, MOUNT))

/** Host-app middleware (before the router) recording what is sent under the mount point. */
export const recordResponses: express.RequestHandler = (req, res, next) => {
  const url = req.originalUrl
  if (!url.startsWith(`${MOUNT}/`)) {
    next()
    return
  }
  const [path = "", query = ""] = url.slice(MOUNT.length).split("?")
  // `?explicit=true` on a view's URL is kept for early clients but deliberately undocumented
  // (API.md §4.1: one shape per documented operation); `GET …/preferences/explicit` is checked.
  if (new URLSearchParams(query).has("explicit")) {
    next()
    return
  }
  const end = res.end.bind(res) as (...args: Array<unknown>) => express.Response
  const write = res.write.bind(res) as (...args: Array<unknown>) => boolean
  // A streamed body (the data-subject export) comes in writes before the end.
  const written: Array<string> = []
  const text = (chunk: unknown) => (typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : "")
  res.write = ((...args: Array<unknown>) => {
    written.push(text(args[0]))
    return write(...args)
  }) as typeof res.write
  res.end = ((...args: Array<unknown>) => {
    const body = written.join("") + text(args[0])
    recorder.record({ method: req.method, path, status: res.statusCode, headers: res.getHeaders() as Record<string, string>, body })
    return end(...args)
  }) as typeof res.end
  next()
}
