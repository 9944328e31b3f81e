/**
 * Request ids (API.md §3): the incoming `x-request-id` when it is 1–128 characters of
 * `A-Za-z0-9._-`, else a new `req_<random>`. Every response carries it.
 */
import { randomBytes } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { header } from "./Http.js"

export const REQUEST_ID_HEADER = "x-request-id"

const VALID = /^[A-Za-z0-9._-]{1,128}$/

// Random bytes are drawn 18 at a time from a pooled buffer: one system call per 227 ids
// instead of one per request.
const POOL = 18 * 227
let pool = randomBytes(POOL)
let offset = 0

/** A fresh id: `req_` + 24 base64url characters (144 bits). */
export const newRequestId = (): string => {
  if (offset + 18 > POOL) {
    pool = randomBytes(POOL)
    offset = 0
  }
  const id = pool.toString("base64url", offset, offset + 18)
  offset += 18
  return `req_${id}`
}

/** The request id for a request. */
export const requestIdOf = (headers: IncomingHttpHeaders): string => {
  const incoming = header(headers, REQUEST_ID_HEADER)
  return incoming !== undefined && VALID.test(incoming) ? incoming : newRequestId()
}
