/**
 * In-process harness for import/export tests: a migrated database (PGlite in memory or a
 * throwaway PostgreSQL database), fresh projects, and the commands run with captured output.
 */
import { Writable } from "node:stream"
import { randomUUID } from "node:crypto"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Database } from "@notiflows/adapters-drizzle"
import { DrizzleDatabase, layerPglite, layerPostgres } from "@notiflows/adapters-drizzle"
import type { ProjectId } from "@notiflows/domain"
import { runExport } from "../../src/bulk/Export.js"
import type { ImportOptions } from "../../src/bulk/Import.js"
import { runImport } from "../../src/bulk/Import.js"
import { throwawayDatabase } from "../support.js"

export interface Captured {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const sink = () => {
  const chunks: Array<Buffer> = []
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
      cb()
    }
  })
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") }
}

export interface Harness {
  readonly database: Database
  readonly newProject: () => Promise<ProjectId>
  readonly importFile: (projectId: ProjectId, file: string, options?: Partial<ImportOptions>) => Promise<Captured>
  readonly exportAll: (projectId: ProjectId) => Promise<Captured>
  readonly close: () => Promise<void>
}

/** Opens the driver's database; `close` disposes it (and drops a PostgreSQL one). */
export const openHarness = async (driver: "PGlite" | "PostgreSQL"): Promise<Harness> => {
  const pg = driver === "PostgreSQL" ? await throwawayDatabase() : undefined
  const runtime = ManagedRuntime.make(pg === undefined ? layerPglite("memory://") : layerPostgres(pg.url))
  const database = await runtime.runPromise(Effect.map(DrizzleDatabase, (d) => d))
  const capture = async (run: (io: { stdout: Writable; stderr: Writable }) => Promise<number>): Promise<Captured> => {
    const out = sink()
    const err = sink()
    const code = await run({ stdout: out.stream, stderr: err.stream })
    return { code, stdout: out.text(), stderr: err.text() }
  }
  return {
    database,
    newProject: async () => {
      const id = randomUUID() as ProjectId
      await database.query("insert into projects (id, name, created_at, updated_at) values ($1, 'Import test', now(), now())", [id])
      return id
    },
    importFile: (projectId, file, options = {}) =>
      capture((io) => runImport(database, { projectId, file, mode: "replace", strict: false, resume: false, quiet: true, ...options }, io)),
    exportAll: (projectId) => capture((io) => runExport(database, { projectId, quiet: true }, io)),
    close: async () => {
      await runtime.dispose()
      await pg?.drop()
    }
  }
}
