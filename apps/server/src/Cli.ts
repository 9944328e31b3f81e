/**
 * The `notiflows-prefs` command line: serve, migrate, and project, key and catalog
 * administration against the same database the service uses (PostgreSQL or PGlite).
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import type { Project } from "@notiflows/domain"
import { ApiKeyConflict, ApiKeyId, mintApiKey, ProjectId, ProjectRepository } from "@notiflows/domain"
import * as Schema from "effect/Schema"
import { createProjectWithKeys } from "./Bootstrap.js"
import { ImportError, importCatalog, readCatalogFile } from "./CatalogImport.js"
import type { Config } from "./Config.js"
import { DrizzleDatabase } from "@notiflows/adapters-drizzle"
import { databaseLayer, type Repositories } from "./Database.js"
import { BRANDING_HELP, brandingProgram } from "./CliBranding.js"
import { linkCommands, LINKS_HELP } from "./CliLinks.js"
import { signingKeyFromPem } from "./Signing.js"
import type { BulkCommand } from "./bulk/Commands.js"
import { EXPORT_HELP, exportCommand, IMPORT_HELP, importCommand } from "./bulk/Commands.js"
import type { BulkIo } from "./bulk/Import.js"
import { ImportUsageError } from "./bulk/Import.js"

export const HELP = `notiflows-prefs — Notiflows Preferences service and administration

Usage:
  notiflows-prefs serve [--workers N]           start the HTTP service (default); N worker processes (PostgreSQL)
  notiflows-prefs migrate                       apply database migrations and exit
  notiflows-prefs project create --name <name> [--security-mode on|off]
  notiflows-prefs project list
  notiflows-prefs project set [--project <id>] [--name <name>] [--security-mode on|off]
                              [--allowed-origin <origin>]... [--clear-origins]
                              [--signing-key <pem file> [--kid <kid>]] [--remove-kid <kid>]
  notiflows-prefs keys create [--project <id>] --kind public|secret
  notiflows-prefs keys list [--project <id>]
  notiflows-prefs keys revoke [--project <id>] <key id>
  notiflows-prefs notiflows import [--project <id>] <file.json>
  notiflows-prefs categories import [--project <id>] <file.json>
  notiflows-prefs import [--project <id>] [--mode replace|merge] [--strict] [--resume]
                         [--checkpoint F] [--errors F] [--quiet] FILE.ndjson
  notiflows-prefs export [--project <id>] [--out FILE] [--quiet]
  notiflows-prefs links keys|rotate|revoke-all [--project <id>]
  notiflows-prefs links revoke [--project <id>] <kid>
  notiflows-prefs branding show [--project <id>]
  notiflows-prefs branding set [--project <id>] [--file <patch.json>] [--name <name>] [--logo-url <url>]
                               [--accent-color <#RRGGBB>] [--help-url <url>] [--privacy-url <url>]
                               [--channel-types <a,b>] [--reset <field>]...
  notiflows-prefs <command> --help

The database is DATABASE_URL (PostgreSQL) or, when unset, embedded PGlite in
NOTIFLOWS_DATA_DIR (default ./.notiflows/data). --project may be left out when the
database holds exactly one project.
`

const COMMAND_HELP: Record<string, string> = {
  import: IMPORT_HELP,
  export: EXPORT_HELP,
  serve:
    "notiflows-prefs serve [--workers N]\n  Starts the service on HOST:PORT (default 127.0.0.1:3000). --workers N (or NOTIFLOWS_WORKERS, default 1) runs N worker\n" +
    "  processes on one port (node:cluster; needs DATABASE_URL). See the README for every variable.\n",
  links: LINKS_HELP,
  branding: BRANDING_HELP,
  migrate: "notiflows-prefs migrate\n  Applies pending migrations (safe to run while other instances start).\n",
  project:
    "notiflows-prefs project create --name <name> [--security-mode on|off]\n  Creates a project and prints its new public and secret keys (shown once).\nnotiflows-prefs project list\nnotiflows-prefs project set [--project <id>] [--name <name>] [--security-mode on|off] [--allowed-origin <origin>]... [--clear-origins] [--signing-key <pem file> [--kid <kid>]] [--remove-kid <kid>]\n  Changes settings. --allowed-origin adds origins (scheme://host[:port]); a signing key without --kid gets its RFC 7638 thumbprint.\n",
  keys: "notiflows-prefs keys create [--project <id>] --kind public|secret\n  Prints the new key once.\nnotiflows-prefs keys list [--project <id>]\nnotiflows-prefs keys revoke [--project <id>] <key id>\n",
  notiflows:
    'notiflows-prefs notiflows import [--project <id>] <file.json>\n  Upserts every notiflow of the file: a JSON array of {"id", "name", "include_in_preferences"?, "required"?, "default_enabled"?, "default_channel_types"?, "categories"?} (or {"categories"?: [...], "notiflows": [...]}: the categories are upserted first, so notiflows may name them).\n',
  categories:
    'notiflows-prefs categories import [--project <id>] <file.json>\n  Upserts every category of the file: a JSON array of {"id", "name", "include_in_preferences"?, "default_enabled"?, "default_channel_types"?} (or {"categories": [...]}).\n'
}

/** A usage error: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

/** A command that could not be carried out: its message on stderr, exit code 1. */
export class CommandFailed extends Error {}

