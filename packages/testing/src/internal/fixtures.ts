/**
 * Helpers shared by the conformance suites: fresh ids per case, a fresh project per case, and
 * small shorthands over the use cases.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { ExternalUserId, NotiflowId, Project, ProjectId, StoredNotiflow, User, WriteContext } from "@notiflows/domain"
import { ProjectRepository, upsertNotiflow, upsertUser } from "@notiflows/domain"
import { externalUserId, notiflowId } from "../Ids.js"
import { uuidv4 } from "./ids.js"

/** Options every suite accepts. */
/** The capabilities `conformanceSuite` checks, one `describe` each. */
export const CAPABILITIES = ["users", "catalog", "projects", "preferences", "history", "concurrency", "idempotency"] as const
export type Capability = (typeof CAPABILITIES)[number]

export interface SuiteOptions {
  /** Fibers run at once by the concurrency suite (default 50). */
  readonly concurrency?: number
  /**
   * Capabilities whose cases are not run, e.g. `{ idempotency: true }` for an adapter that does
   * not store idempotency records yet. Their cases are registered as skipped, so the runner
   * reports them (never a silent pass). Only `conformanceSuite` reads it.
   */
  readonly disable?: { readonly [K in Capability]?: boolean }
}

let counter = 0

/** A fresh id with a readable prefix, unique in this process and across runs. */
export const freshId = (prefix: string): string => `${prefix}_${(++counter).toString(36)}_${uuidv4().slice(0, 8)}`

/** A fresh external user id (see {@link freshId}). */
export const freshUserId = (prefix = "user"): ExternalUserId => externalUserId(freshId(prefix))

/** A fresh notiflow id (see {@link freshId}). */
export const freshNotiflowId = (prefix = "nf"): NotiflowId => notiflowId(freshId(prefix))

/** A random 64-hex-digit string (stands in for a SHA-256 key hash). */
export const freshHash = (): string => (uuidv4() + uuidv4()).replace(/-/g, "").slice(0, 64)

export const admin = (requestId: string = freshId("req")): WriteContext => ({
  actor: { type: "secret_key", id: "key_suite" },
  requestId,
  source: "admin_api"
})

/** A new project per test case: cases never see each other's data. */
export const freshProject: Effect.Effect<Project, unknown, ProjectRepository> = Effect.flatMap(ProjectRepository, (p) =>
  p.create({ name: freshId("project"), securityMode: "on" })
)

/** Creates (or updates) a user through the use case. */
export const createUser = (projectId: ProjectId, externalId: ExternalUserId = freshUserId(), body: unknown = {}) =>
  Effect.map(upsertUser({ projectId, externalId, body, context: admin() }), (r): User => r.user)

/** Creates a notiflow through the use case. */
export const createNotiflow = (projectId: ProjectId, id: NotiflowId = freshNotiflowId(), body: Record<string, unknown> = {}) =>
  Effect.map(upsertNotiflow(projectId, id, { name: `Notiflow ${id}`, ...body }), (r): StoredNotiflow => r.notiflow)

/** The failure of an effect, or a test failure when it succeeded. */
export const flipFailure = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<E, string, R> =>
  Effect.flatMap(Effect.either(effect), (e) =>
    Either.isLeft(e) ? Effect.succeed(e.left) : Effect.fail(`expected a failure, got ${JSON.stringify(e.right)}`)
  )

/** The value of a `Some`, or a test failure. */
export const some = <A>(o: Option.Option<A>, what: string): Effect.Effect<A, string> =>
  Option.match(o, { onNone: () => Effect.fail(`expected ${what} to exist`), onSome: Effect.succeed })

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
