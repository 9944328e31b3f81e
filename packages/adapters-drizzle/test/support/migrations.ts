/**
 * The committed migrations before a given one, copied into a folder of their own: what a database
 * created by an older release was migrated to. The upgrade tests migrate a database with this
 * folder, fill it as the older release would, then apply the real folder.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { migrationsFolder } from "../../src/index.js"

interface JournalEntry {
  readonly idx: number
  readonly tag: string
}

/**
 * Copies the journal entries with `idx < n` and their SQL files into `<scratch>/before-<n>`;
 * throws unless the last one copied is tagged `lastTag` (a renumbered migration would otherwise
 * change what the test upgrades from without anyone noticing).
 */
export const migrationsBefore = (scratch: string, n: number, lastTag: string): string => {
  const dir = path.join(scratch, `before-${String(n).padStart(4, "0")}`)
  fs.mkdirSync(path.join(dir, "meta"), { recursive: true })
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: Array<JournalEntry>
  }
  journal.entries = journal.entries.filter((e) => e.idx < n)
  const last = journal.entries.at(-1)?.tag
  if (last !== lastTag) throw new Error(`the migrations before ${n} end with ${String(last)}, not ${lastTag}`)
  for (const e of journal.entries) fs.copyFileSync(path.join(migrationsFolder, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`))
  fs.writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify(journal))
  return dir
}