/** `ApiKeyConflict` as a message (the kind only: never key material). */
export const withKeyConflictMessage = <A, E, R>(effect: Effect.Effect<A, E | ApiKeyConflict, R>): Effect.Effect<A, E | CommandFailed, R> =>
  Effect.catchIf(
    effect,
    (e): e is ApiKeyConflict => e instanceof ApiKeyConflict,
    (e) =>
      Effect.fail(
        new CommandFailed(
          `the new ${e.kind} key could not be stored: a key with the same hash is stored already (${e.reason}). Nothing was changed; run the command again.`
        )
      )
  )

const normalizeOrigin = (raw: string): string => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`not an origin: ${raw}`)
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || (url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new UsageError(`an allowed origin is scheme://host[:port] with no path, got ${raw}`)
  }
  return url.origin
}

const isProjectId = Schema.is(ProjectId)
const isApiKeyId = Schema.is(ApiKeyId)

const resolveProject = (explicit: string | undefined) =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    if (explicit !== undefined) {
      // Decoded where it enters: a malformed id is a usage error, never a query.
      if (!isProjectId(explicit)) return yield* Effect.fail(new UsageError(`--project must be a project id (a UUID), got ${JSON.stringify(explicit)}`))
      const found = yield* projects.get(explicit)
      if (Option.isNone(found)) return yield* Effect.fail(new UsageError(`no project ${explicit}`))
      return found.value
    }
    const all = yield* projects.list()
    if (all.length === 1 && all[0] !== undefined) return all[0]
    return yield* Effect.fail(new UsageError(all.length === 0 ? "no project exists yet: run `project create --name <name>`" : "several projects exist: pass --project <id>"))
  })

const print = (out: (s: string) => void, value: unknown) => out(JSON.stringify(value, null, 2))

/** A project's settings as the CLI prints them (never a key). */
const projectJson = (p: Project) => ({
  id: p.id,
  name: p.name,
  security_mode: p.securityMode,
  allowed_origins: p.allowedOrigins,
  signing_key_ids: p.signingKeys.map((k) => k.kid)
})

type Program = Effect.Effect<unknown, unknown, Repositories>

/** The parsed flags and positionals of a command. */
interface Args {
  readonly values: {
    readonly name?: string | undefined
    readonly project?: string | undefined
    readonly "security-mode"?: string | undefined
    readonly "allowed-origin"?: ReadonlyArray<string> | undefined
    readonly "clear-origins"?: boolean | undefined
    readonly "signing-key"?: string | undefined
    readonly kid?: string | undefined
    readonly "remove-kid"?: string | undefined
    readonly kind?: string | undefined
  }
  readonly positionals: ReadonlyArray<string>
  readonly mode: "on" | "off" | undefined
  readonly out: (s: string) => void
}

const parseCommandArgs = (argv: ReadonlyArray<string>, out: (s: string) => void): Args => {
  const { values, positionals } = parseArgs({
    args: argv.slice(argv[0] === "migrate" ? 1 : 2),
    allowPositionals: true,
    options: {
      name: { type: "string" },
      project: { type: "string" },
      "security-mode": { type: "string" },
      "allowed-origin": { type: "string", multiple: true },
      "clear-origins": { type: "boolean" },
      "signing-key": { type: "string" },
      kid: { type: "string" },
      "remove-kid": { type: "string" },
      kind: { type: "string" }
    }
  })
  const mode = values["security-mode"]
  if (mode !== undefined && mode !== "on" && mode !== "off") throw new UsageError("--security-mode is on or off")
  return { values, positionals, mode, out }
}

