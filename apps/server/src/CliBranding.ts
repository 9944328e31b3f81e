/**
 * `notiflows-prefs branding show|set` (LINKS.md §2.4): the project's branding for the link pages,
 * through the same use cases as `GET, PUT /admin/branding`. `set` builds a merge patch from a JSON
 * file and/or flags (a flag wins over the file for its field; `--reset <field>` is `null`, the
 * default) and answers the GET body; a patch the API would refuse is refused with the API's 422
 * error (its §3 envelope on stderr, exit 1) and nothing is written.
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import * as Effect from "effect/Effect"
import type { Project } from "@notiflows/domain"
import { BRANDING_FIELDS, getBranding, updateBranding, ValidationFailed } from "@notiflows/domain"
import { envelope, newRequestId, toErrorResponse } from "@notiflows/http-express"

/** A usage problem (exit 2) and a failure (exit 1), as the CLI's own classes. */
export interface BrandingCommandErrors {
  readonly usage: (message: string) => Error
  readonly failed: (message: string) => Error
}

export const BRANDING_HELP =
  "notiflows-prefs branding show [--project <id>]\n  Prints the branding of the link pages, every default filled (what GET /admin/branding answers).\n" +
  "notiflows-prefs branding set [--project <id>] [--file <patch.json>] [--name <name>] [--logo-url <https url>]\n" +
  "                             [--accent-color <#RRGGBB>] [--help-url <url>] [--privacy-url <url>]\n" +
  "                             [--channel-types <type,type,...>] [--reset <field>]...\n" +
  "  Merge-patches the branding like PUT /admin/branding: --file holds a JSON object of the API's fields; a flag wins over\n" +
  "  the file for its field; --reset name|logo_url|accent_color|help_url|privacy_url|channel_types restores that default.\n" +
  "  Prints the branding after the write. A refused value prints the API's 422 error (details.fields) and changes nothing.\n" +
  "  Pages show the change within 5 s.\n"

/** Flag → API field. */
const FLAGS = { name: "name", "logo-url": "logo_url", "accent-color": "accent_color", "help-url": "help_url", "privacy-url": "privacy_url" } as const

const print = (out: (s: string) => void, value: unknown) => out(JSON.stringify(value, null, 2))

const parse = (argv: ReadonlyArray<string>, errors: BrandingCommandErrors) => {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        project: { type: "string" },
        file: { type: "string" },
        name: { type: "string" },
        "logo-url": { type: "string" },
        "accent-color": { type: "string" },
        "help-url": { type: "string" },
        "privacy-url": { type: "string" },
        "channel-types": { type: "string" },
        reset: { type: "string", multiple: true }
      }
    }).values
  } catch (e) {
    throw errors.usage(e instanceof Error ? e.message : String(e))
  }
}

type Values = ReturnType<typeof parse>

/** The patch of `branding set`: the file's object, then the flags over it. */
const patchOf = async (values: Values, errors: BrandingCommandErrors): Promise<Record<string, unknown>> => {
  let patch: Record<string, unknown> = {}
  if (values.file !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(values.file, "utf8"))
    } catch (e) {
      throw errors.usage(`--file ${values.file}: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw errors.usage(`--file ${values.file}: not a JSON object`)
    patch = { ...(parsed as Record<string, unknown>) }
  }
  for (const field of values.reset ?? []) {
    if (!(BRANDING_FIELDS as ReadonlyArray<string>).includes(field)) throw errors.usage(`--reset takes one of ${BRANDING_FIELDS.join(", ")}, got ${JSON.stringify(field)}`)
    patch[field] = null
  }
  for (const [flag, field] of Object.entries(FLAGS)) {
    const value = values[flag as keyof typeof FLAGS]
    if (value === undefined) continue
    if ((values.reset ?? []).includes(field)) throw errors.usage(`--${flag} and --reset ${field} contradict each other`)
    patch[field] = value
  }
  if (values["channel-types"] !== undefined) {
    if ((values.reset ?? []).includes("channel_types")) throw errors.usage("--channel-types and --reset channel_types contradict each other")
    const list = values["channel-types"].trim()
    patch["channel_types"] = list === "" ? [] : list.split(",").map((s) => s.trim())
  }
  if (values.file === undefined && Object.keys(patch).length === 0) throw errors.usage("branding set needs --file, a field flag or --reset (see branding --help)")
  return patch
}

/** The program of `branding <sub> …` (`argv` starts after `branding`). */
export const brandingProgram = async <R>(
  argv: ReadonlyArray<string>,
  out: (s: string) => void,
  resolveProject: (explicit: string | undefined) => Effect.Effect<Project, unknown, R>,
  errors: BrandingCommandErrors
) => {
  const [sub, ...rest] = argv
  const values = parse(rest, errors)
  if (sub === "show") {
    const extra = Object.keys(values).filter((k) => k !== "project")
    if (extra.length > 0) throw errors.usage(`branding show takes only --project, got --${extra[0]}`)
    return Effect.gen(function* () {
      const project = yield* resolveProject(values.project)
      print(out, yield* getBranding(project.id))
    })
  }
  if (sub !== "set") throw errors.usage(`unknown command: branding ${sub ?? ""}`.trim())
  const patch = await patchOf(values, errors)
  return Effect.gen(function* () {
    const project = yield* resolveProject(values.project)
    const body = yield* updateBranding(project.id, patch).pipe(
      Effect.catchIf(
        (e): e is ValidationFailed => e instanceof ValidationFailed,
        // The API's answer to the same body: its 422 envelope.
        (e) => Effect.fail(errors.failed(`branding not changed: ${JSON.stringify(envelope(toErrorResponse(e, "admin"), newRequestId()))}`))
      )
    )
    print(out, body)
  })
}
