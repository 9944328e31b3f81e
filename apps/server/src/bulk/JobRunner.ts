/**
 * The bulk job executor of the standalone service (BULK.md §1.2): every instance runs this loop,
 * the shared claim engine (`runWorkQueue` in the domain, as webhook delivery) with jobs as its
 * kind. It claims the next runnable job (`claimNextJob`) and runs it (`runClaimedJob`); when there
 * is none it waits {@link POLL_MS}, and claims again at once when a job ends.
 * Failures (the database is down) are logged without data and retried after a pause; the claim
 * is given back, so any instance continues the job. Several instances cooperate through the
 * claims alone; a dead instance's job is taken over once its claim (`NOTIFLOWS_JOB_CLAIM_SECONDS`)
 * has passed, so within twice the claim time.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Logger } from "pino"
import type { ClaimedJob, ExecutorOptions, JobWakeup, WorkKind } from "@notiflows/domain"
import { claimNextJob, DEFAULT_EXECUTOR, runClaimedJob, runWorkQueue } from "@notiflows/domain"
import { ifMatchPrecondition, loggableError } from "@notiflows/http-express"
import type { AppConfig } from "../Config.js"
import { instanceName } from "../webhooks/Engine.js"

/** How often an idle instance looks for a job. */
export const POLL_MS = 500
/** The pause after a failed run. */
export const FAILURE_PAUSE_MS = 2_000

type JobRun = ReturnType<typeof runClaimedJob> | ReturnType<typeof claimNextJob>
type JobRunError = Effect.Effect.Error<JobRun>
type JobRunContext = Effect.Effect.Context<JobRun>

/** The executor's options for this process. */
export const executorOptions = (config: Pick<AppConfig, "jobClaimSeconds">): ExecutorOptions => ({
  // The same instance name as the webhook engine's claims (`host:pid:random`).
  owner: instanceName(),
  claimMs: config.jobClaimSeconds * 1000,
  stallMs: DEFAULT_EXECUTOR.stallMs,
  concurrency: DEFAULT_EXECUTOR.concurrency,
  precondition: (ifMatch) => ifMatchPrecondition(ifMatch, "admin")
})

/** Bulk jobs as a kind of the shared claim loop: one job at a time per instance. */
export const jobKind = (options: ExecutorOptions, logger: Logger, wakeup?: JobWakeup["Type"]): WorkKind<ClaimedJob, JobRunError, JobRunContext> => ({
  maxInFlight: 1,
  // A job submitted here is claimed at once, not at the next poll.
  ...(wakeup === undefined ? {} : { wakeup: wakeup.wait }),
  pollMs: POLL_MS,
  failurePauseMs: FAILURE_PAUSE_MS,
  prepare: Effect.void,
  claim: () => Effect.map(claimNextJob(options), (claimed) => (Option.isSome(claimed) ? [claimed.value] : [])),
  run: (claimed) => runClaimedJob(claimed, options),
  // Every failed run is logged (a job's failures are rare and each one names what failed).
  failed: (_step, cause) =>
    Effect.sync(() => {
      const failure = Cause.failureOption(cause)
      if (Option.isNone(failure)) return logger.error({ error: loggableError(Cause.squash(cause), true) }, "bulk job run failed unexpectedly; retrying")
      const e = failure.value
      const detail = e._tag === "RepositoryError" ? { error: loggableError(e.cause, false), operation: e.operation } : { error: { type: e._tag } }
      logger.warn(detail, "bulk job run failed; retrying")
    })
})

/** The loop (forked in the service's scope; interrupted at shutdown). */
export const jobLoop = (config: Pick<AppConfig, "jobClaimSeconds">, logger: Logger, wakeup?: JobWakeup["Type"]) =>
  runWorkQueue(jobKind(executorOptions(config), logger, wakeup))
