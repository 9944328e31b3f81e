/**
 * Request ids (API.md §3): the incoming `x-request-id` when it is 1–128 characters of
 * `A-Za-z0-9._-`, else a new `req_<random>`. Every response carries it.
 */
import { randomBytes } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { header } from "./Http.js"

export const REQUEST_ID_HEADER = "x-request-id"

const VALID = /^[A-Za-z0-9._-]{1,128}$/

/** A fresh id: `req_` + 24 base64url characters (144 bits). */
export const newRequestId = (): string => `req_${randomBytes(18).toString("base64url")}`

/** The request id for a request. */
export const requestIdOf = (headers: IncomingHttpHeaders): string => {
  const incoming = header(headers, REQUEST_ID_HEADER)
  return incoming !== undefined && VALID.test(incoming) ? incoming : newRequestId()
}
