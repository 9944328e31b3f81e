/**
 * Opens PGlite with the service's memory settings (docs/pglite-memory.md). PGlite's WebAssembly
 * memory only grows: the `initdb` of a new data directory leaves the instance that ran it at
 * ~700 MiB RSS for its whole life, while the same directory reopened sits at a third of that. A
 * new directory is therefore initialised in a worker thread, whose memory is returned to the
 * system when the thread ends (a closed instance in this thread would wait for a garbage
 * collection V8 has no reason to run), then opened here.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import { PGlite } from "@electric-sql/pglite"

/** True when `dataDir` holds no PostgreSQL cluster yet (PGlite would run `initdb` on it). */
const isNewDirectory = (dataDir: string): boolean => !fs.existsSync(path.join(dataDir, "PG_VERSION"))

const INIT = `
const { workerData, parentPort } = require("node:worker_threads")
import(workerData.module)
  .then(async ({ PGlite }) => { const pg = await PGlite.create(workerData.dataDir, workerData.options); await pg.close() })
  .then(() => parentPort.postMessage({ ok: true }), (e) => parentPort.postMessage({ ok: false, message: String(e && e.message || e) }))
`

/** Runs PGlite's `initdb` on `dataDir` in a worker thread. */
const initialise = (dataDir: string, options: object): Promise<void> =>
  new Promise((resolve, reject) => {
    const module = pathToFileURL(createRequire(import.meta.url).resolve("@electric-sql/pglite")).href
    const worker = new Worker(INIT, { eval: true, workerData: { module, dataDir, options } })
    let answer: { ok: boolean; message?: string } | undefined
    worker.once("message", (m: { ok: boolean; message?: string }) => (answer = m))
    worker.once("error", reject)
    worker.once("exit", () => (answer?.ok === true ? resolve() : reject(new Error(answer?.message ?? "initdb stopped"))))
  })

/**
 * PGlite on `dataDir` (`memory://` for a throwaway database, initialised in place: reopening
 * would lose it). `sharedBuffersMb` sets `shared_buffers` (PGlite's default otherwise).
 */
export const openPglite = async (dataDir: string, sharedBuffersMb: number | undefined): Promise<PGlite> => {
  const options = sharedBuffersMb === undefined ? {} : { postgresqlconf: [`shared_buffers=${sharedBuffersMb}MB`] }
  if (dataDir !== "memory://" && isNewDirectory(dataDir)) await initialise(dataDir, options)
  return PGlite.create(dataDir, options)
}
