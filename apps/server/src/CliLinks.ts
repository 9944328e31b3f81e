/**
 * `notiflows-prefs links keys|rotate|revoke|revoke-all` (LINKS.md §2.3): the project's link keys.
 * Secrets never leave the database: only kids and times are printed.
 */
import * as Effect from "effect/Effect"
import type { LinkKey, Project } from "@notiflows/domain"
import { LinkKeyActive, LinkKeyNotFound, LinkRepository } from "@notiflows/domain"

/** What these commands need from the CLI. */
export interface LinkCommandArgs {
  readonly project: string | undefined
  readonly positionals: ReadonlyArray<string>
  readonly out: (s: string) => void
}

/** A usage problem (exit 2) and a failure (exit 1), as the CLI's own classes. */
export interface LinkCommandErrors {
  readonly usage: (message: string) => Error
  readonly failed: (message: string) => Error
}

const keyJson = (k: LinkKey) => ({
  kid: k.kid,
  active: k.active,
  created_at: k.createdAt.toISOString(),
  revoked_at: k.revokedAt?.toISOString() ?? null
})

const print = (out: (s: string) => void, value: unknown) => out(JSON.stringify(value, null, 2))

/** The commands, by `links <sub>`. */
export const linkCommands = <R>(resolveProject: (explicit: string | undefined) => Effect.Effect<Project, unknown, R>, errors: LinkCommandErrors) => ({
  "links keys": ({ project, out }: LinkCommandArgs) =>
    Effect.gen(function* () {
      const p = yield* resolveProject(project)
      const repo = yield* LinkRepository
      // A project made before links gets its key here, as at first use.
      yield* repo.activeKey(p.id)
      print(out, (yield* repo.listKeys(p.id)).map(keyJson))
    }),
  "links rotate": ({ project, out }: LinkCommandArgs) =>
    Effect.gen(function* () {
      const p = yield* resolveProject(project)
      const key = yield* Effect.flatMap(LinkRepository, (r) => r.rotate(p.id, new Date()))
      print(out, { ...keyJson(key), note: "new links are signed with this key; older keys keep verifying until revoked (running instances within 5 s)" })
    }),
  "links revoke": ({ project, positionals, out }: LinkCommandArgs) => {
    const kid = positionals[0]
    if (kid === undefined) throw errors.usage("the kid to revoke is required (see links keys)")
    if (!/^[0-9a-f]{8}$/.test(kid)) throw errors.usage(`a kid is 8 lowercase hex digits (see links keys), got ${JSON.stringify(kid)}`)
    return Effect.gen(function* () {
      const p = yield* resolveProject(project)
      const key = yield* Effect.flatMap(LinkRepository, (r) => r.revoke(p.id, kid, new Date())).pipe(
        Effect.catchIf(
          (e): e is LinkKeyActive | LinkKeyNotFound => e instanceof LinkKeyActive || e instanceof LinkKeyNotFound,
          (e) => Effect.fail(e instanceof LinkKeyActive ? errors.usage(`${kid} is the active key: run links rotate first`) : errors.failed(`no link key ${kid} in this project`))
        )
      )
      print(out, { ...keyJson(key), note: "links signed with this key answer 410 (running instances within 5 s)" })
    })
  },
  "links revoke-all": ({ project, out }: LinkCommandArgs) =>
    Effect.gen(function* () {
      const p = yield* resolveProject(project)
      const { key, revoked } = yield* Effect.flatMap(LinkRepository, (r) => r.revokeAll(p.id, new Date()))
      print(out, { kid: key.kid, revoked })
    })
})

export const LINKS_HELP =
  "notiflows-prefs links keys [--project <id>]\n  Lists the link keys: [{kid, active, created_at, revoked_at}].\nnotiflows-prefs links rotate [--project <id>]\n  A new active key; links signed with older keys keep working until revoked.\nnotiflows-prefs links revoke [--project <id>] <kid>\n  Links signed with that key answer 410. The active key is refused (exit 2): rotate first.\nnotiflows-prefs links revoke-all [--project <id>]\n  A new active key and every other key revoked: all links issued so far answer 410.\n"
