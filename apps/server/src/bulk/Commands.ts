/**
 * The `import` and `export` commands of the CLI: their flags (BULK.md §2.2, §2.3), then the run on
 * the configured database. They handle Ctrl-C themselves (lines in flight finish, then the
 * checkpoint and the summary are written), so the signal is not turned into an interruption.
 */
import { parseArgs } from "node:util"
import { setFlagsFromString } from "node:v8"
import type { Database } from "@notiflows/adapters-drizzle"
import type { ImportMode, ProjectId } from "@notiflows/domain"
import type { BulkIo } from "./Import.js"
import { ImportUsageError, runImport } from "./Import.js"
import { runExport } from "./Export.js"

export const IMPORT_HELP = `notiflows-prefs import [--project <id>] [--mode replace|merge] [--strict] [--resume]
                       [--checkpoint F] [--errors F] [--quiet] FILE.ndjson
  Imports users, profiles and preference sets from canonical NDJSON (one user a line; see the README).
  --mode replace (default): each user ends as its line says; merge: PUT /admin/users semantics.
  --strict refuses lines with choices on notiflow or category ids absent from the catalog.
  --checkpoint (default FILE.ndjson.checkpoint) is written every 1,000 lines or 5 s; --resume continues after it.
  --errors F also writes every skipped line as {"line", "external_id", "error"} to F.
  Prints one JSON summary line. Exit 0 all applied or unchanged; 3 finished with skipped lines;
  1 stopped by a failure (checkpoint kept); 2 usage; 130 interrupted (checkpoint kept).
`

export const EXPORT_HELP = `notiflows-prefs export [--project <id>] [--out FILE] [--quiet]
  Writes every user as one canonical NDJSON line, sorted by external id, from one consistent snapshot:
  to stdout, or to FILE.partial renamed to FILE when complete. The summary {"users", "seconds"}
  goes to stdout, or to stderr when the data does. Exit 0; 1 on failure; 2 usage.
`

export interface BulkCommand {
  readonly project: string | undefined
  readonly run: (database: Database, projectId: ProjectId, io: BulkIo, signal?: AbortSignal) => Promise<number>
}

const parse = (args: ReadonlyArray<string>, options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>["options"]>) => {
  try {
    return parseArgs({ args: [...args], allowPositionals: true, strict: true, options })
  } catch (e) {
    throw new ImportUsageError(e instanceof Error ? e.message : String(e))
  }
}

/**
 * How far V8 lets the heap grow past what the last full collection kept, for the import command
 * (issue 14: peak RSS < 256 MiB at 100,000 and 1,000,000 lines). V8's own factor goes up to 4x
 * for a process with this much memory, and an import makes ~1 MB of short-lived strings and
 * buffers per batch (its statements' parameters), so the default heap peaked near 190 MiB over
 * ~50 MiB live (267 MiB RSS at 100,000 lines). 150% (a factor of 2.5) bounds it: 210 MiB RSS for
 * about 4% more CPU; 100% gave 189 MiB for 18% more, 25% 163 MiB for 70% more (docs/performance.md).
 * `--heap-growing-percent` is read at every full collection, so setting it when the command starts
 * takes effect (unlike the heap size flags, fixed when the isolate is created).
 */
export const IMPORT_HEAP_GROWING_PERCENT = 150

/** `import …` (argv after the command name). */
export const importCommand = (args: ReadonlyArray<string>): BulkCommand => {
  const { values, positionals } = parse(args, {
    project: { type: "string" },
    mode: { type: "string" },
    strict: { type: "boolean" },
    resume: { type: "boolean" },
    checkpoint: { type: "string" },
    errors: { type: "string" },
    quiet: { type: "boolean" }
  })
  const mode = (values["mode"] ?? "replace") as string
  if (mode !== "replace" && mode !== "merge") throw new ImportUsageError("--mode is replace or merge")
  if (positionals.length !== 1) throw new ImportUsageError("import takes exactly one FILE.ndjson")
  const str = (k: string) => values[k] as string | undefined
  return {
    project: str("project"),
    run: (database, projectId, io, signal) => {
      setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWING_PERCENT}`)
      return runImport(
        database,
        {
          projectId,
          file: positionals[0]!,
          mode: mode as ImportMode,
          strict: values["strict"] === true,
          resume: values["resume"] === true,
          checkpoint: str("checkpoint"),
          errors: str("errors"),
          quiet: values["quiet"] === true
        },
        io,
        signal
      )
    }
  }
}

/** `export …` (argv after the command name). */
export const exportCommand = (args: ReadonlyArray<string>): BulkCommand => {
  const { values, positionals } = parse(args, { project: { type: "string" }, out: { type: "string" }, quiet: { type: "boolean" } })
  if (positionals.length > 0) throw new ImportUsageError("export takes no file argument: use --out FILE")
  return {
    project: values["project"] as string | undefined,
    run: (database, projectId, io, signal) => runExport(database, { projectId, out: values["out"] as string | undefined, quiet: values["quiet"] === true }, io, signal)
  }
}
