/**
 * The bulk job executor of the standalone service (BULK.md §1.2): every instance runs this loop.
 * It claims the next runnable job (`runNextJob`); when there is none it waits {@link POLL_MS}.
 * Failures (the database is down) are logged without data and retried after a pause; the claim
 * is given back, so any instance continues the job. Several instances cooperate through the
 * claims alone; a dead instance's job is taken over once its claim (`NOTIFLOWS_JOB_CLAIM_SECONDS`)
 * has passed, so within twice the claim time.
 */
import * as Effect from "effect/Effect"
import type { Logger } from "pino"
import type { ExecutorOptions, JobWakeup } from "@notiflows/domain"
import { DEFAULT_EXECUTOR, runNextJob } from "@notiflows/domain"
import { ifMatchPrecondition, loggableError } from "@notiflows/http-express"
import type { AppConfig } from "../Config.js"
import { instanceName } from "../webhooks/Engine.js"

/** How often an idle instance looks for a job. */
export const POLL_MS = 500
/** The pause after a failed run. */
export const FAILURE_PAUSE_MS = 2_000

/** The executor's options for this process. */
export const executorOptions = (config: Pick<AppConfig, "jobClaimSeconds">): ExecutorOptions => ({
  // The same instance name as the webhook engine's claims (`host:pid:random`).
  owner: instanceName(),
  claimMs: config.jobClaimSeconds * 1000,
  stallMs: DEFAULT_EXECUTOR.stallMs,
  concurrency: DEFAULT_EXECUTOR.concurrency,
  precondition: (ifMatch) => ifMatchPrecondition(ifMatch, "admin")
})

/** The loop (forked in the service's scope; interrupted at shutdown); an idle wait ends early on `wakeup` (a job submitted here). */
export const jobLoop = (config: Pick<AppConfig, "jobClaimSeconds">, logger: Logger, wakeup?: JobWakeup["Type"]) => {
  const options = executorOptions(config)
  const once = runNextJob(options).pipe(
    Effect.map((ran) => (ran ? 0 : POLL_MS)),
    Effect.catchAll((e) =>
      Effect.sync(() => {
        const detail = e._tag === "RepositoryError" ? { error: loggableError(e.cause, false), operation: e.operation } : { error: { type: e._tag } }
        logger.warn(detail, "bulk job run failed; retrying")
        return FAILURE_PAUSE_MS
      })
    ),
    Effect.catchAllDefect((defect) =>
      Effect.sync(() => {
        logger.error({ error: loggableError(defect, true) }, "bulk job run failed unexpectedly; retrying")
        return FAILURE_PAUSE_MS
      })
    )
  )
  const idle = wakeup === undefined ? Effect.sleep(POLL_MS) : Effect.raceFirst(Effect.sleep(POLL_MS), wakeup.wait)
  return Effect.forever(Effect.flatMap(once, (pause) => (pause === POLL_MS ? idle : pause > 0 ? Effect.sleep(pause) : Effect.void)))
}