const projectCreate = ({ values, mode, out }: Args): Program => {
  if (values.name === undefined || values.name.trim() === "") throw new UsageError("--name is required")
  return Effect.map(withKeyConflictMessage(createProjectWithKeys(values.name.trim(), mode ?? "on")), (r) =>
    print(out, { project_id: r.project.id, name: r.project.name, security_mode: r.project.securityMode, public_key: r.publicKey, secret_key: r.secretKey, note: "the keys are shown once; store them now" })
  )
}

const projectSet = async ({ values, mode, out }: Args): Promise<Program> => {
  const origins = (values["allowed-origin"] ?? []).map(normalizeOrigin)
  const signingKey = values["signing-key"] === undefined ? undefined : await signingKeyFromPem(await readFile(values["signing-key"], "utf8"), values.kid)
  return Effect.gen(function* () {
    const projects = yield* ProjectRepository
    const project = yield* resolveProject(values.project)
    const keep = project.signingKeys.filter((k) => k.kid !== values["remove-kid"] && k.kid !== signingKey?.kid)
    const updated = yield* projects.update(project.id, {
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(mode !== undefined ? { securityMode: mode } : {}),
      allowedOrigins: [...new Set([...(values["clear-origins"] === true ? [] : project.allowedOrigins), ...origins])],
      signingKeys: signingKey === undefined ? keep : [...keep, signingKey]
    })
    print(out, projectJson(updated))
  })
}

const keysCreate = ({ values, out }: Args): Program => {
  const kind = values.kind
  if (kind !== "public" && kind !== "secret") throw new UsageError("--kind is public or secret")
  return Effect.gen(function* () {
    const projects = yield* ProjectRepository
    const project = yield* resolveProject(values.project)
    const generated = yield* mintApiKey(kind)
    const stored = yield* withKeyConflictMessage(projects.createApiKey({ projectId: project.id, kind, prefix: generated.prefix, hash: generated.hash }))
    print(out, { id: stored.id, project_id: project.id, kind, key: generated.key, note: "the key is shown once; store it now" })
  })
}

const keysList = ({ values, out }: Args): Program =>
  Effect.gen(function* () {
    const projects = yield* ProjectRepository
    const project = yield* resolveProject(values.project)
    const keys = yield* projects.listApiKeys(project.id)
    print(out, keys.map((k) => ({ id: k.id, kind: k.kind, prefix: k.prefix, created_at: k.createdAt.toISOString(), revoked_at: k.revokedAt?.toISOString() ?? null })))
  })

const keysRevoke = ({ values, positionals, out }: Args): Program => {
  const keyId = positionals[0]
  if (keyId === undefined) throw new UsageError("the key id to revoke is required")
  if (!isApiKeyId(keyId)) throw new UsageError(`the key id must be a UUID (see keys list), got ${JSON.stringify(keyId)}`)
  return Effect.gen(function* () {
    const projects = yield* ProjectRepository
    const project = yield* resolveProject(values.project)
    const revoked = yield* projects.revokeApiKey(project.id, keyId, new Date())
    print(out, { id: revoked.id, revoked_at: revoked.revokedAt?.toISOString() ?? null, note: "running instances stop accepting it within 5 s" })
  })
}

/** `notiflows import` and `categories import`: a catalog file through the API's use cases. */
const catalogImport =
  (kind: "notiflows" | "categories") =>
  async ({ values, positionals, out }: Args): Promise<Program> => {
    const file = positionals[0]
    if (file === undefined) throw new UsageError("the JSON file to import is required")
    let catalog
    try {
      catalog = readCatalogFile(JSON.parse(await readFile(file, "utf8")), kind)
    } catch (e) {
      if (e instanceof ImportError || e instanceof SyntaxError) throw new UsageError(e.message)
      throw e
    }
    return Effect.gen(function* () {
      const project = yield* resolveProject(values.project)
      const result = yield* Effect.mapError(
        importCatalog(project.id, catalog),
        (e) => (e instanceof ImportError ? new UsageError(e.message) : e)
      )
      // `notiflows import` keeps its v1 output; the categories' counts join it when the file has any.
      if (kind === "categories") print(out, result.categories)
      else print(out, { ...result.notiflows, ...(catalog.categories.length > 0 ? { categories: result.categories } : {}) })
    })
  }

