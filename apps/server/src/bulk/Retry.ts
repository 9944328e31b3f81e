/**
 * Database failures during an import are not bad lines (BULK.md §2.2): a batch is retried from a
 * fresh read for up to 60 s (connection lost, serialization failure, deadlock, a concurrent first
 * write on a unique key), then the run stops with exit 1. Errors that cannot heal (SQL or data
 * errors, classes 42 and 22) stop it at once.
 */
import { setTimeout as sleep } from "node:timers/promises"
import { errorCode } from "@notiflows/adapters-drizzle"

/** The run cannot go on: the database kept failing, or the run was interrupted while it did. */
export class DatabaseStopped extends Error {
  constructor(
    message: string,
    readonly interrupted: boolean
  ) {
    super(message)
  }
}

/** The SQLSTATE or socket code along the cause chain (the adapters' own reading of drizzle's wrapped errors). */
export const codeOf = errorCode

const permanent = (code: string | undefined) => code !== undefined && /^(42|22)[0-9A-Z]{3}$/.test(code)

/** Runs `attempt` until it succeeds, retrying failures for `retryForMs` (back-off up to 2 s). */
export const applyWithRetries = async <A>(attempt: () => Promise<A>, retryForMs: number, signal?: AbortSignal): Promise<A> => {
  const first = Date.now()
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (e) {
      const code = codeOf(e)
      const what = `the database failed${code === undefined ? "" : ` (${code})`}`
      if (permanent(code)) throw new DatabaseStopped(what, false)
      if (Date.now() - first >= retryForMs) throw new DatabaseStopped(`${what} for ${Math.round(retryForMs / 1000)} s`, false)
      if (signal?.aborted === true) throw new DatabaseStopped(`${what}; interrupted`, true)
      await sleep(Math.min(2000, 50 * 2 ** n) * (0.5 + Math.random() / 2))
    }
  }
}
