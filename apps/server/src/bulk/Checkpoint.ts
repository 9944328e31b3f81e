/**
 * The import checkpoint (BULK.md §2.2): `{file: {size, mtime, sha256 of the first 64 KiB}, line,
 * offset, counts, run_id}`, the watermark below which every line is done, written atomically
 * (a temporary file renamed over it).
 */
import { createHash } from "node:crypto"
import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises"

export interface FileFingerprint {
  readonly size: number
  readonly mtime: string
  readonly sha256: string
}

export interface ImportCounts {
  lines: number
  created: number
  updated: number
  unchanged: number
  skipped: number
  unknown_ids: number
}

export const zeroCounts = (): ImportCounts => ({ lines: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, unknown_ids: 0 })

export interface Checkpoint {
  readonly version: 1
  readonly file: FileFingerprint
  /** The last line done (its number), and the byte offset just after it. */
  readonly line: number
  readonly offset: number
  readonly counts: ImportCounts
  readonly run_id: string
  readonly mode: "replace" | "merge"
  /** Seconds spent by the earlier runs of this import. */
  readonly seconds: number
}

const HEAD_BYTES = 64 * 1024

/** The size, modification time and SHA-256 of the first 64 KiB of a file. */
export const fingerprint = async (path: string): Promise<FileFingerprint> => {
  const s = await stat(path)
  const handle = await open(path, "r")
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, s.size))
    await handle.read(head, 0, head.length, 0)
    return { size: s.size, mtime: s.mtime.toISOString(), sha256: createHash("sha256").update(head).digest("hex") }
  } finally {
    await handle.close()
  }
}

export const sameFile = (a: FileFingerprint, b: FileFingerprint): boolean => a.size === b.size && a.mtime === b.mtime && a.sha256 === b.sha256

/** The checkpoint at `path`, `undefined` when there is none; a damaged one is an error. */
export const readCheckpoint = async (path: string): Promise<Checkpoint | undefined> => {
  let text: string
  try {
    text = await readFile(path, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
  const parsed = JSON.parse(text) as Checkpoint
  if (parsed.version !== 1 || typeof parsed.offset !== "number" || typeof parsed.line !== "number" || typeof parsed.run_id !== "string") {
    throw new Error(`not a checkpoint of this version: ${path}`)
  }
  return parsed
}

/** Writes the checkpoint atomically: readers see the old one or the new one, never a torn file. */
export const writeCheckpoint = async (path: string, checkpoint: Checkpoint): Promise<void> => {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(checkpoint)}\n`)
  await rename(tmp, path)
}

export const removeCheckpoint = (path: string): Promise<void> => rm(path, { force: true })
