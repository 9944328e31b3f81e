/**
 * Progress on stderr (BULK.md §2.2): on a TTY one redrawn line drawn by `cli-progress`
 * (`43%  431,002 lines  8,912/s  ETA 1m04s  3 skipped`), otherwise a plain line every 10 s;
 * `--quiet` prints neither.
 */
import cliProgress from "cli-progress"

export interface ProgressCounts {
  readonly lines: number
  readonly created?: number
  readonly updated?: number
  readonly unchanged?: number
  readonly skipped?: number
}

export interface Progress {
  /** `done` of `total` (bytes for import, users for export), and the counts so far. */
  readonly update: (done: number, total: number, counts: ProgressCounts) => void
  readonly stop: () => void
}

const number = new Intl.NumberFormat("en-US")

const duration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return "?"
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = String(s % 60).padStart(2, "0")
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m${r}s` : `${m}m${r}s`
}

const percent = (done: number, total: number) => (total <= 0 ? 100 : Math.min(100, Math.floor((done / total) * 100)))

const silent: Progress = { update: () => {}, stop: () => {} }

/** A redrawn bar on a TTY. */
const bar = (stream: NodeJS.WriteStream, unit: string): Progress => {
  const started = Date.now()
  const b = new cliProgress.SingleBar(
    { stream, format: `{pct}%  {lines} ${unit}  {rate}/s  ETA {eta}{skipped}`, hideCursor: false, clearOnComplete: false, etaBuffer: 50, fps: 5 },
    cliProgress.Presets.shades_classic
  )
  let begun = false
  return {
    update: (done, total, c) => {
      const elapsed = (Date.now() - started) / 1000
      const rate = elapsed > 0 ? c.lines / elapsed : 0
      const eta = done > 0 ? (elapsed * (total - done)) / done : Number.NaN
      const payload = {
        pct: percent(done, total),
        lines: number.format(c.lines),
        rate: number.format(Math.round(rate)),
        eta: duration(eta),
        skipped: c.skipped === undefined ? "" : `  ${number.format(c.skipped)} skipped`
      }
      if (!begun) {
        begun = true
        b.start(total, done, payload)
      } else b.update(done, payload)
    },
    stop: () => {
      if (begun) b.stop()
    }
  }
}

/** A plain `progress …` line every `intervalMs` (and none before the first interval). */
const plain = (stream: NodeJS.WritableStream, unit: string, intervalMs: number): Progress => {
  const started = Date.now()
  let last = started
  return {
    update: (done, total, c) => {
      const now = Date.now()
      if (now - last < intervalMs) return
      last = now
      const rate = Math.round(c.lines / ((now - started) / 1000))
      const counts = ["created", "updated", "unchanged", "skipped"]
        .filter((k) => c[k as keyof ProgressCounts] !== undefined)
        .map((k) => `${k}=${c[k as keyof ProgressCounts]}`)
      stream.write(`progress ${unit}=${c.lines} ${unit === "lines" ? "bytes" : "of"}=${percent(done, total)}% ${counts.join(" ")}${counts.length > 0 ? " " : ""}rate=${rate}/s\n`)
    },
    stop: () => {}
  }
}

/** The progress reporter for a stream: none when quiet, a bar on a TTY, plain lines otherwise. */
export const makeProgress = (stream: NodeJS.WritableStream, options: { readonly quiet: boolean; readonly unit: "lines" | "users"; readonly intervalMs?: number }): Progress => {
  if (options.quiet) return silent
  const tty = stream as NodeJS.WriteStream
  return tty.isTTY === true ? bar(tty, options.unit) : plain(stream, options.unit, options.intervalMs ?? 10_000)
}
