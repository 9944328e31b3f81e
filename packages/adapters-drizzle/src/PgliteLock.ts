/**
 * A PGlite data directory belongs to one process: PGlite has no locking of its own, and two
 * processes writing one directory corrupt it. `<dir>/.notiflows.lock` holds the owner's pid; it is
 * created with `wx` (fails when it exists), and a lock whose pid is no longer alive is taken over.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** The lock file's name inside the data directory. */
export const LOCK_FILE = ".notiflows.lock"

/** Another live process (or this one) already has the data directory open. */
export class PgliteLockedError extends Error {
  readonly _tag = "PgliteLockedError"
  override readonly name = "PgliteLockedError"
  constructor(
    readonly dataDir: string,
    readonly pid: number
  ) {
    super(
      `PGlite data directory ${dataDir} is in use by process ${pid}${pid === process.pid ? " (this process)" : ""}. ` +
        `A PGlite directory can be opened by one process only: stop the other process, use PostgreSQL (DATABASE_URL) ` +
        `for several processes, or remove ${path.join(dataDir, LOCK_FILE)} if no such process is running.`
    )
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readPid = (file: string): number | undefined => {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8").trim(), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** A held lock; `release` removes the file if it is still ours. */
export interface PgliteLock {
  readonly file: string
  readonly release: () => void
}

/**
 * Takes the lock of a data directory (creating the directory), or throws {@link PgliteLockedError}.
 * A stale lock (its pid is dead, or the file is unreadable) is taken over atomically: it is
 * renamed away first, so two processes recovering at once cannot both win.
 */
export const acquirePgliteLock = (dataDir: string): PgliteLock => {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" })
      return {
        file,
        release: () => {
          if (readPid(file) === process.pid) fs.rmSync(file, { force: true })
        }
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    }
    const owner = readPid(file)
    if (owner !== undefined && alive(owner)) throw new PgliteLockedError(dataDir, owner)
    // Stale: move it aside (atomic; only one contender succeeds), then check what was moved.
    const aside = `${file}.stale.${process.pid}.${attempt}`
    try {
      fs.renameSync(file, aside)
    } catch {
      continue
    }
    const moved = readPid(aside)
    if (moved !== undefined && moved !== owner && alive(moved)) {
      // Another process took the lock between our read and our rename: give it back.
      try {
        fs.linkSync(aside, file)
      } finally {
        fs.rmSync(aside, { force: true })
      }
      throw new PgliteLockedError(dataDir, moved)
    }
    fs.rmSync(aside, { force: true })
  }
  const owner = readPid(file)
  throw new PgliteLockedError(dataDir, owner ?? -1)
}
