/**
 * `notiflows-prefs import` (BULK.md §2.2): streams an NDJSON file in constant memory, validates
 * each line before the database, applies valid lines in batches (one transaction of a few
 * multi-row statements each; up to `concurrency` batches in the database at once, each on its own
 * connection, while the next is read; batches sharing a user run one after the other, in file
 * order), reports bad lines by number, keeps a checkpoint, and ends with a one-line JSON summary
 * and the contract's exit code.
 */
import { randomBytes } from "node:crypto"
import { appendFile } from "node:fs/promises"
import type { Database } from "@notiflows/adapters-drizzle"
import { DrizzleUserImport } from "@notiflows/adapters-drizzle"
import type { ImportLine, ImportMode, ProjectId } from "@notiflows/domain"
import { MAX_LINE_BYTES } from "@notiflows/domain"
import type { Checkpoint, FileFingerprint, ImportCounts } from "./Checkpoint.js"
import { fingerprint, readCheckpoint, removeCheckpoint, sameFile, writeCheckpoint, zeroCounts } from "./Checkpoint.js"
import { readLines } from "./LineReader.js"
import type { LineError } from "./ParseLine.js"
import { describeBadLine, parseLine } from "./ParseLine.js"
import { makeProgress } from "./Progress.js"
import { applyWithRetries, DatabaseStopped } from "./Retry.js"

export interface ImportOptions {
  readonly projectId: ProjectId
  readonly file: string
  readonly mode: ImportMode
  readonly strict: boolean
  readonly resume: boolean
  readonly checkpoint?: string | undefined
  readonly errors?: string | undefined
  readonly quiet: boolean
  /** Lines per transaction (default 500). */
  readonly batchSize?: number
  /** Batches in the database at once (default 2; PGlite runs them one after the other anyway). */
  readonly concurrency?: number
  /** How long database failures are retried before the run stops (default 60 s). */
  readonly retryForMs?: number
  /** Checkpoint every this many lines or this often (defaults 1,000 and 5 s). */
  readonly checkpointEveryLines?: number
  readonly checkpointEveryMs?: number
}

export interface BulkIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
}

/** A problem with the command line or the checkpoint: exit code 2. */
export class ImportUsageError extends Error {}

interface Bad {
  readonly number: number
  readonly externalId: string | null
  readonly error: LineError
}

/** Lines read since the last flush: the valid ones (distinct users) and the bad ones to report. */
interface Batch {
  lines: Array<ImportLine>
  ids: Set<string>
  bad: Array<Bad>
  unknownIds: number
  read: number
  last: { number: number; end: number } | undefined
}

const emptyBatch = (): Batch => ({ lines: [], ids: new Set(), bad: [], unknownIds: 0, read: 0, last: undefined })

const newRunId = () => `imp_${randomBytes(15).toString("base64url").replace(/[-_]/g, "x")}`

/** Where a run starts: a fresh run, or the checkpoint it resumes. */
const startingPoint = async (o: ImportOptions, checkpointPath: string, file: FileFingerprint): Promise<Checkpoint> => {
  const found = await readCheckpoint(checkpointPath)
  if (found !== undefined && !o.resume) {
    throw new ImportUsageError(`a checkpoint of an earlier run exists (${checkpointPath}): pass --resume to continue it, or delete it to start over`)
  }
  if (found !== undefined) {
    if (!sameFile(found.file, file)) throw new ImportUsageError(`the checkpoint ${checkpointPath} belongs to another file (or this one changed since): delete it to start over`)
    if (found.mode !== o.mode) throw new ImportUsageError(`the checkpoint ${checkpointPath} is of a --mode ${found.mode} run`)
    return found
  }
  return { version: 1, file, line: 0, offset: 0, counts: zeroCounts(), run_id: newRunId(), mode: o.mode, seconds: 0 }
}

