/**
 * Retention jobs of the standalone service (EVENTS.md §1 and §3), every {@link RETENTION_EVERY}
 * in each instance:
 *
 * - ledger contexts older than `NOTIFLOWS_CONSENT_CONTEXT_DAYS` are nulled (`0`: every context is
 *   nulled at the next run), so an expired context is gone within the hour;
 * - feed events older than `NOTIFLOWS_EVENT_RETENTION_DAYS` are removed (`EventRepository.purge`:
 *   a prefix of each project's feed; a cursor before it then answers 410 `cursor_expired`);
 * - bulk jobs that ended more than `NOTIFLOWS_JOB_RETENTION_DAYS` ago are removed with their
 *   items (BULK.md §1.2; `GET /admin/jobs/{id}` then answers 404).
 *
 * Safe with several instances without a lock: both are single idempotent statements (the second
 * instance finds nothing left; the purge mark only moves forward). Failures are logged and retried
 * at the next run; logs carry counts, never data.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Logger } from "pino"
import { DrizzleConsentRetention, type DrizzleDatabase } from "@notiflows/adapters-drizzle"
import { EventRepository, JobRepository } from "@notiflows/domain"
import { loggableError } from "@notiflows/http-express"
import type { AppConfig } from "./Config.js"

/** How often the jobs run (well within the hour EVENTS.md §1 allows). */
export const RETENTION_EVERY = Duration.minutes(10)
/** The first run after start (not at once: a fresh start stays quick). */
export const RETENTION_FIRST = Duration.minutes(1)

const DAY_MS = 86_400_000

export interface RetentionResult {
  readonly contextsNulled: number
  readonly eventsRemoved: number
  readonly jobsRemoved: number
}

type Settings = Pick<AppConfig, "consentContextDays" | "eventRetentionDays" | "jobRetentionDays">

/** One run of both jobs at `now`; each job's failure is logged and does not stop the other. */
export const runRetention = (
  config: Settings,
  now: Date,
  logger: Logger
): Effect.Effect<RetentionResult, never, EventRepository | JobRepository | DrizzleDatabase> => {
  const failed = (job: string) => (error: { readonly cause: unknown; readonly operation: string }) =>
    Effect.sync(() => {
      logger.warn({ error: loggableError(error.cause, false), operation: error.operation, job }, "retention job failed")
      return 0
    })
  const contexts = DrizzleConsentRetention.expireContextsHere(new Date(now.getTime() - config.consentContextDays * DAY_MS)).pipe(Effect.catchAll(failed("consent_context")))
  const events = Effect.flatMap(EventRepository, (r) => r.purge(new Date(now.getTime() - config.eventRetentionDays * DAY_MS))).pipe(Effect.catchAll(failed("events")))
  const jobs = Effect.flatMap(JobRepository, (r) => r.purge(new Date(now.getTime() - config.jobRetentionDays * DAY_MS))).pipe(Effect.catchAll(failed("jobs")))
  return Effect.map(Effect.all([contexts, events, jobs]), ([contextsNulled, eventsRemoved, jobsRemoved]) => {
    if (contextsNulled > 0 || eventsRemoved > 0 || jobsRemoved > 0) logger.info({ contextsNulled, eventsRemoved, jobsRemoved }, "retention")
    return { contextsNulled, eventsRemoved, jobsRemoved }
  })
}

/** The background loop of the service (forked in its scope). */
export const retentionLoop = (config: Settings, logger: Logger) =>
  Effect.suspend(() => runRetention(config, new Date(), logger)).pipe(Effect.repeat(Schedule.spaced(RETENTION_EVERY)), Effect.delay(RETENTION_FIRST))