/** Every command but `serve`, by `<command> [<sub>]`. */
const COMMANDS: Record<string, (args: Args) => Program | Promise<Program>> = {
  migrate: ({ out }) => Effect.sync(() => out("migrations applied")),
  "project create": projectCreate,
  "project list": ({ out }) => Effect.flatMap(ProjectRepository, (p) => Effect.map(p.list(), (all) => print(out, all.map(projectJson)))),
  "project set": projectSet,
  "keys create": keysCreate,
  "keys list": keysList,
  "keys revoke": keysRevoke,
  "notiflows import": catalogImport("notiflows"),
  "categories import": catalogImport("categories"),
  ...Object.fromEntries(
    Object.entries(linkCommands(resolveProject, { usage: (m) => new UsageError(m), failed: (m) => new CommandFailed(m) })).map(([name, run]) => [
      name,
      ({ values, positionals, out }: Args): Program => run({ project: values.project, positionals, out })
    ])
  )
}

/**
 * Runs `program` on the configured database (migrated first); fails with its own error, not a
 * wrapper. Aborting `signal` interrupts it, and the database is still closed before this returns.
 */
const runOnDatabase = async (config: Config, program: Program, signal?: AbortSignal): Promise<void> => {
  const runtime = ManagedRuntime.make(databaseLayer(config))
  try {
    const exit = await runtime.runPromiseExit(program, signal === undefined ? undefined : { signal })
    if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
  } finally {
    await runtime.dispose()
  }
}

const asUsage = (e: unknown): unknown => (e instanceof ImportUsageError ? new UsageError(e.message) : e)

/**
 * `import` and `export`: the command handles `signal` itself (lines in flight finish, then the
 * checkpoint and summary are written) and answers its own exit code.
 */
const runBulk = async (command: BulkCommand, config: Config, io: BulkIo, signal?: AbortSignal): Promise<number> => {
  const runtime = ManagedRuntime.make(databaseLayer(config))
  try {
    const resolved = await runtime.runPromiseExit(Effect.all([resolveProject(command.project), DrizzleDatabase]))
    if (Exit.isFailure(resolved)) throw Cause.squash(resolved.cause)
    const [project, database] = resolved.value
    return await command.run(database, project.id, io, signal)
  } catch (e) {
    throw asUsage(e)
  } finally {
    await runtime.dispose()
  }
}

/** Runs a CLI command (all but `serve`). Returns the exit code. `signal` interrupts it (Ctrl-C). */
export const runCommand = async (
  argv: ReadonlyArray<string>,
  config: Config,
  out: (s: string) => void,
  signal?: AbortSignal,
  io: BulkIo = { stdout: process.stdout, stderr: process.stderr }
): Promise<number> => {
  const [command, sub] = argv
  if (argv.includes("--help") || argv.includes("-h")) {
    out(command !== undefined && COMMAND_HELP[command] !== undefined ? COMMAND_HELP[command] : HELP)
    return 0
  }
  if (command === "import" || command === "export") {
    let bulk: BulkCommand
    try {
      bulk = command === "import" ? importCommand(argv.slice(1)) : exportCommand(argv.slice(1))
    } catch (e) {
      throw asUsage(e)
    }
    return runBulk(bulk, config, io, signal)
  }
  if (command === "branding") {
    const errors = { usage: (m: string) => new UsageError(m), failed: (m: string) => new CommandFailed(m) }
    await runOnDatabase(config, await brandingProgram(argv.slice(1), out, resolveProject, errors), signal)
    return 0
  }
  const make = COMMANDS[command === "migrate" ? "migrate" : `${command} ${sub}`]
  if (make === undefined) throw new UsageError(`unknown command: ${argv.join(" ") || "(none)"}`)
  await runOnDatabase(config, await make(parseCommandArgs(argv, out)), signal)
  return 0
}
