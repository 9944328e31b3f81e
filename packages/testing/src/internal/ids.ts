/**
 * Id generators for the in-memory adapters: UUIDv7 (time-ordered, monotonic within this
 * process) for users and history entries, UUIDv4 for projects and keys.
 */
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

const format = (bytes: Uint8Array): string => {
  const h = hex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

let lastMs = 0
let sequence = 0

/**
 * A UUIDv7. Ids made in the same millisecond stay strictly increasing: the 12-bit `rand_a`
 * field holds a counter (RFC 9562 §6.2 method 1), and the clock is advanced when it overflows.
 */
export const uuidv7 = (now: number = Date.now()): string => {
  if (now > lastMs) {
    lastMs = now
    sequence = 0
  } else if (++sequence > 0xfff) {
    lastMs += 1
    sequence = 0
  }
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  const ms = lastMs
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff
  bytes[2] = (ms >>> 24) & 0xff
  bytes[3] = (ms >>> 16) & 0xff
  bytes[4] = (ms >>> 8) & 0xff
  bytes[5] = ms & 0xff
  bytes[6] = 0x70 | ((sequence >>> 8) & 0x0f)
  bytes[7] = sequence & 0xff
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  return format(bytes)
}

/** A random UUID (v4). */
export const uuidv4 = (): string => crypto.randomUUID()
