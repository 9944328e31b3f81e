/**
 * `notiflows-prefs export` (BULK.md §2.3): every user of a project as one canonical line each,
 * from one consistent snapshot read in pages, to stdout or to `FILE.partial` renamed to `FILE`
 * when complete. Writes wait for the stream to drain, so memory stays constant.
 */
import { createWriteStream } from "node:fs"
import { rename, rm } from "node:fs/promises"
import { once } from "node:events"
import type { Database } from "@notiflows/adapters-drizzle"
import { DrizzleUserExport } from "@notiflows/adapters-drizzle"
import type { ProjectId } from "@notiflows/domain"
import { canonicalLine } from "@notiflows/domain"
import type { BulkIo } from "./Import.js"
import { makeProgress } from "./Progress.js"
import { codeOf } from "./Retry.js"

export interface ExportOptions {
  readonly projectId: ProjectId
  readonly out?: string | undefined
  readonly quiet: boolean
  readonly pageSize?: number
}

class Interrupted extends Error {}

const write = async (stream: NodeJS.WritableStream, text: string): Promise<void> => {
  if (!stream.write(text)) await once(stream, "drain")
}

/** Runs an export; answers the exit code (0; 1 on failure, with `FILE.partial` removed; 130 when interrupted). */
export const runExport = async (database: Database, o: ExportOptions, io: BulkIo, signal?: AbortSignal): Promise<number> => {
  const started = Date.now()
  const partial = o.out === undefined ? undefined : `${o.out}.partial`
  const sink = partial === undefined ? io.stdout : createWriteStream(partial)
  const progress = makeProgress(io.stderr, { quiet: o.quiet, unit: "users" })
  let total = 0
  let users = 0
  try {
    await DrizzleUserExport.exportUsers(
      database,
      o.projectId,
      {
        onStart: (n) => void (total = n),
        onPage: async (page) => {
          if (signal?.aborted === true) throw new Interrupted()
          await write(sink, page.map((u) => `${canonicalLine(u.externalId, u.state)}\n`).join(""))
          users += page.length
          progress.update(users, total, { lines: users })
        }
      },
      o.pageSize
    )
    progress.stop()
    if (partial !== undefined && o.out !== undefined) {
      const file = sink as ReturnType<typeof createWriteStream>
      await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())))
      await rename(partial, o.out)
    }
  } catch (e) {
    progress.stop()
    if (partial !== undefined) {
      ;(sink as ReturnType<typeof createWriteStream>).destroy()
      await rm(partial, { force: true })
    }
    if (e instanceof Interrupted) return 130
    const code = codeOf(e)
    // The code only: a driver message may quote SQL.
    io.stderr.write(`notiflows-prefs: export failed${code === undefined ? "" : ` (${code})`}\n`)
    return 1
  }
  const summary = `${JSON.stringify({ users, seconds: Math.round(((Date.now() - started) / 1000) * 10) / 10 })}\n`
  ;(o.out === undefined ? io.stderr : io.stdout).write(summary)
  return 0
}