/** Runs an import; answers the exit code (0, 3, 1 or 130). `signal` stops it gracefully. */
export const runImport = async (database: Database, o: ImportOptions, io: BulkIo, signal?: AbortSignal): Promise<number> => {
  const started = Date.now()
  const checkpointPath = o.checkpoint ?? `${o.file}.checkpoint`
  const file = await fingerprint(o.file).catch((e: NodeJS.ErrnoException) => {
    throw new ImportUsageError(`cannot read ${o.file}: ${e.code ?? e.message}`)
  })
  const start = await startingPoint(o, checkpointPath, file)
  const catalog = await DrizzleUserImport.catalogIds(database, o.projectId)
  const known = { notiflow: (id: string) => catalog.notiflows.has(id), category: (id: string) => catalog.categories.has(id) }
  const counts: ImportCounts = { ...start.counts }
  const progress = makeProgress(io.stderr, { quiet: o.quiet, unit: "lines" })
  const batchSize = o.batchSize ?? 500
  let watermark = { line: start.line, offset: start.offset }
  let lastCheckpoint = { at: Date.now(), lines: counts.lines }
  const checkpointNow = () =>
    writeCheckpoint(checkpointPath, { ...start, line: watermark.line, offset: watermark.offset, counts, seconds: start.seconds + (Date.now() - started) / 1000 })

  /** Counts an applied batch, reports its bad lines and moves the watermark (batches in file order). */
  const finish = async (b: Batch, outcomes: ReadonlyArray<keyof ImportCounts>): Promise<void> => {
    for (const outcome of outcomes) counts[outcome]++
    for (const bad of b.bad) {
      io.stderr.write(`${describeBadLine(bad.number, bad.error)}\n`)
      if (o.errors !== undefined) await appendFile(o.errors, `${JSON.stringify({ line: bad.number, external_id: bad.externalId, error: bad.error })}\n`)
    }
    counts.skipped += b.bad.length
    counts.unknown_ids += b.unknownIds
    counts.lines += b.read
    if (b.last !== undefined) watermark = { line: b.last.number, offset: b.last.end }
    progress.update(watermark.offset, file.size, counts)
    const now = Date.now()
    if (counts.lines - lastCheckpoint.lines >= (o.checkpointEveryLines ?? 1000) || now - lastCheckpoint.at >= (o.checkpointEveryMs ?? 5000)) {
      lastCheckpoint = { at: now, lines: counts.lines }
      await checkpointNow()
    }
  }

  const concurrency = Math.max(1, o.concurrency ?? 2)
  /** Batches not finished yet, in file order; each leaves the list once applied and finished. */
  const unfinished: Array<{ readonly ids: ReadonlySet<string>; readonly settled: Promise<void> }> = []
  /** The finish steps, chained in file order; rejects with the first failure. */
  let finished: Promise<void> = Promise.resolve()
  let failure: { readonly error: unknown } | undefined
  const shares = (a: ReadonlySet<string>, b: ReadonlySet<string>) => {
    const [small, large] = a.size <= b.size ? [a, b] : [b, a]
    for (const id of small) if (large.has(id)) return true
    return false
  }
  let batch = emptyBatch()
  const send = async () => {
    const full = batch
    batch = emptyBatch()
    // A bounded number in flight; a batch sharing a user with an earlier one waits for it (file order).
    for (;;) {
      const blocking = unfinished.length >= concurrency ? unfinished[0] : unfinished.find((u) => shares(u.ids, full.ids))
      if (blocking === undefined) break
      await blocking.settled
    }
    if (failure !== undefined) throw failure.error
    const applied: Promise<ReadonlyArray<keyof ImportCounts>> =
      full.lines.length === 0
        ? Promise.resolve([])
        : applyWithRetries(() => DrizzleUserImport.applyImportBatch(database, { projectId: o.projectId, mode: o.mode, runId: start.run_id, at: new Date() }, full.lines), o.retryForMs ?? 60_000, signal)
    const link = finished.then(async () => finish(full, await applied))
    finished = link
    // A failure is kept and rethrown by the next send or the end of the run, not left unhandled.
    link.catch((error: unknown) => void (failure ??= { error }))
    const entry = { ids: full.ids, settled: Promise.allSettled([applied, link]).then(() => {}) }
    unfinished.push(entry)
    void entry.settled.then(() => unfinished.splice(unfinished.indexOf(entry), 1))
  }
  /** Waits until no batch is in the database and every finish step has run; rejects with a failure. */
  const settleAll = async () => {
    while (unfinished.length > 0) await unfinished[0]!.settled
    await finished
  }

  let code: number
  let interrupted = false
  try {
    for await (const raw of readLines(o.file, { offset: start.offset, line: start.line }, MAX_LINE_BYTES)) {
      const parsed = parseLine(raw.bytes, known, o.strict)
      if (parsed._tag === "Valid" && batch.ids.has(parsed.line.externalId)) await send() // a repeated id: the later applies after
      batch.last = { number: raw.number, end: raw.end }
      if (parsed._tag === "Blank") continue
      batch.read++
      if (parsed._tag === "Bad") batch.bad.push({ number: raw.number, externalId: parsed.externalId, error: parsed.error })
      else {
        batch.lines.push(parsed.line)
        batch.ids.add(parsed.line.externalId)
        if (parsed.unknownIds) batch.unknownIds++
      }
      if (batch.lines.length + batch.bad.length >= batchSize) await send()
      if (signal?.aborted === true) {
        interrupted = true
        break
      }
    }
    // Lines in flight finish: the open batch too (it has been read).
    await send()
    await settleAll()
    code = interrupted || signal?.aborted === true ? 130 : counts.skipped > 0 ? 3 : 0
    interrupted = code === 130
  } catch (e) {
    await settleAll().catch(() => {})
    if (!(e instanceof DatabaseStopped)) {
      progress.stop()
      throw e
    }
    interrupted = e.interrupted
    code = e.interrupted ? 130 : 1
    if (!e.interrupted) io.stderr.write(`notiflows-prefs: import stopped: ${e.message}; the checkpoint ${checkpointPath} is kept: run again with --resume\n`)
  }
  progress.stop()
  if (code === 0 || code === 3) await removeCheckpoint(checkpointPath)
  else await checkpointNow()
  const seconds = Math.round((start.seconds + (Date.now() - started) / 1000) * 10) / 10
  io.stdout.write(`${JSON.stringify({ run_id: start.run_id, ...counts, seconds, interrupted })}\n`)
  return code
}
