/**
 * Reads an NDJSON file line by line from a byte offset, in constant memory: a line longer than
 * the limit is reported as too long without being held (BULK.md §2.1: ≤ 256 KiB a line), and
 * every line carries its number and the byte offset just after it (the checkpoint's watermark).
 */
import { createReadStream } from "node:fs"

export interface RawLine {
  /** 1-based physical line number. */
  readonly number: number
  /** Byte offset just after the line and its line break. */
  readonly end: number
  /** The line without `\n` / `\r\n`; `undefined` when it is longer than the limit. */
  readonly bytes: Buffer | undefined
}

export interface ReadFrom {
  /** Where to start: 0, or a checkpoint's offset (the start of a line). */
  readonly offset: number
  /** The number of the line before `offset` (0 at the start of the file). */
  readonly line: number
}

/** The lines of `path` from `from`, with backpressure (the stream pauses while the consumer works). */
export async function* readLines(path: string, from: ReadFrom, maxBytes: number): AsyncGenerator<RawLine> {
  const stream = createReadStream(path, { start: from.offset, highWaterMark: 256 * 1024 })
  let parts: Array<Buffer> = []
  let length = 0
  let tooLong = false
  let position = from.offset
  let number = from.line
  const append = (b: Buffer) => {
    if (tooLong || b.length === 0) return
    // One extra byte for a `\r` before the `\n`.
    if (length + b.length > maxBytes + 1) {
      tooLong = true
      parts = []
      length = 0
      return
    }
    parts.push(b)
    length += b.length
  }
  const finish = (): RawLine => {
    let bytes: Buffer | undefined
    if (!tooLong) {
      const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length)
      bytes = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.subarray(0, whole.length - 1) : whole
      if (bytes.length > maxBytes) bytes = undefined
    }
    parts = []
    length = 0
    tooLong = false
    return { number: ++number, end: position, bytes }
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(10, start)
      if (nl === -1) {
        append(chunk.subarray(start))
        position += chunk.length - start
        break
      }
      append(chunk.subarray(start, nl))
      position += nl - start + 1
      yield finish()
      start = nl + 1
    }
  }
  if (length > 0 || tooLong) yield finish()
}
